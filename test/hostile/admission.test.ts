import type { BinaryLike, KeyObject } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import { MAX_UNBOUND_TRIED } from '../../functions/ingest/credentials.ts';
import { handleRequest, type IngestDeps } from '../../functions/ingest/ingest.ts';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import { signStripe } from '../../functions/ingest/stripe.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { fixture } from '../support/fixtures.ts';
import { EVENT_LEASE_SECONDS } from '../../functions/shared/config.ts';

/**
 * Work per request, counted: every HMAC keyed with a configured shop secret is seen here, so a
 * request's cost can be compared with the number of shops configured.
 */
const hmacs = vi.hoisted(() => ({ keyed: 0 }));
vi.mock('node:crypto', async (original) => {
  const crypto = await original<typeof import('node:crypto')>();
  return {
    ...crypto,
    createHmac: (algorithm: string, key: BinaryLike | KeyObject) => {
      if (typeof key === 'string' && key.startsWith('shop-secret-')) hmacs.keyed++;
      return crypto.createHmac(algorithm, key);
    },
  };
});

const SHOPS = 2000;
const T = new Date('2026-04-02T10:15:47Z');
const secret = (i: number) => `shop-secret-${i}`;

function deps(): IngestDeps {
  const shops = Array.from({ length: SHOPS }, (_, i) => i);
  return {
    config: {
      tenant: 'default',
      apiKeys: shops.map((i) => `shop-${i}::api-key-${i}`),
      shopifySecrets: shops.map((i) => `shop-${i}@shop-${i}.myshopify.com::${secret(i)}`),
      wooSecrets: shops.map((i) => `shop-${i}@https://sklep-${i}.example.pl/::${secret(i)}`),
      stripeSecrets: ['shop-secret-default', ...shops.map((i) => `shop-${i}@acct_${i}::${secret(i)}`)],
      unsubscribeSecret: 'x'.repeat(32),
      maxBodyBytes: 262_144,
      rateLimitPerMinute: 100_000,
    },
    store: new MemoryStore(),
    journeys: loadJourneys(),
    runner: { start: async () => 'started', stop: async () => undefined },
    clock: { now: () => T },
    log: silentLog,
  };
}

const d = deps();
const counted = async (req: Parameters<typeof handleRequest>[0]) => {
  hmacs.keyed = 0;
  const res = await handleRequest(req, d);
  return { status: res.status, hmacs: hmacs.keyed, body: res.body };
};
const checkout = fixture('shopify', 'checkouts_create');
const shopify = (headers: Record<string, string | undefined>) => counted({ method: 'POST', path: '/webhooks/shopify', headers: { 'x-shopify-topic': 'checkouts/create', 'x-shopify-event-id': `e-${Math.random()}`, ...headers }, rawBody: checkout.body });

beforeEach(() => {
  hmacs.keyed = 0;
});

describe(`bounded work for unsigned and signed requests, ${SHOPS} shops configured`, () => {
  it('48 a webhook without a signature header is refused before any secret is tried', async () => {
    expect(await shopify({ 'x-shopify-shop-domain': 'shop-7.myshopify.com' })).toMatchObject({ status: 401, hmacs: 0 });
    expect(await counted({ method: 'POST', path: '/webhooks/woocommerce', headers: { 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-source': 'https://sklep-7.example.pl/' }, rawBody: Buffer.from('{}') })).toMatchObject({ status: 401, hmacs: 0 });
    expect(await counted({ method: 'POST', path: '/webhooks/stripe', headers: {}, rawBody: Buffer.from('{"account":"acct_7"}') })).toMatchObject({ status: 401, hmacs: 0 });
  });

  it('49 Shopify: the shop domain picks the one secret tried; a forged signature costs one HMAC; a spoofed domain does not verify', async () => {
    const signed = signBase64Hmac(checkout.body, secret(1234));
    expect(await shopify({ 'x-shopify-shop-domain': 'shop-1234.myshopify.com', 'x-shopify-hmac-sha256': signed })).toMatchObject({ status: 202, hmacs: 1 });
    expect(await shopify({ 'x-shopify-shop-domain': 'shop-1234.myshopify.com', 'x-shopify-hmac-sha256': 'AAAA' })).toMatchObject({ status: 401, hmacs: 1 });
    // Signed by shop 1234 but naming shop 99: only 99's secret is tried, and it does not match.
    expect(await shopify({ 'x-shopify-shop-domain': 'shop-99.myshopify.com', 'x-shopify-hmac-sha256': signed })).toMatchObject({ status: 401, hmacs: 1 });
    // Naming no configured shop: only the unbound credentials (none here) are tried.
    expect(await shopify({ 'x-shopify-shop-domain': 'nieznany.myshopify.com', 'x-shopify-hmac-sha256': signed })).toMatchObject({ status: 401, hmacs: 0 });
  });

  it('50 WooCommerce by its source address, Stripe by the Connect account: one HMAC each', async () => {
    const order = fixture('woocommerce', 'order_created');
    const woo = await counted({
      method: 'POST',
      path: '/webhooks/woocommerce',
      headers: { 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-source': 'https://SKLEP-42.example.pl', 'x-wc-webhook-signature': signBase64Hmac(order.body, secret(42)) },
      rawBody: order.body,
    });
    expect(woo).toMatchObject({ status: 202, hmacs: 1 });
    const event = Buffer.from(JSON.stringify({ id: 'evt_1', type: 'customer.created', created: 1, account: 'acct_1999', data: { object: {} } }));
    const stripe = (body: Buffer, key: string) => counted({ method: 'POST', path: '/webhooks/stripe', headers: { 'stripe-signature': signStripe(body, key, Math.floor(T.getTime() / 1000)) }, rawBody: body });
    expect(await stripe(event, secret(1999))).toMatchObject({ status: 200, hmacs: 1 });
    // An event without an account (the installation's own Stripe account) tries the unbound secret alone.
    const own = Buffer.from(JSON.stringify({ id: 'evt_2', type: 'customer.created', created: 1, data: { object: {} } }));
    expect(await stripe(own, 'shop-secret-default')).toMatchObject({ status: 200, hmacs: 1 });
  });

  it(`51 unbound credentials are tried at most ${MAX_UNBOUND_TRIED} to a request`, async () => {
    const unbound: IngestDeps = { ...d, config: { ...d.config, shopifySecrets: Array.from({ length: 50 }, (_, i) => `shop-${i}::${secret(i)}`) } };
    hmacs.keyed = 0;
    const res = await handleRequest({ method: 'POST', path: '/webhooks/shopify', headers: { 'x-shopify-topic': 'checkouts/create', 'x-shopify-event-id': 'u', 'x-shopify-hmac-sha256': 'AAAA' }, rawBody: checkout.body }, unbound);
    expect([res.status, hmacs.keyed]).toEqual([401, MAX_UNBOUND_TRIED]);
  });

  it('52 a bearer key is found by its hash among thousands: the right shop, and a wrong key refused', async () => {
    const event = (key: string) =>
      handleRequest({ method: 'POST', path: '/v1/events', headers: { authorization: `Bearer ${key}` }, rawBody: Buffer.from(JSON.stringify({ id: 'k1', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email: 'k@example.pl' } })) }, d);
    expect((await event('api-key-1500')).status).toBe(202);
    expect(await d.store.claimEvent('shop-1500', 'api:k1', T, EVENT_LEASE_SECONDS)).toEqual({ state: 'done' });
    expect((await event('api-key-15000')).status).toBe(401);
    expect((await event('')).status).toBe(401);
  });
});
