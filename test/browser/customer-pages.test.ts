import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { signUnsubscribeToken } from '../../functions/shared/unsubscribe-token.ts';
import { MIN_TEXT_CONTRAST } from '../../workflows/src/contrast.ts';
import { apiEvent, hours, memoryStack, SECRETS } from '../support/local.ts';
import { DESKTOP, focused, imageLoaded, launch, logoServer, openPage, overflowsSideways, PHONE, screenshot, textContrast } from './browser.ts';

/**
 * The customer pages in a real browser, served by the local stack over HTTP (memory backend): at a
 * phone's size and a desktop's, by keyboard alone, with the shop's logo loaded under the pages'
 * Content-Security-Policy. Screenshots go to docs/screenshots/customer-*.png.
 */
const T0 = new Date('2026-06-01T08:00:00Z');
let browser: Browser;
let logo: { url: string; server: Server };
let s: Awaited<ReturnType<typeof memoryStack>>;
/** One page at a phone's size and one at a desktop's, reused by every test. */
const pages: Record<'phone' | 'desktop', { page: Page; problems: string[] }> = {} as never;

beforeAll(async () => {
  logo = await logoServer();
  [browser, s] = await Promise.all([
    launch(),
    memoryStack(T0, {
      shopName: 'Ceramika Żuraw',
      brand: { color: '#c9a227', logoUrl: logo.url, url: 'https://zuraw.example.pl', privacyEmail: 'dane@zuraw.example.pl' },
    }),
  ]);
  [pages.phone, pages.desktop] = await Promise.all([openPage(browser, PHONE), openPage(browser, DESKTOP)]);
});

afterAll(async () => {
  await browser?.close();
  await s?.stop();
  logo?.server.close();
});

/** A customer with an e-mail address and a phone, consenting to both, as a checkout brings them. */
let phones = 0;
async function customer(name: string, extra: Record<string, unknown> = {}): Promise<{ email: string; phone: string; id: string; link: (path: string, ch?: 'email' | 'sms', query?: string) => string }> {
  const email = `${name}@example.pl`;
  const phone = `+4860070080${phones++}`;
  const res = await s.request(
    apiEvent({
      id: `co-${name}`,
      type: 'checkout.abandoned',
      occurredAt: s.clock.now().toISOString(),
      customer: { email, phone, firstName: 'Zofia', locale: 'pl-PL', consent: { emailMarketing: true, smsMarketing: true }, ...extra },
      checkout: { token: `tok-${name}`, items: [{ title: 'Kubek „Żuraw”', quantity: 2, price: '49.90' }], total: '99.80', currency: 'PLN' },
    }),
  );
  expect(res.status).toBe(202);
  const id = customerIdFor('default', { email })!;
  const link = (path: string, ch: 'email' | 'sms' = 'email', query = '') =>
    `${s.apiUrl}${path}?token=${signUnsubscribeToken(SECRETS.unsubscribeSecret, { t: 'default', c: id, ch }, s.clock.now())}${query}`;
  return { email, phone, id, link };
}

/** The page of that size, its problems forgotten. */
function pageAt(size: 'phone' | 'desktop') {
  pages[size].problems.length = 0;
  return pages[size];
}
const SIZES = ['desktop', 'phone'] as const;

/** Presses Tab until the element named `text` has focus; fails when it never does. */
async function tabTo(page: Page, text: string): Promise<void> {
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f.text === text) {
      expect(f.ring, `a focus ring around "${text}"`).toBe(true);
      return;
    }
  }
  throw new Error(`Tab never reached "${text}"`);
}

describe('customer pages in a browser', () => {
  it('the unsubscribe confirmation, on a phone and a desktop, works by keyboard', async () => {
    const c = await customer('unsub');
    for (const size of SIZES) {
      const { page, problems } = pageAt(size);
      await page.goto(c.link('/unsubscribe'));
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Wypisanie z wiadomości marketingowych');
      expect(await page.getByText('Po potwierdzeniu nie wyślemy już wiadomości marketingowych na adres u***@example.pl.').isVisible()).toBe(true);
      expect(await imageLoaded(page, 'Ceramika Żuraw')).toBe(true);
      expect(await textContrast(page, 'button')).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
      expect(await overflowsSideways(page)).toBe(false);
      await screenshot(page, `customer-unsubscribe-${size}`);
      expect(problems).toEqual([]);
    }
    const { page } = pageAt('phone');
    await page.goto(c.link('/unsubscribe'));
    await tabTo(page, 'Wypisz mnie');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Wypisano' }).waitFor();
    expect((await s.store.getConsent('default', c.id, 'email', 'marketing'))?.granted).toBe(false);
    await screenshot(page, 'customer-unsubscribed-phone');
  });

  it('the preference centre: labelled boxes, a change saved by keyboard alone, the privacy notice', async () => {
    const c = await customer('prefs');
    const { page, problems } = pageAt('phone');
    await page.goto(c.link('/preferences'));
    const email = page.getByLabel('E-mail na adres p***@example.pl');
    const sms = page.getByLabel(`SMS na numer +48 ****** ${c.phone.slice(-3)}`);
    expect([await email.isChecked(), await sms.isChecked()]).toEqual([true, true]);
    expect(await page.getByRole('heading', { name: 'Twoje dane osobowe (RODO)' }).isVisible()).toBe(true);
    expect(await page.getByText('Prezesa Urzędu Ochrony Danych Osobowych (PUODO)', { exact: false }).isVisible()).toBe(true);
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, 'customer-preferences-phone');

    await tabTo(page, 'sms');
    await page.keyboard.press('Space');
    expect(await sms.isChecked()).toBe(false);
    await tabTo(page, 'Zapisz zmiany');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Zapisano zmiany.' }).waitFor();
    expect(await sms.isChecked()).toBe(false);
    expect(await s.store.getConsent('default', c.id, 'sms', 'marketing')).toMatchObject({ granted: false, kind: 'withdrawal', source: 'preference-centre' });
    expect(await s.store.getConsent('default', c.id, 'email', 'marketing')).toMatchObject({ granted: true });
    expect(problems).toEqual([]);

    const desktop = pageAt('desktop');
    await desktop.page.goto(c.link('/preferences', 'email', '&lang=en'));
    expect(await desktop.page.getByRole('heading', { level: 1 }).textContent()).toBe('Your preferences');
    expect(await desktop.page.getByLabel(`Text messages to +48 ****** ${c.phone.slice(-3)}`).isChecked()).toBe(false);
    await screenshot(desktop.page, 'customer-preferences-desktop');
    expect(desktop.problems).toEqual([]);
  });

  it('the survey is answered by keyboard and thanks the customer; a low score promises a person', async () => {
    const c = await customer('survey');
    const delivered = apiEvent({ id: 'dl-survey', type: 'order.delivered', occurredAt: s.clock.now().toISOString(), customer: { email: c.email }, order: { id: 'o-501' } });
    expect((await s.request(delivered)).status).toBe(202);
    for (const size of SIZES) {
      const { page, problems } = pageAt(size);
      await page.goto(c.link('/survey', 'email', '&j=order-follow-up&k=o-501'));
      expect(await page.getByRole('group', { name: 'Jak bardzo prawdopodobne jest, że polecisz Ceramika Żuraw znajomym?' }).isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Ocena 10 z 10' }).isVisible()).toBe(true);
      expect(await overflowsSideways(page)).toBe(false);
      await screenshot(page, `customer-survey-${size}`);
      expect(problems).toEqual([]);
    }
    const { page } = pageAt('phone');
    await page.goto(c.link('/survey', 'email', '&j=order-follow-up&k=o-501'));
    await tabTo(page, '4');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dziękujemy za odpowiedź!' }).waitFor();
    expect(await page.getByText('Ktoś z naszego zespołu skontaktuje się z Tobą.', { exact: false }).isVisible()).toBe(true);
    expect((await s.store.getCustomer('default', c.id))?.lastScore).toBe(4);
    expect((await s.store.listTasks('default')).filter((t) => t.customerId === c.id)).toEqual([expect.objectContaining({ kind: 'follow-up', step: 'low-score' })]);
    await screenshot(page, 'customer-survey-thanks-phone');
  });

  it('the CSAT survey asks 1-5 on the same page, answered by keyboard', async () => {
    const c = await customer('csat');
    const delivered = apiEvent({ id: 'dl-csat', type: 'order.delivered', occurredAt: s.clock.now().toISOString(), customer: { email: c.email }, order: { id: 'o-502' } });
    expect((await s.request(delivered)).status).toBe(202);
    const { page, problems } = pageAt('phone');
    await page.goto(c.link('/survey', 'email', '&j=order-follow-up&k=o-502&q=csat'));
    expect(await page.getByRole('group', { name: 'Jak oceniasz zakupy w sklepie Ceramika Żuraw?' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /^Ocena \d z 5$/ }).count()).toBe(5);
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, 'customer-survey-csat-phone');
    await tabTo(page, '5');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dziękujemy za odpowiedź!' }).waitFor();
    expect(await s.store.getCustomer('default', c.id)).toMatchObject({ lastCsat: 5 });
    expect((await s.store.getCustomer('default', c.id))?.lastScore).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('"why did I get this message?" names the journey, the consent, and the way out', async () => {
    const c = await customer('why');
    await s.engine.advanceTo(new Date(s.clock.now().getTime() + hours(1)));
    for (const size of SIZES) {
      const { page, problems } = pageAt(size);
      await page.goto(c.link('/why'));
      expect(await page.getByRole('heading', { name: 'Przypomnienie o koszyku: w Twoim koszyku zostały produkty, więc przypominamy o nich.' }).isVisible()).toBe(true);
      expect(await page.getByText('Podstawa: Twoja zgoda na wiadomości marketingowe (e-mail)', { exact: false }).isVisible()).toBe(true);
      await page.getByRole('link', { name: 'Centrum preferencji' }).click();
      await page.getByRole('heading', { name: 'Twoje preferencje' }).waitFor();
      await page.goBack();
      await screenshot(page, `customer-why-${size}`);
      expect(problems).toEqual([]);
    }
  });

  it('an expired link gets a friendly page, not an error', async () => {
    const c = await customer('expired');
    const { page } = pageAt('phone');
    const link = c.link('/preferences');
    await s.engine.advanceTo(new Date(s.clock.now().getTime() + 91 * 24 * hours(1)));
    const res = await page.goto(link);
    expect(res?.status()).toBe(400);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ten link jest nieważny lub wygasł');
    await screenshot(page, 'customer-invalid-link-phone');
  });
});
