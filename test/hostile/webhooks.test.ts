import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitions } from '../../functions/adapters/dynamo/keys.ts';
import { makeIngestHandler } from '../../functions/ingest/handler.ts';
import type { IngestDeps } from '../../functions/ingest/ingest.ts';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import { signStripe } from '../../functions/ingest/stripe.ts';
import { EVENT_LEASE_SECONDS } from '../../functions/shared/config.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { FIXTURE_SECRET, fixture } from '../support/fixtures.ts';
import { apiEvent, localStack, SECRETS } from '../support/local.ts';

/**
 * Hostile input at the door: every case asserts the exact status and that nothing accepted is
 * lost or doubled. Shared stack; each case uses its own ids.
 */
let ddb: DynamoDbLocal;
let s: Awaited<ReturnType<typeof localStack>>;
const T = new Date('2026-04-02T10:15:47Z');

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  s = await localStack(T, {
    dynamoEndpoint: ddb.endpoint,
    rateLimitPerMinute: 1000,
    extraCredentials: { apiKeys: ['shop-b::key-of-shop-b', 'flood::flood-key'], shopifySecrets: ['shop-b::secret-of-shop-b', 'rotated-new-secret'], wooSecrets: [], stripeSecrets: ['stripe-rotated'] },
  });
});
afterAll(async () => {
  await s.stop();
  await ddb.stop();
});

const shopify = (body: Buffer | string, headers: Record<string, string | undefined>) => s.request({ method: 'POST', path: '/webhooks/shopify', headers, rawBody: Buffer.from(body) });
const checkout = fixture('shopify', 'checkouts_create');
function signedCheckout(mutate: (c: Record<string, unknown>) => void, eventId: string, secret = SECRETS.shopifySecret) {
  const c = JSON.parse(checkout.body.toString()) as Record<string, unknown>;
  mutate(c);
  const body = Buffer.from(JSON.stringify(c));
  return { body, headers: { 'x-shopify-topic': 'checkouts/create', 'x-shopify-event-id': eventId, 'x-shopify-hmac-sha256': signBase64Hmac(body, secret) } };
}

describe('signatures', () => {
  it('01 malformed JSON with a valid signature → 400 naming the problem', async () => {
    const body = '{"token": "x",';
    const res = await shopify(body, { 'x-shopify-topic': 'checkouts/create', 'x-shopify-event-id': 'h01', 'x-shopify-hmac-sha256': signBase64Hmac(body, SECRETS.shopifySecret) });
    expect(res).toMatchObject({ status: 400, body: { error: 'body is not valid JSON' } });
  });

  it('02 wrong signature → 401', async () => {
    expect((await shopify(checkout.body, { ...checkout.headers, 'X-Shopify-Hmac-Sha256': signBase64Hmac(checkout.body, 'nope') })).status).toBe(401);
  });

  it('03 missing signature → 401', async () => {
    const { 'X-Shopify-Hmac-Sha256': _drop, ...headers } = checkout.headers;
    expect((await shopify(checkout.body, headers)).status).toBe(401);
  });

  it('04 re-serialised body (parse + stringify) → 401', async () => {
    expect((await shopify(JSON.stringify(JSON.parse(checkout.body.toString())), checkout.headers)).status).toBe(401);
  });

  it('05 signature of another body (replayed header) → 401', async () => {
    const order = fixture('shopify', 'orders_create');
    expect((await shopify(checkout.body, { ...checkout.headers, 'X-Shopify-Hmac-Sha256': order.headers['X-Shopify-Hmac-Sha256'] })).status).toBe(401);
  });

  it('06 lower-case header names are accepted', async () => {
    const lower = Object.fromEntries(Object.entries(checkout.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect((await shopify(checkout.body, { ...lower, 'x-shopify-event-id': 'h06' })).status).toBe(202);
  });

  it('07 a base64-encoded body (API Gateway) is verified over the decoded bytes', async () => {
    const deps: IngestDeps = {
      config: { tenant: 'default', apiKeys: [], shopifySecrets: [FIXTURE_SECRET], wooSecrets: [], stripeSecrets: [], unsubscribeSecret: 'x'.repeat(20), maxBodyBytes: 262_144 },
      store: s.store,
      journeys: loadJourneys(),
      runner: s.engine,
      clock: s.clock,
      log: s.log,
    };
    const event = (body: string, isBase64Encoded: boolean) =>
      ({ rawPath: '/webhooks/shopify', requestContext: { http: { method: 'POST' } }, headers: { ...checkout.headers, 'X-Shopify-Event-Id': 'h07' }, body, isBase64Encoded }) as unknown as APIGatewayProxyEventV2;
    const handler = makeIngestHandler(() => deps);
    expect((await handler(event(checkout.body.toString('base64'), true))).statusCode).toBe(202);
    // The same base64 text taken as the body itself does not verify.
    expect((await handler(event(checkout.body.toString('base64'), false))).statusCode).toBe(401);
  });

  it('08 two secrets during a rotation: old and new both verify', async () => {
    const a = signedCheckout((c) => (c['token'] = 'h08-old'), 'h08-old');
    const b = signedCheckout((c) => (c['token'] = 'h08-new'), 'h08-new', 'rotated-new-secret');
    expect([(await shopify(a.body, a.headers)).status, (await shopify(b.body, b.headers)).status]).toEqual([202, 202]);
  });

  it('09 WooCommerce: wrong signature → 401; an unsigned body that is not the ping → 401', async () => {
    const { body, headers } = fixture('woocommerce', 'order_created');
    const woo = (b: Buffer | string, h: Record<string, string>) => s.request({ method: 'POST', path: '/webhooks/woocommerce', headers: h, rawBody: Buffer.from(b) });
    expect((await woo(body, { ...headers, 'X-WC-Webhook-Signature': 'AAAA' })).status).toBe(401);
    expect((await woo('webhook_id=12&status=processing', {})).status).toBe(401);
    expect((await woo('webhook_id=12', {})).status).toBe(200);
  });

  it('10 Stripe: missing header, stale by 301 s, future by 301 s → 401; several v1 with one valid → 202', async () => {
    const { body } = fixture('stripe', 'invoice.payment_failed');
    const now = Math.floor(T.getTime() / 1000);
    const stripe = (h: Record<string, string>) => s.request({ method: 'POST', path: '/webhooks/stripe', headers: h, rawBody: body });
    expect((await stripe({})).status).toBe(401);
    expect((await stripe({ 'stripe-signature': signStripe(body, FIXTURE_SECRET, now - 301) })).status).toBe(401);
    expect((await stripe({ 'stripe-signature': signStripe(body, FIXTURE_SECRET, now + 301) })).body).toMatchObject({ error: 'Stripe-Signature timestamp is in the future' });
    const good = signStripe(body, 'stripe-rotated', now);
    expect((await stripe({ 'stripe-signature': `${good},v1=${'0'.repeat(64)}` })).status).toBe(202);
  });
});

describe('replays and duplicates', () => {
  it('11 the same delivery twice → one journey', async () => {
    const d = signedCheckout((c) => (c['token'] = 'h11'), 'h11');
    expect([(await shopify(d.body, d.headers)).status, (await shopify(d.body, d.headers)).status]).toEqual([202, 200]);
  });

  it('12 one event delivered to two subscriptions (same event id, different webhook ids) → one journey', async () => {
    // Today's checkout (the sample's own date is years before the engine's clock: no journey would start).
    const d = signedCheckout((c) => Object.assign(c, { token: 'h12', created_at: T.toISOString(), updated_at: T.toISOString() }), 'h12');
    const first = await shopify(d.body, { ...d.headers, 'x-shopify-webhook-id': 'sub-1' });
    const second = await shopify(d.body, { ...d.headers, 'x-shopify-webhook-id': 'sub-2' });
    expect([first.status, second.status]).toEqual([202, 200]);
    expect(await s.store.getEnrolment('default', customerIdFor('default', { email: 'example@email.com' })!, 'abandoned-cart', 'h12')).toMatchObject({ status: 'active' });
  });

  it('13 a stale retry seven days later is still a duplicate', async () => {
    const d = signedCheckout((c) => (c['token'] = 'h13'), 'h13');
    await shopify(d.body, d.headers);
    expect(await s.store.claimEvent('default', 'shopify:checkouts/create:h13', new Date(T.getTime() + 7 * 86_400_000), EVENT_LEASE_SECONDS)).toEqual({ state: 'done' });
  });

  it('14 the same event id on the neutral API with a changed body is still the same event', async () => {
    const base = { id: 'h14', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email: 'h14@example.pl' } };
    expect((await s.request(apiEvent(base))).status).toBe(202);
    expect((await s.request(apiEvent({ ...base, customer: { email: 'h14-other@example.pl' } }))).body).toMatchObject({ status: 'duplicate' });
  });
});

describe('size, ids and text', () => {
  it('15 an oversized body → 413 before it is buffered', async () => {
    const big = Buffer.alloc(300_000, 'a');
    const res = await fetch(`${s.apiUrl}/webhooks/shopify`, { method: 'POST', body: big });
    expect(res.status).toBe(413);
  });

  it('16 an order id above 2^53 survives exactly', async () => {
    const order = JSON.parse(fixture('shopify', 'orders_create').body.toString()) as Record<string, unknown>;
    const raw = JSON.stringify({ ...order, id: 0, cancelled_at: null, email: 'h16@example.pl' }).replace('"id":0', '"id":820982911946154508');
    const res = await shopify(raw, { 'x-shopify-topic': 'orders/create', 'x-shopify-event-id': 'h16', 'x-shopify-hmac-sha256': signBase64Hmac(raw, SECRETS.shopifySecret) });
    expect(res.status).toBe(202);
    expect(await s.store.getOrder('default', customerIdFor('default', { email: 'h16@example.pl' })!, '820982911946154508')).toMatchObject({ id: '820982911946154508' });
  });

  it('17 NFC and NFD spellings of a Polish address are one customer; names are stored NFC', async () => {
    const nfc = 'zażółć@example.pl'.normalize('NFC');
    const nfd = 'zażółć@example.pl'.normalize('NFD');
    expect(nfc).not.toBe(nfd);
    expect(customerIdFor('default', { email: nfd })).toBe(customerIdFor('default', { email: nfc }));
    await s.request(apiEvent({ id: 'h17', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email: 'h17@example.pl', firstName: 'Łukasz'.normalize('NFD') } }));
    expect((await s.store.getCustomer('default', customerIdFor('default', { email: 'h17@example.pl' })!))?.firstName).toBe('Łukasz'.normalize('NFC'));
  });

  it('18 an invalid e-mail → 400 naming customer.email', async () => {
    const res = await s.request(apiEvent({ id: 'h18', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email: 'nie-email' } }));
    expect(res).toMatchObject({ status: 400, body: { details: [{ path: 'customer.email', message: 'must be an e-mail address' }] } });
  });

  it('19 an invalid phone number → 400 naming customer.phone', async () => {
    const res = await s.request(apiEvent({ id: 'h19', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email: 'h19@example.pl', phone: '600 100' } }));
    expect(res).toMatchObject({ status: 400, body: { details: [{ path: 'customer.phone' }] } });
  });

  it('20 mass assignment: fields outside the allow-list are dropped, not stored', async () => {
    await s.request(
      apiEvent({
        id: 'h20',
        type: 'checkout.abandoned',
        occurredAt: T.toISOString(),
        status: 'ordered',
        pk: partitions.customer('default', 'someone-else'),
        customer: { email: 'h20@example.pl', customerId: 'c_0000', isAdmin: true, consent: { emailMarketing: true } },
        checkout: { token: 'h20', status: 'ordered', customerId: 'c_0000', items: [], total: '1.00', currency: 'PLN' },
      }),
    );
    const cart = (await s.store.getCart('default', 'h20')) as unknown as Record<string, unknown>;
    expect(cart['status']).toBe('open');
    expect(cart['customerId']).toBe(customerIdFor('default', { email: 'h20@example.pl' }));
    const profile = (await s.store.getCustomer('default', customerIdFor('default', { email: 'h20@example.pl' })!)) as unknown as Record<string, unknown>;
    expect(profile['isAdmin']).toBeUndefined();
  });

  it('21 an empty body → 400, and an unknown route → 404', async () => {
    expect((await s.request({ method: 'POST', path: '/v1/events', headers: { authorization: `Bearer ${SECRETS.apiKey}` }, rawBody: Buffer.alloc(0) })).status).toBe(400);
    expect((await s.request({ method: 'DELETE', path: '/v1/events', rawBody: Buffer.alloc(0) })).status).toBe(404);
  });

  it('22 random bytes on every route never produce a 5xx', async () => {
    const routes = ['/v1/events', '/webhooks/shopify', '/webhooks/woocommerce', '/webhooks/stripe', '/unsubscribe', '/survey', '/v1/customers/erase'];
    for (let i = 0; i < 40; i++) {
      const body = randomBytes(1 + (i * 37) % 400);
      for (const path of routes) {
        const res = await s.request({ method: 'POST', path, headers: { authorization: `Bearer ${SECRETS.apiKey}`, 'x-shopify-hmac-sha256': signBase64Hmac(body, SECRETS.shopifySecret), 'x-shopify-topic': 'checkouts/create', 'x-shopify-event-id': `f${i}` }, rawBody: body });
        expect(res.status, `${path} #${i}`).toBeLessThan(500);
      }
    }
  });
});

describe('tenants and floods', () => {
  it('23 the shop comes from the secret that verified, not from X-Shopify-Shop-Domain', async () => {
    const d = signedCheckout((c) => {
      c['token'] = 'h23';
      c['email'] = 'h23@example.pl';
    }, 'h23', 'secret-of-shop-b');
    expect((await shopify(d.body, { ...d.headers, 'x-shopify-shop-domain': 'sklep-testowy.myshopify.com' })).status).toBe(202);
    expect(await s.store.getCart('shop-b', 'h23')).toBeDefined();
    expect(await s.store.getCart('default', 'h23')).toBeUndefined();
  });

  it('24 an API key acts only for its own tenant', async () => {
    await s.request({ ...apiEvent({ id: 'h24', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email: 'h24@example.pl' } }), headers: { authorization: 'Bearer key-of-shop-b' } });
    expect(await s.store.getCustomer('shop-b', customerIdFor('shop-b', { email: 'h24@example.pl' })!)).toBeDefined();
    expect(await s.store.getCustomer('default', customerIdFor('default', { email: 'h24@example.pl' })!)).toBeUndefined();
  });

  it('25 a flood on one key gets 429 with Retry-After; other keys keep working; nothing accepted is lost', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 1005; i++) {
      const res = await s.request({ ...apiEvent({ id: `flood-${i}`, type: 'customer.updated', occurredAt: T.toISOString(), customer: { email: `flood${i}@example.pl` } }), headers: { authorization: 'Bearer flood-key' } });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers?.['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses.filter((x) => x === 202)).toHaveLength(1000);
    expect(statuses.filter((x) => x === 429)).toHaveLength(5);
    expect(await s.store.getCustomer('flood', customerIdFor('flood', { email: 'flood999@example.pl' })!)).toBeDefined();
    expect((await s.request(apiEvent({ id: 'h25', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email: 'h25@example.pl' } }))).status).toBe(202);
  });

  it('26 bad signatures write nothing (no dedupe claim is taken)', async () => {
    const d = signedCheckout((c) => (c['token'] = 'h26'), 'h26');
    await shopify(d.body, { ...d.headers, 'x-shopify-hmac-sha256': 'AAAA' });
    expect(await s.store.claimEvent('default', 'shopify:checkouts/create:h26', T, EVENT_LEASE_SECONDS)).toMatchObject({ state: 'claimed' });
  });
});
