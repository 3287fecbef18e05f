import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import { signStripe } from '../../functions/ingest/stripe.ts';
import { EVENT_LEASE_SECONDS } from '../../functions/shared/config.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { fixture } from '../support/fixtures.ts';
import { apiEvent, localStack, SECRETS } from '../support/local.ts';

/**
 * Hostile and unusual input at the door, through the HTTP handler: what no journey can use is a
 * 4xx naming the field before anything is written; what a platform sends is never refused for an
 * address nobody can deliver to. Shared stack; each case uses its own ids.
 */
let ddb: DynamoDbLocal;
let s: Awaited<ReturnType<typeof localStack>>;
const T = new Date('2026-04-02T10:15:47Z');
/** Runs the engine on from wherever the shared clock is. */
const advance = (h: number) => s.engine.advanceTo(new Date(s.clock.now().getTime() + h * 3_600_000));

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  s = await localStack(T, { dynamoEndpoint: ddb.endpoint, rateLimitPerMinute: 1000 });
}, 300_000);
afterAll(async () => {
  await s.stop();
  await ddb.stop();
});

type Json = Record<string, unknown>;
const parse = (b: Buffer) => JSON.parse(b.toString()) as Json;

/** A real platform sample, changed, re-signed with the local secret. */
function shopify(name: 'checkouts_create' | 'orders_create', eventId: string, mutate: (c: Json) => void) {
  const f = fixture('shopify', name);
  const c = parse(f.body);
  c['updated_at'] = c['created_at'] = T.toISOString();
  mutate(c);
  const rawBody = Buffer.from(JSON.stringify(c));
  return s.request({ method: 'POST', path: '/webhooks/shopify', headers: { ...f.headers, 'X-Shopify-Event-Id': eventId, 'X-Shopify-Hmac-Sha256': signBase64Hmac(rawBody, SECRETS.shopifySecret) }, rawBody });
}
function shopifyTopic(topic: string, eventId: string, body: Json) {
  const rawBody = Buffer.from(JSON.stringify(body));
  return s.request({ method: 'POST', path: '/webhooks/shopify', headers: { 'x-shopify-topic': topic, 'x-shopify-event-id': eventId, 'x-shopify-hmac-sha256': signBase64Hmac(rawBody, SECRETS.shopifySecret) }, rawBody });
}
function woo(mutate: (o: Json) => void) {
  const f = fixture('woocommerce', 'order_created');
  const o = parse(f.body);
  mutate(o);
  const rawBody = Buffer.from(JSON.stringify(o));
  return s.request({ method: 'POST', path: '/webhooks/woocommerce', headers: { ...f.headers, 'X-WC-Webhook-Signature': signBase64Hmac(rawBody, SECRETS.wooSecret) }, rawBody });
}
function stripe(mutate: (invoice: Json, event: Json) => void) {
  const e = parse(fixture('stripe', 'invoice.payment_failed').body);
  const now = Math.floor(s.clock.now().getTime() / 1000);
  e['created'] = now;
  mutate((e['data'] as Json)['object'] as Json, e);
  const rawBody = Buffer.from(JSON.stringify(e));
  return s.request({ method: 'POST', path: '/webhooks/stripe', headers: { 'stripe-signature': signStripe(rawBody, SECRETS.stripeSecret, now) }, rawBody });
}
const cart = (id: string, checkout: Json, customer: Json = { email: `${id}@example.pl` }) =>
  apiEvent({ id, type: 'checkout.abandoned', occurredAt: T.toISOString(), customer, checkout: { token: id, items: [{ title: 'Kubek', quantity: 1, price: '9.00' }], total: '9.00', currency: 'PLN', ...checkout } });
const nothingWritten = async (tenant: string, eventKey: string) => expect(await s.store.claimEvent(tenant, eventKey, T, EVENT_LEASE_SECONDS)).toMatchObject({ state: 'claimed' });

describe('refused before any write, naming the field', () => {
  it('39 a cart that would not fit a DynamoDB item → 413 naming checkout.items; nothing stored', async () => {
    // U+1D160 is 4 bytes and three code points of 4 bytes each in NFC: a 155 KB body (under the
    // 256 KiB limit) whose 500 titles, normalised and cut at 200 characters, take over 400 KB.
    const items = Array.from({ length: 500 }, () => ({ title: '\u{1D160}'.repeat(67), quantity: 1, price: '1.00' }));
    const req = cart('h39', { items, total: '500.00' });
    expect(req.rawBody.length).toBeLessThan(256 * 1024);
    const res = await s.request(req);
    expect(res).toMatchObject({ status: 413, body: { details: [{ path: 'checkout.items' }] } });
    expect(await s.store.getCart('default', 'h39')).toBeUndefined();
    await nothingWritten('default', 'api:h39');
  });

  it('40 links that are not http(s) → 400 naming the field, on the API and from Shopify, WooCommerce and Stripe', async () => {
    expect(await s.request(cart('h40', { recoveryUrl: 'javascript:alert(document.cookie)' }))).toMatchObject({ status: 400, body: { details: [{ path: 'checkout.recoveryUrl' }] } });
    expect(await s.request(apiEvent({ id: 'h40-pay', type: 'payment.failed', occurredAt: T.toISOString(), customer: { email: 'h40@example.pl' }, payment: { invoiceId: 'h40', amount: '1.00', currency: 'PLN', payUrl: 'data:text/html,<script>' } }))).toMatchObject({
      status: 400,
      body: { details: [{ path: 'payment.payUrl' }] },
    });
    expect(await shopify('checkouts_create', 'h40', (c) => (c['abandoned_checkout_url'] = 'javascript:alert(1)'))).toMatchObject({ status: 400, body: { details: [{ path: 'abandoned_checkout_url' }] } });
    expect(await woo((o) => (o['payment_url'] = 'javascript:alert(1)'))).toMatchObject({ status: 400, body: { details: [{ path: 'payment_url' }] } });
    expect(await stripe((i) => (i['hosted_invoice_url'] = 'vbscript:msgbox'))).toMatchObject({ status: 400, body: { details: [{ path: 'hosted_invoice_url' }] } });
    await nothingWritten('default', 'api:h40');
    await nothingWritten('default', 'shopify:checkouts/create:h40');
  });

  it('41 negative amounts and quantities → 400 naming the field', async () => {
    expect(await s.request(cart('h41', { total: '-9.00' }))).toMatchObject({ status: 400, body: { details: [{ path: 'checkout.total' }] } });
    expect(await s.request(cart('h41b', { items: [{ title: 'Kubek', quantity: -1, price: '9.00' }] }))).toMatchObject({ status: 400, body: { details: [{ path: 'checkout.items.0.quantity' }] } });
    expect(await shopify('checkouts_create', 'h41', (c) => ((c['line_items'] as Json[])[0]!['price'] = '-199.00'))).toMatchObject({ status: 400, body: { details: [{ path: 'line_items.0.price' }] } });
    expect(await stripe((i) => (i['amount_due'] = -1000))).toMatchObject({ status: 400, body: { details: [{ path: 'amount_due' }] } });
    await nothingWritten('default', 'api:h41');
  });

  it('42 a currency outside ISO 4217 → 400 naming the field; lower-case ISO codes are fine', async () => {
    expect(await s.request(cart('h42', { currency: 'ZZZ' }))).toMatchObject({ status: 400, body: { details: [{ path: 'checkout.currency' }] } });
    expect(await shopify('checkouts_create', 'h42', (c) => (c['currency'] = 'XYZ'))).toMatchObject({ status: 400, body: { details: [{ path: 'currency' }] } });
    expect(await stripe((i) => (i['currency'] = 'btc'))).toMatchObject({ status: 400, body: { details: [{ path: 'currency' }] } });
    expect((await s.request(cart('h42-ok', { currency: 'eur' }))).status).toBe(202);
    expect((await s.store.getCart('default', 'h42-ok'))?.currency).toBe('EUR');
  });
});

describe('free text is cleaned and cut, never refused', () => {
  it('43 control and bidi characters in names and titles never reach storage or a subject', async () => {
    const email = 'h43@example.pl';
    const res = await shopify('checkouts_create', 'h43', (c) => {
      c['token'] = 'h43';
      c['email'] = email;
      c['buyer_accepts_marketing'] = true;
      c['customer'] = { first_name: 'Zo\u202Efia\u0007\u2066\u0085' };
      (c['line_items'] as Json[])[0]!['title'] = 'Kubek\u202E\u0000gnp.exe\r\n';
    });
    expect(res.status).toBe(202);
    const id = customerIdFor('default', { email })!;
    expect((await s.store.getCustomer('default', id))?.firstName).toBe('Zofia');
    expect((await s.store.getCart('default', 'h43'))?.items[0]?.title).toBe('Kubekgnp.exe');
    await advance(2);
    const sent = (await s.store.listDecisions('default', id)).filter((d) => d.outcome === 'sent');
    // Whichever arm of the subject test: the cleaned name in the vocative, or the shop's name.
    expect(sent.map((d) => d.subject)).toEqual([sent[0]?.step === 'first-reminder' ? 'Zofio, Twoje zakupy czekają w koszyku' : 'Koszyk w sklepie Sklep Testowy wciąż na Ciebie czeka']);
  });

  it('44 a 500-character title or name from a platform or the API is cut at 200 / 100 characters and accepted', async () => {
    const long = 'Kubek '.repeat(100);
    const res = await shopify('checkouts_create', 'h44', (c) => {
      c['token'] = 'h44';
      (c['line_items'] as Json[])[0]!['title'] = long;
    });
    expect(res.status).toBe(202);
    expect([...((await s.store.getCart('default', 'h44'))?.items[0]?.title ?? '')]).toHaveLength(200);
    expect((await woo((o) => Object.assign(o, { id: 44_044, billing: { ...(o['billing'] as Json), first_name: 'Ż'.repeat(500) } }))).status).toBe(202);
    expect((await s.store.getCustomer('default', customerIdFor('default', { email: 'john.doe@example.com' })!))?.firstName).toBe('Ż'.repeat(100));
    expect((await s.request(cart('h44-api', { items: [{ title: long, quantity: 1, price: '9.00' }] }, { email: 'h44@example.pl', firstName: 'A'.repeat(500) }))).status).toBe(202);
    expect([...((await s.store.getCart('default', 'h44-api'))?.items[0]?.title ?? '')]).toHaveLength(200);
  });
});

describe('addresses nobody can deliver to are kept, and their sends suppressed', () => {
  it('45 malformed e-mails in real samples are accepted (202) and the sends say invalid_address', async () => {
    const email = 'jan.kowalski(at)example.pl';
    expect((await shopify('checkouts_create', 'h45', (c) => Object.assign(c, { token: 'h45', email, buyer_accepts_marketing: true }))).status).toBe(202);
    expect((await shopify('orders_create', 'h45-order', (o) => Object.assign(o, { id: 45_045, checkout_token: 'h45-other', email: null, contact_email: 'kontakt@@example.pl' }))).status).toBe(202);
    expect((await woo((o) => Object.assign(o, { id: 45_046, billing: { ...(o['billing'] as Json), email: 'john at example com' } }))).status).toBe(202);
    const consent = await shopifyTopic('customers_email_marketing_consent/update', 'h45-consent', { email_address: 'zgoda@', email_marketing_consent: { state: 'subscribed', consent_updated_at: T.toISOString() } });
    expect(consent.status).toBe(202);
    const id = customerIdFor('default', { email })!;
    expect((await s.store.getCustomer('default', id))?.email).toBe(email);
    await advance(2);
    const first = (await s.store.listDecisions('default', id)).find((d) => d.step === 'first-reminder' || d.step === 'first-reminder-b');
    expect(first).toMatchObject({ outcome: 'suppressed', reason: 'invalid_address' });
  });

  it('46 phones in national formats are one E.164 number; a landline gets no SMS (not_mobile), only the e-mail', async () => {
    expect((await shopify('checkouts_create', 'h46', (c) => Object.assign(c, { token: 'h46', email: null, phone: '600 100 246' }))).status).toBe(202);
    const byPhone = customerIdFor('default', { phone: '+48600100246' });
    const at = new Date().toISOString();
    expect((await s.store.identify('default', { phone: '0048600100246' }, at)).sms?.customerId).toBe(byPhone);
    expect((await s.store.identify('default', { phone: '+48 600-100-246' }, at)).sms?.customerId).toBe(byPhone);
    expect((await s.store.getCustomer('default', byPhone!))?.phone).toBe('+48600100246');

    const email = 'h46@example.pl';
    const paid = await stripe((i, e) => {
      e['id'] = 'evt_h46';
      Object.assign(i, { id: 'in_h46', customer_email: email, customer_phone: '22 123 45 67' });
    });
    expect(paid.status).toBe(202);
    const id = customerIdFor('default', { email })!;
    expect((await s.store.getCustomer('default', id))?.phone).toBe('+48221234567');
    await advance(24 * 3 + 1);
    const decisions = await s.store.listDecisions('default', id);
    expect(decisions.find((d) => d.step === 'sms-reminder')).toMatchObject({ channel: 'sms', outcome: 'suppressed', reason: 'not_mobile' });
    expect(s.smsOutbox.filter((m) => JSON.stringify(m).includes('221234567'))).toEqual([]);
    expect(decisions.filter((d) => d.outcome === 'sent').map((d) => d.channel)).toEqual(['email']);
  });

  it('47 an unparseable phone from a platform is kept as digits and accepted; on the API it is a 400', async () => {
    expect((await woo((o) => Object.assign(o, { id: 47_047, billing: { ...(o['billing'] as Json), email: 'h47@example.pl', phone: 'tel. 12-34' } }))).status).toBe(202);
    expect((await s.store.getCustomer('default', customerIdFor('default', { email: 'h47@example.pl' })!))?.phone).toBe('1234');
    const res = await s.request(apiEvent({ id: 'h47', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email: 'h47@example.pl', phone: 'tel. 12-34' } }));
    expect(res).toMatchObject({ status: 400, body: { details: [{ path: 'customer.phone' }] } });
  });
});
