import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsentLedgerEntry } from '../../functions/core/model.ts';
import type { HttpResponse } from '../../functions/ingest/http.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { signUnsubscribeToken } from '../../functions/shared/unsubscribe-token.ts';
import type { LocalStack } from '../../local/stack.ts';
import { contrastRatio, MIN_TEXT_CONTRAST } from '../../workflows/src/contrast.ts';
import { apiEvent, checkoutEvent, hours, memoryStack, SECRETS } from '../support/local.ts';

/**
 * The pages a customer opens from a message, through the ingest function as API Gateway invokes it
 * (the local stack, memory backend): status codes, what they say and keep back, CSRF refusals,
 * and the consent each change records.
 */
const T0 = new Date('2026-06-01T08:00:00Z');
const EMAIL = 'zofia.nowak@example.pl';
const PHONE = '+48600700800';
const CID = customerIdFor('default', { email: EMAIL })!;
const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };

let s: Awaited<ReturnType<typeof memoryStack>>;
afterEach(async () => {
  await s?.stop();
});

async function shop(): Promise<typeof s> {
  s = await memoryStack(T0, {
    shopName: 'Ceramika Żuraw',
    // Yellow: white text on it is unreadable, so the pages darken it.
    brand: { color: '#ffcc00', logoUrl: 'https://cdn.example.pl/logo.png', url: 'https://zuraw.example.pl', privacyEmail: 'dane@zuraw.example.pl' },
  });
  const checkout = JSON.parse(checkoutEvent('p-1', EMAIL, 'tok-p1', T0).rawBody.toString('utf8')) as Record<string, { phone?: string }>;
  checkout['customer']!.phone = PHONE;
  expect((await s.request(apiEvent(checkout))).status).toBe(202);
  return s;
}

const token = (at = T0, ch: 'email' | 'sms' = 'email', secret = SECRETS.unsubscribeSecret) => signUnsubscribeToken(secret, { t: 'default', c: CID, ch }, at);
const get = (path: string, query: Record<string, string>, headers: Record<string, string> = {}) => s.request({ method: 'GET', path, query, headers, rawBody: Buffer.alloc(0) });
const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  s.request({ method: 'POST', path, headers: { ...FORM, ...headers }, rawBody: Buffer.from(new URLSearchParams(fields).toString()) });
const html = (r: HttpResponse) => r.body as string;
const nonceIn = (r: HttpResponse) => /name="nonce" value="([^"]+)"/.exec(html(r))![1]!;
const ledger = async () => (await s.store.exportCustomer('default', CID))['consentLedger'] as ConsentLedgerEntry[];
const marketing = async (ch: 'email' | 'sms') => (await s.store.getConsent('default', CID, ch, 'marketing'))?.granted;

describe('the unsubscribe confirmation', () => {
  it('shows the masked address in the customer’s language, under a strict policy, and changes nothing on a GET', async () => {
    await shop();
    const res = await get('/unsubscribe', { token: token() });
    expect(res.status).toBe(200);
    const page = html(res);
    expect(page).toContain('<html lang="pl">');
    expect(page).toContain('z***@example.pl');
    expect(page).not.toContain(EMAIL);
    expect(page).not.toContain('Zofia');
    expect(page).toContain('Ceramika Żuraw');
    expect(page).toContain('<img src="https://cdn.example.pl/logo.png" alt="Ceramika Żuraw">');
    expect(page).toMatch(/<form method="post" action="\/unsubscribe\?token=[^"]+&amp;lang=pl">/);
    const csp = res.headers!['content-security-policy']!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    expect(csp).toBe(
      `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'; img-src https://cdn.example.pl; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
    expect(page).not.toContain('<script');
    expect(res.headers).toMatchObject({ 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    expect(await marketing('email')).toBe(true);

    const english = html(await get('/unsubscribe', { token: token(), lang: 'en' }));
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('Once you confirm, we will stop sending marketing messages to z***@example.pl.');
  });

  it('darkens a brand colour white text cannot be read on until it reaches 4.5:1', async () => {
    await shop();
    const accent = /--accent:(#[0-9a-f]{6})/.exec(html(await get('/unsubscribe', { token: token() })))![1]!;
    expect(contrastRatio('#ffcc00', '#ffffff')).toBeLessThan(MIN_TEXT_CONTRAST);
    expect(accent).not.toBe('#ffcc00');
    expect(contrastRatio(accent, '#ffffff')).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
  });

  it('in a shop of several, shows that shop’s own name and colour, as its data controller', async () => {
    await shop();
    await s.stop();
    s = await memoryStack(T0, { shopName: 'Ceramika Żuraw', shops: [{ id: 'sklep-b', apiKey: 'key-of-sklep-b', name: 'Herbaciarnia B', color: '#3a2f8f' }] });
    const b = signUnsubscribeToken(SECRETS.unsubscribeSecret, { t: 'sklep-b', c: CID, ch: 'email' }, T0);
    const page = html(await get('/preferences', { token: b }));
    expect(page).toContain('Administratorem Twoich danych osobowych jest Herbaciarnia B.');
    expect(page).toContain('--accent:#3a2f8f');
    expect(page).not.toContain('Ceramika Żuraw');
    expect(html(await get('/preferences', { token: token() }))).toContain('Administratorem Twoich danych osobowych jest Ceramika Żuraw.');
  });

  it('the one-click POST withdraws e-mail marketing and answers with a page', async () => {
    await shop();
    const res = await s.request({ method: 'POST', path: '/unsubscribe', query: { token: token() }, rawBody: Buffer.from('List-Unsubscribe=One-Click') });
    expect(res.status).toBe(200);
    expect(html(res)).toContain('Wypisano');
    expect(await marketing('email')).toBe(false);
    expect((await ledger()).at(-1)).toMatchObject({ channel: 'email', kind: 'withdrawal', source: 'unsubscribe-link', applied: true });
  });

  it('an expired or forged link gets a friendly page, in the browser’s language, and a mail client JSON', async () => {
    await shop();
    const expired = token(new Date('2025-01-01T00:00:00Z'));
    const forged = token(T0, 'email', 'another-secret-of-length');
    for (const t of [expired, forged, 'not-a-token']) {
      const res = await get('/unsubscribe', { token: t });
      expect(res.status).toBe(400);
      expect(html(res)).toContain('Ten link jest nieważny lub wygasł');
      expect(html(await get('/preferences', { token: t }, { 'accept-language': 'en-GB,en;q=0.8' }))).toContain('This link is invalid or has expired');
    }
    expect((await post('/unsubscribe', { token: expired })).status).toBe(400);
    expect(html(await post('/unsubscribe', { token: expired }))).toContain('wygasł');
    expect((await s.request({ method: 'POST', path: '/unsubscribe', query: { token: expired }, rawBody: Buffer.alloc(0) })).body).toEqual({ error: 'unsubscribe token expired' });
    expect(await marketing('email')).toBe(true);
  });
});

describe('the preference centre', () => {
  it('shows each channel with its masked address, service messages and the privacy notice', async () => {
    await shop();
    const res = await get('/preferences', { token: token() });
    expect(res.status).toBe(200);
    const page = html(res);
    expect(page).toMatch(/<input type="checkbox" id="pref-email" name="email" value="on" checked/);
    expect(page).toContain('E-mail na adres z***@example.pl');
    expect(page).toContain('SMS na numer +48 ****** 800');
    expect(page).not.toContain(PHONE);
    expect(page).toContain('Administratorem Twoich danych osobowych jest Ceramika Żuraw.');
    expect(page).toContain('dane@zuraw.example.pl');
    expect(page).toContain('Prezesa Urzędu Ochrony Danych Osobowych (PUODO)');
    expect(page).toContain('art. 6 ust. 1 lit. b RODO');
  });

  it('refuses a change without the page’s nonce, with another link’s, or from another site: 403 and nothing recorded', async () => {
    await shop();
    const nonce = nonceIn(await get('/preferences', { token: token() }));
    const otherLinks = nonceIn(await get('/preferences', { token: token(new Date(T0.getTime() + 1000)) }));
    const before = (await ledger()).length;
    for (const [fields, headers] of [
      [{ token: token(), action: 'withdraw-all' }, {}],
      [{ token: token(), action: 'withdraw-all', nonce: otherLinks }, {}],
      [{ token: token(), action: 'withdraw-all', nonce: `${nonce.slice(0, -2)}AA` }, {}],
      [{ token: token(), action: 'withdraw-all', nonce }, { 'sec-fetch-site': 'cross-site' }],
    ] as [Record<string, string>, Record<string, string>][]) {
      const res = await post('/preferences', fields, headers);
      expect(res.status).toBe(403);
      expect(html(res)).toContain('Nie udało się zapisać zmian');
    }
    expect(await ledger()).toHaveLength(before);
    expect(await marketing('email')).toBe(true);
    expect(s.log.lines.filter((l) => l.includes('FORM_REFUSED'))).toHaveLength(4);
  });

  it('records a cleared box as a withdrawal and a ticked one as an explicit opt-in, then shows the page again', async () => {
    await shop();
    const nonce = nonceIn(await get('/preferences', { token: token() }));
    const res = await post('/preferences', { token: token(), nonce, lang: 'pl', action: 'save', sms: 'on' }, { 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBe(303);
    expect(res.headers!['location']).toMatch(/^\/preferences\?token=[^&]+&lang=pl&done=saved$/);
    expect(await marketing('email')).toBe(false);
    expect(await marketing('sms')).toBe(true);
    const recorded = (await ledger()).filter((l) => l.source === 'preference-centre');
    expect(recorded.map((l) => [l.channel, l.kind, l.applied])).toEqual([
      ['email', 'withdrawal', true],
      ['sms', 'opt-in', true],
    ]);
    const after = html(await get('/preferences', { token: token(), done: 'saved' }));
    expect(after).toContain('<p class="status" role="status">Zapisano zmiany.</p>');
    expect(after).toMatch(/<input type="checkbox" id="pref-email" name="email" value="on" aria-describedby/);
    expect(s.log.lines.join('\n')).not.toContain(EMAIL);
  });

  it('withdraws everything at one click, and takes a request for the customer’s data as a staff task', async () => {
    await shop();
    const nonce = nonceIn(await get('/preferences', { token: token() }));
    await post('/preferences', { token: token(), nonce, action: 'save', email: 'on', sms: 'on' });
    expect((await post('/preferences', { token: token(), nonce, action: 'withdraw-all' })).headers!['location']).toContain('done=withdrawn');
    expect([await marketing('email'), await marketing('sms')]).toEqual([false, false]);
    expect((await post('/preferences', { token: token(), nonce, action: 'request-export' })).status).toBe(303);
    await post('/preferences', { token: token(), nonce, action: 'request-export' });
    expect(await s.store.listTasks('default')).toEqual([expect.objectContaining({ kind: 'data-request', step: 'rights-export', customerId: CID, status: 'open' })]);
    const bad = await post('/preferences', { token: token(), nonce, action: 'delete-everything' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'action must be one of save, withdraw-all, request-export, request-erasure' } });
  });
});

describe('the survey', () => {
  async function delivered(st: LocalStack<'memory'>): Promise<void> {
    const event = apiEvent({ id: 'd-1', type: 'order.delivered', occurredAt: T0.toISOString(), customer: { email: EMAIL, locale: 'en-GB' }, order: { id: 'o-77' } });
    expect((await st.request(event)).status).toBe(202);
  }

  it('asks 0-10 in the profile’s language, records a score only with the page’s nonce, then thanks', async () => {
    await delivered(await shop());
    const query = { token: token(), j: 'order-follow-up', k: 'o-77' };
    const res = await get('/survey', query);
    expect(res.status).toBe(200);
    expect(html(res)).toContain('How likely are you to recommend Ceramika Żuraw to a friend?');
    expect(html(res)).toContain('<button name="score" value="0" aria-label="Score 0 out of 10">0</button>');
    expect((await post('/survey', { ...query, score: '9' })).status).toBe(403);
    expect((await post('/survey', { ...query, score: 'ten', nonce: nonceIn(res) })).status).toBe(400);
    expect((await s.store.getCustomer('default', CID))?.lastScore).toBeUndefined();
    const thanks = await post('/survey', { ...query, score: '9', nonce: nonceIn(res) });
    expect(thanks.status).toBe(200);
    expect(html(thanks)).toContain('Thank you for your answer!');
    expect(html(thanks)).toContain('href="https://zuraw.example.pl"');
    expect((await s.store.getCustomer('default', CID))?.lastScore).toBe(9);
    expect((await get('/survey', { ...query, j: 'no-such-journey' })).status).toBe(404);
    expect((await post('/survey', { ...query, k: 'o-other', score: '9', nonce: nonceIn(res) })).status).toBe(400);
  });

  it('asks CSAT 1-5 with q=csat, keeps it beside the NPS score, and follows up a dissatisfied answer as a low score', async () => {
    await delivered(await shop());
    const query = { token: token(), j: 'order-follow-up', k: 'o-77', q: 'csat' };
    const res = await get('/survey', query);
    expect(res.status).toBe(200);
    expect(html(res)).toContain('How would you rate your shopping at Ceramika Żuraw?');
    expect(html(res).match(/<button name="score"/g)).toHaveLength(5);
    expect(html(res)).toContain('<button name="score" value="5" aria-label="Score 5 out of 5">5</button>');
    // The form posts the question back; the page's language switch keeps it.
    expect(html(res)).toContain('<input type="hidden" name="q" value="csat">');
    expect(html(res)).toMatch(/href="\/survey\?[^"]*q=csat[^"]*lang=pl"/);
    // Outside 1-5 is no CSAT answer: 0 and 9 are refused, naming the scale.
    for (const score of ['0', '9']) {
      const refused = await post('/survey', { ...query, score, nonce: nonceIn(res) });
      expect(refused.status).toBe(400);
      expect(html(refused)).toContain('Choose a score from 1 to 5.');
    }
    await post('/survey', { token: token(), j: 'order-follow-up', k: 'o-77', score: '9', nonce: nonceIn(res) });
    const thanks = await post('/survey', { ...query, score: '2', nonce: nonceIn(res) });
    expect(thanks.status).toBe(200);
    expect(html(thanks)).toContain('Someone from our team will get in touch with you.');
    expect(await s.store.getCustomer('default', CID)).toMatchObject({ lastScore: 9, lastCsat: 2 });
    const answers = (await s.store.exportCustomer('default', CID))['surveyAnswers'] as { score: number; question?: string }[];
    expect(answers.map((a) => [a.score, a.question ?? 'nps'])).toEqual([
      [9, 'nps'],
      [2, 'csat'],
    ]);
    expect(await s.store.listTasks('default')).toEqual([expect.objectContaining({ kind: 'follow-up', step: 'low-score', subject: 'Niska ocena (2/5) — skontaktuj się z klientem' })]);
  });
});

describe('why did I get this message?', () => {
  it('is linked from every e-mail’s footer, and the link opens it for that customer', async () => {
    await shop();
    await s.engine.advanceTo(new Date(T0.getTime() + hours(1)));
    const mail = s.outbox!.emails.find((m) => m.destination.to.includes(EMAIL));
    const link = /href="([^"]+\/why\?token=[^"]+)"[^>]*>Dlaczego dostajesz tę wiadomość\?<\/a>/.exec(mail!.body.html ?? '');
    expect(link, 'a why link in the footer').not.toBeNull();
    const url = new URL(link![1]!.replaceAll('&amp;', '&'));
    const res = await get('/why', Object.fromEntries(url.searchParams));
    expect(res.status).toBe(200);
    expect(html(res)).toContain('Przypomnienie o koszyku');
  });

  it('names the journey’s purpose, the consent it was sent on, and links to the preference centre', async () => {
    await shop();
    await s.engine.advanceTo(new Date(T0.getTime() + hours(1)));
    const res = await get('/why', { token: token() });
    expect(res.status).toBe(200);
    const page = html(res);
    expect(page).toContain('Przypomnienie o koszyku: w Twoim koszyku zostały produkty, więc przypominamy o nich.');
    expect(page).toContain('Podstawa: Twoja zgoda na wiadomości marketingowe (e-mail) z 1 czerwca 2026, art. 6 ust. 1 lit. a RODO.');
    // The first reminder's subject, in whichever arm of its test.
    expect(page).toMatch(/1 czerwca 2026 · E-mail: .*(koszyku|Koszyk w sklepie)/);
    expect(page).toMatch(/<a href="\/preferences\?token=[^"]+&amp;lang=pl">Centrum preferencji<\/a>/);
    const dunning = html(await get('/why', { token: token(), j: 'dunning', lang: 'en' }));
    expect(dunning).toContain('Basis: fulfilling our contract with you (GDPR art. 6(1)(b))');
  });
});
