import { describe, expect, it } from 'vitest';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import { signStripe } from '../../functions/ingest/stripe.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import type { LocalStack } from '../../local/stack.ts';
import { FIXTURE_SECRET, fixture } from '../support/fixtures.ts';
import { localHarness } from '../support/harness.ts';
import { apiEvent, hours, inbox, SECRETS } from '../support/local.ts';

const harness = localHarness();
const stack = (start: Date) => harness.stack(start);
const days = (n: number) => hours(24 * n);
const later = (t: Date, ms: number) => new Date(t.getTime() + ms);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** The form nonce a survey page issued. */
const nonceIn = (html: string) => /name="nonce" value="([^"]+)"/.exec(html)![1]!;

function customer(email: string, extra: Record<string, unknown> = {}) {
  return { email, firstName: 'Zofia', locale: 'pl', ...extra };
}

describe('dunning escalation', () => {
  const T = new Date('2026-05-04T08:00:00Z');

  it('climbs e-mail, SMS, a call task and a final notice, in złoty, Polish formatting', async () => {
    const s = await stack(T);
    const email = 'dunning.full@example.pl';
    const res = await s.request(
      apiEvent({
        id: 'pf-1',
        type: 'payment.failed',
        occurredAt: T.toISOString(),
        customer: customer(email, { phone: '+48600100200' }),
        payment: { invoiceId: 'inv-full', amount: '1234.50', currency: 'PLN', payUrl: 'https://pay.example.pl/inv-full' },
      }),
    );
    expect(res.status).toBe(202);
    await s.engine.idle();
    const first = await inbox(s.sesEndpoint!, email);
    expect(first.map((m) => m.subject)).toEqual(['Płatność 1234,50\u00a0zł nie powiodła się']);
    // Service mail: no marketing unsubscribe header.
    expect(first[0]!.headers ?? []).not.toContainEqual(expect.objectContaining({ name: 'List-Unsubscribe-Post' }));

    await s.engine.advanceTo(later(T, days(3)));
    const sms = s.smsOutbox.filter((m) => m.to === '+48600100200');
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body).toContain('1234,50\u00a0zł');
    expect(sms[0]).toMatchObject({ encoding: 'UCS-2', type: 'TRANSACTIONAL' });

    await s.engine.advanceTo(later(T, days(7)));
    const tasks = await fetch(`${s.apiUrl}/v1/tasks`, { headers: { authorization: `Bearer ${SECRETS.apiKey}` } });
    const { tasks: list } = (await tasks.json()) as { tasks: { kind: string; journey: string; subject: string; text: string }[] };
    expect(list).toEqual([expect.objectContaining({ kind: 'call', journey: 'dunning', subject: 'Zadzwoń: zaległa płatność 1234,50\u00a0zł' })]);
    expect(list[0]!.text).not.toContain(email);
    expect(s.publishedTasks).toHaveLength(1);
    expect((await fetch(`${s.apiUrl}/v1/tasks`)).status).toBe(401);

    await s.engine.advanceTo(later(T, days(30)));
    expect((await inbox(s.sesEndpoint!, email)).map((m) => m.subject)).toEqual(['Płatność 1234,50\u00a0zł nie powiodła się', 'Ostateczne wezwanie: 1234,50\u00a0zł']);
  });

  it('starts from the real Stripe sample and stops at once on invoice.paid; a repeated failure starts no second ladder', async () => {
    const failed = fixture('stripe', 'invoice.payment_failed');
    const paid = fixture('stripe', 'invoice.paid');
    const tFailed = Number(/t=(\d+)/.exec(failed.headers['Stripe-Signature']!)![1]);
    const tPaid = Number(/t=(\d+)/.exec(paid.headers['Stripe-Signature']!)![1]);
    const s = await stack(new Date(tFailed * 1000));
    const post = (f: { body: Buffer; headers: Record<string, string> }) => s.request({ method: 'POST', path: '/webhooks/stripe', headers: f.headers, rawBody: f.body });

    expect((await post(failed)).status).toBe(202);
    await s.engine.idle();
    const email = 'jan.kowalski@example.com';
    expect((await inbox(s.sesEndpoint!, email)).map((m) => m.subject)).toEqual(['Płatność 10,00\u00a0USD nie powiodła się']);

    // The same invoice fails again (a new Stripe event): still one ladder.
    const again = Buffer.from(failed.body.toString().replace('evt_1Pgc7AB7WZ01zgkWpayfail1', 'evt_retry_2'));
    expect((await s.request({ method: 'POST', path: '/webhooks/stripe', headers: { 'stripe-signature': signStripe(again, FIXTURE_SECRET, tFailed) }, rawBody: again })).status).toBe(202);
    await s.engine.idle();
    expect(s.engine.counters.started).toBe(1);

    await s.engine.advanceTo(new Date(tPaid * 1000));
    expect((await post(paid)).status).toBe(202);
    const exec = await s.engine.describe('dunning', executionName('dunning', 'default', 'in_1Pgc6tB7WZ01zgkWu9fdqL6I'));
    expect(exec).toMatchObject({ status: 'STOPPED', stopReason: 'payment.succeeded' });
    await s.engine.advanceTo(new Date(tPaid * 1000 + days(30)));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(1);
    expect(await s.store.listTasks('default')).toEqual([]);
  });

  it('refuses a Stripe signature outside 300 s either way, and a forged one', async () => {
    const failed = fixture('stripe', 'invoice.payment_failed');
    const t = Number(/t=(\d+)/.exec(failed.headers['Stripe-Signature']!)![1]);
    const late = await stack(new Date((t + 301) * 1000));
    const early = await stack(new Date((t - 301) * 1000));
    const req = { method: 'POST', path: '/webhooks/stripe', headers: failed.headers, rawBody: failed.body };
    expect((await late.request(req)).status).toBe(401);
    expect((await early.request(req)).body).toMatchObject({ error: 'Stripe-Signature timestamp is in the future' });
    const inTime = await stack(new Date((t + 299) * 1000));
    expect((await inTime.request({ ...req, headers: { 'Stripe-Signature': signStripe(failed.body, 'wrong', t) } })).status).toBe(401);
    expect((await inTime.request(req)).status).toBe(202);
  });

  it('an invoice.paid that arrives before its failure leaves no ladder', async () => {
    const s = await stack(T);
    const email = 'dunning.order@example.pl';
    const payment = { invoiceId: 'inv-ooo', amount: '99.00', currency: 'PLN' };
    await s.request(apiEvent({ id: 'ps-ooo', type: 'payment.succeeded', occurredAt: T.toISOString(), customer: customer(email), payment }));
    const res = await s.request(apiEvent({ id: 'pf-ooo', type: 'payment.failed', occurredAt: T.toISOString(), customer: customer(email), payment }));
    expect(res.body).toMatchObject({ events: [{ status: 'already-paid' }] });
    await s.engine.advanceTo(later(T, days(20)));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(0);
  });
});

describe('post-purchase education', () => {
  const T = new Date('2026-06-10T10:00:00Z');
  const order = (id: string, email: string, category: string) =>
    apiEvent({
      id,
      type: 'order.placed',
      occurredAt: T.toISOString(),
      customer: customer(email, { consent: { emailMarketing: true } }),
      order: { id, total: '59.00', currency: 'PLN', items: [{ title: 'Kawa Etiopia 250 g', quantity: 1, price: '59.00', category }] },
    });

  it('sends the how-to and care e-mails for the product category, the general ones otherwise', async () => {
    const s = await stack(T);
    await s.request(order('o-coffee', 'coffee@example.pl', 'Kawa'));
    await s.request(order('o-other', 'other@example.pl', 'Książki'));
    await s.engine.advanceTo(later(T, days(15)));
    expect((await inbox(s.sesEndpoint!, 'coffee@example.pl')).map((m) => m.subject)).toEqual(['Jak parzyć kawę z Twojego zamówienia', 'Jak dbać o zakupy ze sklepu Sklep Testowy']);
    expect((await inbox(s.sesEndpoint!, 'other@example.pl')).map((m) => m.subject)).toEqual(['Jak najlepiej korzystać z zamówienia o-other', 'Jak dbać o zakupy ze sklepu Sklep Testowy']);
  });

  it('stops when the order is cancelled', async () => {
    const s = await stack(T);
    await s.request(order('o-cancel', 'cancel@example.pl', 'Kawa'));
    await s.engine.advanceTo(later(T, days(1)));
    const res = await s.request(apiEvent({ id: 'c-cancel', type: 'order.cancelled', occurredAt: later(T, days(1)).toISOString(), customer: { email: 'cancel@example.pl' }, order: { id: 'o-cancel' } }));
    expect(res.status).toBe(202);
    await s.engine.advanceTo(later(T, days(20)));
    expect(await inbox(s.sesEndpoint!, 'cancel@example.pl')).toHaveLength(0);
  });
});

describe('follow-up checks', () => {
  const T = new Date('2026-07-01T10:00:00Z');

  async function delivered(s: LocalStack, email: string, orderId: string) {
    await s.request(
      apiEvent({
        id: `d-${orderId}`,
        type: 'order.delivered',
        occurredAt: T.toISOString(),
        customer: customer(email, { phone: '+48600300400', preferredChannel: 'sms', consent: { emailMarketing: true } }),
        order: { id: orderId },
      }),
    );
  }

  it('asks by SMS where the customer chose SMS, then CSAT about the order; a low score opens a staff task, and the review request still goes (no review gating)', async () => {
    const s = await stack(T);
    const email = 'unhappy@example.pl';
    await delivered(s, email, 'o-low');
    await s.engine.advanceTo(later(T, days(3)));
    expect(s.smsOutbox.filter((m) => m.to === '+48600300400').map((m) => m.body)).toEqual([
      'Zofio, czy wszystko w porządku z zamówieniem o-low ze sklepu Sklep Testowy? Odpowiedz, jeśli czegoś brakuje.',
    ]);
    await s.engine.advanceTo(later(T, days(5)));
    const [csat] = await inbox(s.sesEndpoint!, email);
    const link = /(http:\/\/\S+\/survey\?\S+)/.exec(csat!.body.text!)![1]!;
    expect(link).toContain('q=csat');
    const page = await (await fetch(link)).text();
    expect(page.match(/<button name="score"/g)).toHaveLength(5);
    const customerId = customerIdFor('default', { email })!;
    expect((await s.store.getCustomer('default', customerId))?.lastCsat).toBeUndefined();

    const answer = await fetch(link, { method: 'POST', headers: FORM, body: `score=2&nonce=${nonceIn(page)}` });
    expect(answer.status).toBe(200);
    expect((await s.store.getCustomer('default', customerId))?.lastCsat).toBe(2);
    expect(await s.store.listTasks('default')).toEqual([expect.objectContaining({ kind: 'follow-up', journey: 'order-follow-up', customerId, subject: 'Niska ocena (2/5) — skontaktuj się z klientem' })]);
    await s.engine.advanceTo(later(T, days(20)));
    // Asking only the satisfied for reviews would be review gating: every customer is asked.
    expect((await inbox(s.sesEndpoint!, email)).map((m) => m.subject)).toEqual(['Jak oceniasz zakupy w sklepie Sklep Testowy?', 'Podzielisz się opinią o zakupach?']);
  });

  it('asks a happy customer for a review', async () => {
    const s = await stack(T);
    const email = 'happy@example.pl';
    await delivered(s, email, 'o-high');
    await s.engine.advanceTo(later(T, days(5)));
    const [csat] = await inbox(s.sesEndpoint!, email);
    const link = /(http:\/\/\S+\/survey\?\S+)/.exec(csat!.body.text!)![1]!;
    const nonce = nonceIn(await (await fetch(link)).text());
    expect((await fetch(link, { method: 'POST', headers: FORM, body: `score=5&nonce=${nonce}` })).status).toBe(200);
    expect((await fetch(link, { method: 'POST', headers: FORM, body: `score=6&nonce=${nonce}` })).status).toBe(400);
    // Without the page's nonce, an answer is refused.
    expect((await fetch(link, { method: 'POST', headers: FORM, body: 'score=5' })).status).toBe(403);
    await s.engine.advanceTo(later(T, days(20)));
    expect((await inbox(s.sesEndpoint!, email)).map((m) => m.subject)).toEqual(['Jak oceniasz zakupy w sklepie Sklep Testowy?', 'Podzielisz się opinią o zakupach?']);
    expect(await s.store.listTasks('default')).toEqual([]);
  });
});

describe('win-back for dormant customers', () => {
  const D0 = new Date('2026-01-05T12:00:00Z');
  const placed = (id: string, email: string, at: Date) =>
    apiEvent({ id, type: 'order.placed', occurredAt: at.toISOString(), customer: customer(email, { consent: { emailMarketing: true } }), order: { id, total: '120.00', currency: 'PLN' } });
  const WINBACK = /tęsknimy|WRACAM10/i;

  it('finds customers 180 days after their last order on the morning run, then offers; a purchase ends it', async () => {
    const s = await stack(D0);
    await s.request(placed('w-1', 'dormant@example.pl', D0));
    await s.request(placed('w-2', 'buys-again@example.pl', D0));
    await s.request(placed('w-3', 'returns@example.pl', D0));
    await s.engine.advanceTo(later(D0, days(100)));
    await s.request(placed('w-4', 'buys-again@example.pl', later(D0, days(100))));

    // Day 180 after D0 is 4 July 2026; the run is at 09:00 in Warsaw (07:00 UTC, summer time).
    await s.engine.advanceTo(new Date('2026-07-04T06:59:00Z'));
    expect(await inbox(s.sesEndpoint!, 'dormant@example.pl', WINBACK)).toHaveLength(0);
    await s.engine.advanceTo(new Date('2026-07-04T07:00:00Z'));
    const dormant = await inbox(s.sesEndpoint!, 'dormant@example.pl', WINBACK);
    expect(dormant.map((m) => m.subject)).toEqual(['Zofio, tęsknimy!']);
    expect(await inbox(s.sesEndpoint!, 'buys-again@example.pl', WINBACK)).toHaveLength(0);
    expect(await inbox(s.sesEndpoint!, 'returns@example.pl', WINBACK)).toHaveLength(1);

    await s.engine.advanceTo(new Date('2026-07-06T10:00:00Z'));
    await s.request(placed('w-5', 'returns@example.pl', new Date('2026-07-06T10:00:00Z')));
    await s.engine.advanceTo(new Date('2026-07-20T10:00:00Z'));
    expect((await inbox(s.sesEndpoint!, 'dormant@example.pl', WINBACK)).map((m) => m.subject)).toEqual(['Zofio, tęsknimy!', 'Kod WRACAM10: -10% na kolejne zakupy']);
    expect(await inbox(s.sesEndpoint!, 'returns@example.pl', WINBACK)).toHaveLength(1);
  });

  it('a customer who spent 1000 zł or more gets the personal note instead, then the same offer', async () => {
    const s = await stack(D0);
    const vip = (id: string, total: string) =>
      apiEvent({ id, type: 'order.placed', occurredAt: D0.toISOString(), customer: customer('vip@example.pl', { consent: { emailMarketing: true } }), order: { id, total, currency: 'PLN' } });
    await s.request(vip('v-1', '640.00'));
    await s.request(vip('v-2', '410.00'));
    await s.engine.advanceTo(new Date('2026-07-12T10:00:00Z'));
    const subjects = (await inbox(s.sesEndpoint!, 'vip@example.pl')).map((m) => m.subject);
    expect(subjects.filter((x) => !x.startsWith('Jak'))).toEqual(['Dawno Cię u nas nie było — mamy coś dla stałych klientów', 'Kod WRACAM10: -10% na kolejne zakupy']);
  });
});

describe('WooCommerce', () => {
  const T = new Date('2026-03-22T19:28:02Z');

  it('answers the unsigned activation ping, verifies signatures and maps orders', async () => {
    const s = await stack(T);
    const post = (headers: Record<string, string>, body: Buffer | string) => s.request({ method: 'POST', path: '/webhooks/woocommerce', headers, rawBody: Buffer.from(body) });
    expect((await post({ 'content-type': 'application/x-www-form-urlencoded' }, 'webhook_id=12')).status).toBe(200);
    const { body, headers } = fixture('woocommerce', 'order_created');
    expect((await post(headers, body)).status).toBe(202);
    expect((await post({ ...headers, 'X-WC-Webhook-Signature': signBase64Hmac(body, 'wrong') }, body)).status).toBe(401);
    expect((await post(headers, body)).body).toMatchObject({ status: 'duplicate' });
  });

  it('treats an unpaid order as an abandoned checkout and its payment as the purchase', async () => {
    const s = await stack(T);
    const email = 'woo.buyer@example.pl';
    const order = (status: string, modified: string) => {
      const o = JSON.parse(fixture('woocommerce', 'order_created').body.toString());
      Object.assign(o, { id: 901, status, date_modified_gmt: modified, currency: 'PLN', billing: { ...o.billing, email, first_name: 'Zofia' } });
      return Buffer.from(JSON.stringify(o));
    };
    const send = (b: Buffer, topic: string) =>
      s.request({ method: 'POST', path: '/webhooks/woocommerce', headers: { 'x-wc-webhook-topic': topic, 'x-wc-webhook-signature': signBase64Hmac(b, SECRETS.wooSecret) }, rawBody: b });
    expect((await send(order('pending', '2026-03-22T19:28:02'), 'order.created')).body).toMatchObject({ events: [{ status: 'journey-started' }] });
    await send(order('processing', '2026-03-22T19:50:00'), 'order.updated');
    expect(await s.engine.describe('abandoned-cart', executionName('abandoned-cart', 'default', 'wc-901'))).toMatchObject({ status: 'STOPPED' });
  });
});
