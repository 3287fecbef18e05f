import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyStats } from '../../functions/core/stats.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { apiEvent, checkoutEvent, hours, memoryStack, SECRETS } from '../support/local.ts';
import { STATS } from '../support/stats.ts';
import { DESKTOP, focused, launch, openPage, overflowsSideways, PHONE, SCREENSHOTS, screenshot, textContrast } from './browser.ts';

/**
 * The marketer's dashboard in a real browser, served by the local stack (memory backend) with the
 * journey statistics fed from a fixture: sign-in, every page at a phone's and a desktop's size, the
 * numbers as the statistics give them, a task marked done, a change without the CSRF token refused.
 * Screenshots go to docs/screenshots/dashboard-*.png.
 */
const T0 = new Date('2026-11-24T08:00:00Z');
let browser: Browser;
let s: Awaited<ReturnType<typeof memoryStack>>;
let phone: { page: Page; problems: string[] };
let desktop: { page: Page; problems: string[] };
const pl = (n: number) => new Intl.NumberFormat('pl-PL').format(n);

beforeAll(async () => {
  [browser, s] = await Promise.all([launch(), memoryStack(T0, { shopName: 'Ceramika Żuraw', stats: async () => STATS })]);
  // A dunning ladder that reached its call task, and a customer with a basket.
  const failed = apiEvent({
    id: 'pf-1',
    type: 'payment.failed',
    occurredAt: T0.toISOString(),
    customer: { email: 'marta@example.pl', phone: '+48600100200', firstName: 'Marta' },
    payment: { invoiceId: 'FV/2026/117', amount: '1234.50', currency: 'PLN' },
  });
  expect((await s.request(failed)).status).toBe(202);
  expect((await s.request(checkoutEvent('co-1', 'zofia@example.pl', 'tok-1', T0))).status).toBe(202);
  // Her answer to a CSAT question, as the survey page records it.
  await s.store.recordScore('default', customerIdFor('default', { email: 'zofia@example.pl' })!, { journey: 'order-follow-up', subject: 'o-1', score: 4, at: T0.toISOString(), question: 'csat' });
  await s.engine.advanceTo(new Date(T0.getTime() + hours(24 * 7 + 1)));
  [phone, desktop] = await Promise.all([openPage(browser, PHONE), openPage(browser, DESKTOP)]);
});

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${s.apiUrl}/dashboard`);
  await page.getByLabel('Klucz dostępu').fill(key);
  await page.keyboard.press('Enter');
  await page.waitForLoadState();
}

const metric = (page: Page, journey: string, name: string) => page.locator(`[aria-labelledby="j-${journey}"] [data-metric="${name}"] dd`).textContent();

describe('the dashboard in a browser', () => {
  it('refuses a wrong key, then signs in by keyboard', async () => {
    const { page } = phone;
    await signIn(page, 'wrong-key');
    expect(await page.getByRole('alert').textContent()).toBe('Ten klucz jest nieprawidłowy.');
    expect(await page.getByLabel('Klucz dostępu').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'dashboard-sign-in-phone');
    await signIn(page, SECRETS.apiKey);
    await page.getByRole('heading', { level: 1, name: 'Ścieżki' }).waitFor();
    await signIn(desktop.page, SECRETS.apiKey);
    await desktop.page.getByRole('heading', { level: 1, name: 'Ścieżki' }).waitFor();
  });

  it('the journeys page shows each journey’s numbers as the statistics give them, with a chart per day', async () => {
    for (const { page, problems } of [desktop, phone]) {
      await page.goto(`${s.apiUrl}/dashboard#/journeys`);
      await page.getByRole('heading', { name: 'Abandoned-cart recovery' }).waitFor();
      const cart = STATS.journeys[0]!;
      expect(await metric(page, 'abandoned-cart', 'Weszło')).toBe(pl(cart.entered));
      expect(await metric(page, 'abandoned-cart', 'Wysłano')).toBe(pl(cart.sent));
      expect(await metric(page, 'abandoned-cart', 'Konwersje')).toBe(pl(cart.converted));
      expect(await metric(page, 'abandoned-cart', 'Wstrzymano')).toBe(pl(Object.values(cart.suppressed).reduce((a, b) => a + b, 0)));
      expect(await metric(page, 'abandoned-cart', 'Przychód')).toBe(
        `${new Intl.NumberFormat('pl-PL', { style: 'currency', currency: 'PLN' }).format(38450.9)} · ${new Intl.NumberFormat('pl-PL', { style: 'currency', currency: 'EUR' }).format(1210)}`,
      );
      expect(await metric(page, 'post-purchase', 'W toku')).toBe(pl(STATS.journeys[1]!.active));
      expect(await page.locator('[aria-labelledby="j-abandoned-cart"] canvas').count()).toBeGreaterThan(0);
      expect(await overflowsSideways(page)).toBe(false);
      expect(problems, problems.join('\n')).toEqual([]);
    }
    await screenshot(desktop.page, 'dashboard-journeys-desktop');
    await screenshot(phone.page, 'dashboard-journeys-phone');
  });

  it('a journey’s page: its graph with counts on nodes and edges, each step’s engagement, the funnel, the experiments with both intervals, the versions', async () => {
    const { page, problems } = desktop;
    await page.goto(`${s.apiUrl}/dashboard#/journeys`);
    await page.getByRole('link', { name: 'Abandoned-cart recovery' }).click();
    await page.getByRole('heading', { level: 1, name: 'Abandoned-cart recovery' }).waitFor();
    const cart = STATS.journeys[0]!;
    const node = (id: string) => page.locator(`g[data-node="${id}"] .node-counts`).textContent();
    expect(await node('first-reminder')).toBe(`Wysłano ${pl(520)} · Wstrzymano ${pl(40)} · Konwersje ${pl(52)}`);
    expect(await node('second-reminder')).toBe(`Wysłano ${pl(728)} · Wstrzymano ${pl(326)} · Konwersje ${pl(47)}`);
    expect(await node('(start)')).toBe(`Weszło: ${pl(1240)}`);
    // Every edge of the graph carries the customers who went along it; one nobody took, a zero.
    const edge = (from: string, to: string) => page.locator(`g[data-edge="${from}>${to}"] .edge-count`).textContent();
    for (const e of cart.edges) expect(await edge(e.from, e.to)).toBe(`${pl(e.executions)}×`);
    expect(await edge('help-sms', 'help-wait')).toBe(`${pl(40)}×`);
    expect(await page.locator('g[data-edge] .edge-count').count()).toBe(cart.edges.length);
    // Bounces and complaints beside deliveries and clicks, per journey and per step.
    expect(await page.locator('[data-metric="Odbicia"] dd').textContent()).toBe(pl(17));
    expect(await page.locator('[data-metric="Skargi na spam"] dd').textContent()).toBe(pl(3));
    expect(await page.locator('[data-metric^="Otwarcia"]').count()).toBe(0);
    const steps = page.getByRole('table', { name: 'Kroki: co stało się z wiadomościami' });
    const row = (id: string) => steps.locator('tr').filter({ has: page.locator(`code:text-is("${id}")`) });
    expect(await row('second-reminder').locator('td').allTextContents()).toEqual(['second-reminder', pl(728), pl(714), pl(122), pl(4), pl(2), pl(326), pl(47)]);
    expect(await page.locator('.funnel li').count()).toBe(5);
    // The subject test: the rate says better, revenue per recipient not yet.
    const split = page.locator('[data-experiment="subject-test"]');
    expect(await split.locator('h3 .badge').textContent()).toBe('lepszy');
    expect(await split.locator('[data-difference="rate"]').textContent()).toContain('Różnica (95% przedział): 3,4% [0,1%; 6,8%]');
    const zl = (n: number) => new Intl.NumberFormat('pl-PL', { style: 'currency', currency: 'PLN' }).format(n);
    expect(await split.locator('[data-difference="revenue"]').textContent()).toBe(`Przychód na odbiorcę, różnica (95% przedział): ${zl(5.7)} [${zl(-2.03)}; ${zl(13.43)}] za mało danych`);
    expect(await page.getByText('potrzeba ok. 380 odbiorców na wariant', { exact: false }).count()).toBe(1);
    // Each arm's messages: delivered, clicked, clicks per recipient, bounced, complained; the holdout's none.
    const pct = (x: number) => new Intl.NumberFormat('pl-PL', { style: 'percent', maximumFractionDigits: 1 }).format(x);
    const arm = (x: string, variant: string) => page.locator(`[data-experiment="${x}"] tbody tr`).filter({ has: page.locator(`td:first-child:text-is("${variant}")`) }).locator('td').allTextContents();
    expect(await arm('subject-test', 'b')).toEqual(['b', pl(542), pl(790), pl(198), pct(198 / 542), pl(6), pl(1), pl(69), pct(0.1273), expect.any(String)]);
    expect(pct(198 / 542)).toBe('36,5%');
    expect((await arm('holdout', 'holdout')).slice(2, 7)).toEqual([pl(0), pl(0), pct(0), pl(0), pl(0)]);
    // Two versions of the journey file, each with its own figures.
    const versions = page.getByRole('table', { name: 'Wersje ścieżki' });
    expect(await versions.locator('tbody tr').count()).toBe(2);
    const eur = new Intl.NumberFormat('pl-PL', { style: 'currency', currency: 'EUR' }).format(1210);
    expect(await versions.locator('tbody tr').nth(1).locator('td').allTextContents()).toEqual(['a83f16c02e95', expect.stringContaining('–'), pl(522), pl(454), pl(821), pl(807), pl(174), pl(7), pl(1), pl(81), `${zl(16690)} · ${eur}`]);
    // Each column of the versions adds up to the journey's figure.
    const column = async (i: number) => (await versions.locator(`tbody tr td:nth-child(${i})`).allTextContents()).reduce((a, x) => a + Number(x.replace(/\D/g, '')), 0);
    expect([await column(3), await column(4), await column(5), await column(6), await column(7), await column(8), await column(9), await column(10)]).toEqual([
      cart.entered,
      cart.finished,
      cart.sent,
      cart.delivered,
      cart.clicked,
      cart.bounced,
      cart.complained,
      cart.converted,
    ]);
    await screenshot(page, 'dashboard-journey-desktop');
    expect(problems).toEqual([]);
  });

  it('survey answers: NPS and CSAT with their n among a journey’s numbers, and by version on its page, few answers said so', async () => {
    const { page, problems } = desktop;
    const pct75 = new Intl.NumberFormat('pl-PL', { style: 'percent' }).format(0.75);
    await page.goto(`${s.apiUrl}/dashboard#/journeys`);
    await page.getByRole('heading', { name: 'Follow-up checks' }).waitFor();
    expect(await metric(page, 'order-follow-up', 'NPS')).toBe('+20,8 (n = 48, ± 23,1 pkt)');
    expect(await metric(page, 'order-follow-up', 'CSAT')).toBe(`${pct75} · Średnia 3,92 (n = 12, mało odpowiedzi)`);
    expect(await page.locator('[aria-labelledby="j-order-follow-up"] [data-metric="CSAT"]').getAttribute('title')).toContain('od 30 odpowiedzi');
    // A journey nobody answered a survey in shows neither.
    expect(await page.locator('[aria-labelledby="j-abandoned-cart"] [data-metric="NPS"]').count()).toBe(0);
    await page.getByRole('link', { name: 'Follow-up checks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Follow-up checks' }).waitFor();
    const rows = async (name: string) => {
      const table = page.getByRole('table', { name });
      return Promise.all((await table.locator('tbody tr').all()).map((r) => r.locator('td').allTextContents()));
    };
    // The whole journey, then each version: the NPS asked by the first, CSAT by the second.
    expect(await rows('NPS')).toEqual([
      ['Cała ścieżka', '48', '22', '14', '12', '+20,8', '± 23,1 pkt'],
      ['3b6f0e1c2a9d', '48', '22', '14', '12', '+20,8', '± 23,1 pkt'],
    ]);
    expect(await rows('CSAT')).toEqual([
      ['Cała ścieżka', '12', '9', pct75, '3,92', 'mało odpowiedzi'],
      ['7c21d4e8f015', '12', '9', pct75, '3,92', 'mało odpowiedzi'],
    ]);
    await page.locator('[data-section="surveys"]').screenshot({ path: `${SCREENSHOTS}/dashboard-surveys-desktop.png` });
    expect(problems).toEqual([]);
  });

  it('a journey that counts opens shows them, marked unreliable', async () => {
    const { page } = desktop;
    await page.goto(`${s.apiUrl}/dashboard#/journeys/post-purchase`);
    await page.getByRole('heading', { level: 1, name: 'Post-purchase education' }).waitFor();
    const opened = page.locator('[data-metric="Otwarcia (niepewne)"]');
    expect(await opened.locator('dd').textContent()).toBe(pl(512));
    expect(await opened.getAttribute('title')).toContain('piksel');
    // A journey of steps, not a graph: no counts on its edges.
    expect(await page.locator('g[data-edge] .edge-count').count()).toBe(0);
  });

  it('after a simulated scenario, shows the figures the stats API gives for it: totals, bounces, edges and versions', async () => {
    // The real source: the journeys' counters, as GET /v1/journeys/stats reads them.
    const sim = await memoryStack(T0);
    const { page } = await openPage(browser, DESKTOP);
    try {
      for (const n of [1, 2, 3]) expect((await sim.request(checkoutEvent(`sim-${n}`, `sim${n}@example.pl`, `tok-sim-${n}`, T0))).status).toBe(202);
      // SES's mailbox simulator: this cart's reminder bounces for good.
      expect((await sim.request(checkoutEvent('sim-4', 'bounce@simulator.amazonses.com', 'tok-sim-4', T0))).status).toBe(202);
      await sim.engine.advanceTo(new Date(T0.getTime() + hours(2)));
      const order = apiEvent({ id: 'sim-order', type: 'order.placed', occurredAt: new Date(T0.getTime() + hours(2)).toISOString(), customer: { email: 'sim1@example.pl' }, order: { id: 'o-sim', checkoutToken: 'tok-sim-1', total: '99.80', currency: 'PLN' } });
      expect((await sim.request(order)).status).toBe(202);
      await sim.engine.advanceTo(new Date(T0.getTime() + hours(48)));
      const api = await sim.request({ method: 'GET', path: '/v1/journeys/abandoned-cart/stats', query: {}, headers: { authorization: `Bearer ${SECRETS.apiKey}` }, rawBody: Buffer.alloc(0) });
      const cart = (api.body as { journeys: JourneyStats[] }).journeys[0]!;
      // Four carts, two reminders each but for the one that ordered and the bounced address, one conversion.
      expect(cart).toMatchObject({ entered: 4, sent: 6, bounced: 1, converted: 1 });
      expect(cart.edges.find((e) => e.from === '(start)')).toEqual({ from: '(start)', to: 'first-wait', executions: 4 });
      expect(cart.versions).toHaveLength(1);
      await page.goto(`${sim.apiUrl}/dashboard`);
      await page.getByLabel('Klucz dostępu').fill(SECRETS.apiKey);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Abandoned-cart recovery' }).waitFor();
      expect(await metric(page, 'abandoned-cart', 'Weszło')).toBe(pl(cart.entered));
      expect(await metric(page, 'abandoned-cart', 'Wysłano')).toBe(pl(cart.sent));
      expect(await metric(page, 'abandoned-cart', 'Odbicia')).toBe(pl(cart.bounced));
      expect(await metric(page, 'abandoned-cart', 'Konwersje')).toBe(pl(cart.converted));
      await page.getByRole('link', { name: 'Abandoned-cart recovery' }).click();
      await page.getByRole('heading', { level: 1, name: 'Abandoned-cart recovery' }).waitFor();
      for (const e of cart.edges) expect(await page.locator(`g[data-edge="${e.from}>${e.to}"] .edge-count`).textContent()).toBe(`${pl(e.executions)}×`);
      const version = page.getByRole('table', { name: 'Wersje ścieżki' }).locator('tbody tr');
      // The one version holds every figure, deliveries and the bounce included (each message carried its version back).
      expect(cart.versions[0]).toMatchObject({ entered: 4, finished: cart.finished, sent: cart.sent, delivered: cart.delivered, clicked: cart.clicked, bounced: 1, complained: 0, converted: 1 });
      expect(cart.delivered).toBe(5);
      expect(await version.locator('td').allTextContents()).toEqual([
        cart.versions[0]!.version,
        expect.any(String),
        pl(4),
        pl(cart.finished),
        pl(cart.sent),
        pl(cart.delivered),
        pl(cart.clicked),
        pl(1),
        pl(0),
        pl(1),
        new Intl.NumberFormat('pl-PL', { style: 'currency', currency: 'PLN' }).format(99.8),
      ]);
    } finally {
      await page.context().close();
      await sim.stop();
    }
  });

  it('shows an empty state, not an error, where no statistics are wired', async () => {
    // A source that has no figures (a deployment without them): the page says so, calmly.
    const bare = await memoryStack(T0, { stats: async () => undefined });
    // A browser of its own: cookies are per host, not per port, and this one is signed in to the other stack.
    const { page } = await openPage(browser, DESKTOP);
    try {
      await page.goto(`${bare.apiUrl}/dashboard`);
      await page.getByLabel('Klucz dostępu').fill(SECRETS.apiKey);
      await page.getByRole('button', { name: 'Zaloguj się' }).click();
      await page.locator('[data-empty="stats"]').waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(await page.getByRole('heading', { name: 'Abandoned-cart recovery' }).isVisible()).toBe(true);
    } finally {
      await page.context().close();
      await bare.stop();
    }
  });

  it('a customer: found by e-mail, their history, export, and erasure after a confirmation', async () => {
    const { page, problems } = phone;
    await page.goto(`${s.apiUrl}/dashboard#/customer`);
    await page.getByLabel('E-mail lub telefon klienta').fill('zofia@example.pl');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Oś czasu' }).waitFor();
    expect(await page.locator('.timeline li').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('.timeline li').filter({ hasText: 'Ocena zakupów 4/5' }).count()).toBe(1);
    expect(await page.getByRole('table', { name: 'Decyzje i powody' }).getByText('first-reminder').count()).toBeGreaterThan(0);
    expect(await page.getByRole('link', { name: 'Eksportuj dane (JSON)' }).getAttribute('href')).toMatch(/^\/dashboard\/api\/customer\/export\?id=c_[0-9a-f]{32}$/);
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, 'dashboard-customer-phone');
    await page.getByRole('button', { name: 'Usuń dane klienta' }).click();
    await page.getByLabel('Aby potwierdzić, wpisz e-mail lub telefon klienta').fill('someone@example.pl');
    await page.getByRole('button', { name: 'Usuń na zawsze' }).click();
    expect(await page.locator('#erase-error').textContent()).toContain('confirm must repeat');
    await page.getByLabel('Aby potwierdzić, wpisz e-mail lub telefon klienta').fill('zofia@example.pl');
    await page.getByRole('button', { name: 'Usuń na zawsze' }).click();
    await page.locator('p.status').filter({ hasText: 'Dane klienta usunięto.' }).waitFor();
    expect(await s.store.getCustomer('default', customerIdFor('default', { email: 'zofia@example.pl' })!)).toBeUndefined();
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('staff tasks: whom to call about what; marked done by keyboard; a change without the CSRF token is refused', async () => {
    const { page, problems } = phone;
    await page.goto(`${s.apiUrl}/dashboard#/tasks`);
    const task = page.locator('li.task').first();
    await task.waitFor();
    expect(await task.getByRole('heading').textContent()).toMatch(/^Zadzwoń: zaległa płatność 1234,50\szł$/);
    expect(await task.getByRole('link', { name: '+48600100200' }).getAttribute('href')).toBe('tel:+48600100200');
    expect(await task.getByText('faktura FV/2026/117').count()).toBe(1);
    expect(await task.locator('[data-amount]').textContent()).toBe(new Intl.NumberFormat('pl-PL', { style: 'currency', currency: 'PLN' }).format(1234.5));
    expect(await task.getByText('Marta').count()).toBe(1);
    expect(await textContrast(page, 'li.task button')).toBeGreaterThanOrEqual(4.5);
    await screenshot(page, 'dashboard-tasks-phone');

    const [open] = await s.store.listTasks('default');
    const forged = await page.evaluate(
      `fetch('/dashboard/api/tasks/done', { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(JSON.stringify({ at: open!.at, id: open!.id }))} }).then((r) => r.status)`,
    );
    expect(forged).toBe(403);
    expect((await s.store.listTasks('default'))[0]!.status).toBe('open');

    // By keyboard: from the phone link, Tab reaches the button, with its focus ring.
    await task.getByRole('link', { name: '+48600100200' }).focus();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toEqual({ tag: 'button', text: 'Oznacz jako zrobione', ring: true });
    await page.keyboard.press('Enter');
    await page.getByText('Brak otwartych zadań.').waitFor();
    expect(await page.locator('p.status').textContent()).toMatch(/^Zrobione: Zadzwoń: zaległa płatność 1234,50\szł$/);
    expect((await s.store.listTasks('default'))[0]).toMatchObject({ status: 'done' });
    expect(problems).toEqual([]);
  });

  it('switches to English and signs out', async () => {
    const { page } = desktop;
    await page.goto(`${s.apiUrl}/dashboard#/tasks`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
    await screenshot(page, 'dashboard-tasks-desktop');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel(/Klucz dostępu|Access key/).waitFor();
    const after = (await page.request.get(`${s.apiUrl}/dashboard/api/tasks`)).status();
    expect(after).toBe(401);
  });
});
