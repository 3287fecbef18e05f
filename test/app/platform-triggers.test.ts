import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import { handleRequest, type IngestDeps } from '../../functions/ingest/ingest.ts';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';
import { loadCatalogue, loadJourneys } from '../../workflows/src/load.ts';
import { FIXTURE_SECRET, fixture } from '../support/fixtures.ts';
import { apiEvent, memoryLog, SECRETS } from '../support/local.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * Shipping, delivery and new customers through the ingest's routes (signatures, mapping, the use
 * case) on the memory backend, from the platforms' samples. A journey on order.fulfilled and one on
 * customer.created stand beside the shipped ones, which have neither trigger.
 */
const T = new Date('2026-11-26T14:10:00Z');
const ORDER = '5794123456789012345';
const JON = customerIdFor('default', { email: 'jon@example.com' })!;

const journey = (id: string, trigger: string) =>
  JourneyConfig.parse({ id, name: id, trigger, topic: 'service', steps: [{ id: 'first', after: 'PT1H', channel: 'email', template: 'followup-check-in' }] });

function setup() {
  const store = new MemoryStore();
  const runner = new RecordingRunner();
  const log = memoryLog();
  const deps: IngestDeps = {
    config: { tenant: 'default', apiKeys: [SECRETS.apiKey], shopifySecrets: [FIXTURE_SECRET], wooSecrets: [FIXTURE_SECRET], stripeSecrets: [], unsubscribeSecret: 'x'.repeat(20), maxBodyBytes: 262_144 },
    store,
    journeys: [...loadJourneys().filter((j) => j.id !== 'welcome'), journey('shipping-notice', 'order.fulfilled'), journey('welcome', 'customer.created')],
    catalogue: loadCatalogue(),
    runner,
    clock: { now: () => T },
    log,
  };
  const post = (path: string, headers: Record<string, string>, body: Buffer | string) => handleRequest({ method: 'POST', path, headers: lower(headers), rawBody: Buffer.from(body) }, deps);
  const shopify = (name: string, edit?: (text: string) => string, eventId?: string) => {
    const f = fixture('shopify', name);
    if (!edit) return post('/webhooks/shopify', f.headers, f.body);
    const body = edit(f.body.toString('utf8'));
    return post('/webhooks/shopify', { ...f.headers, 'X-Shopify-Hmac-Sha256': signBase64Hmac(body, FIXTURE_SECRET), 'X-Shopify-Event-Id': eventId ?? 'edited' }, body);
  };
  const woo = (name: string, edit: (body: Record<string, unknown>) => Record<string, unknown>, topic?: string) => {
    const f = fixture('woocommerce', name);
    const body = JSON.stringify(edit(JSON.parse(f.body.toString('utf8')) as Record<string, unknown>));
    return post('/webhooks/woocommerce', { ...f.headers, 'X-WC-Webhook-Signature': signBase64Hmac(body, FIXTURE_SECRET), ...(topic ? { 'X-WC-Webhook-Topic': topic } : {}) }, body);
  };
  const api = (body: Record<string, unknown>) => handleRequest(apiEvent(body), deps);
  return { store, runner, log, shopify, woo, api };
}

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

/** The real order sample as an order of this week with an id above 2^53, as Shopify writes it: a bare number. */
const recentOrder = (text: string) =>
  text
    .replace('"id": 820982911946154500,', `"id": ${ORDER},`)
    .replace('"cancelled_at": "2021-12-31T19:00:00-05:00"', '"cancelled_at": null')
    .replace('"created_at": "2021-12-31T19:00:00-05:00"', '"created_at": "2026-11-20T10:00:00+01:00"');

describe('Shopify: from order to delivery', () => {
  it('matches fulfilments to the stored order by its exact 64-bit id, keeps their facts and starts the journeys of each', async () => {
    const s = setup();
    expect(await s.shopify('orders_create', recentOrder, 'order-1')).toMatchObject({ status: 202, body: { events: [{ status: 'order-recorded' }] } });
    expect(await s.store.findOrderOwner('default', ORDER)).toBe(JON);

    expect(await s.shopify('fulfillments_create_shipped')).toMatchObject({ status: 202, body: { events: [{ key: 'shopify:fulfillments/create:ev-built-fc1', status: 'fulfilment-recorded' }] } });
    expect(s.runner.started.get(executionName('shipping-notice', 'default', ORDER))).toMatchObject({ customerId: JON, key: ORDER });

    expect(await s.shopify('fulfillments_update_delivered')).toMatchObject({ status: 202, body: { events: [{ status: 'delivery-recorded' }] } });
    expect(s.runner.started.get(executionName('order-follow-up', 'default', ORDER))).toMatchObject({ customerId: JON, key: ORDER, journey: 'order-follow-up' });
    // The carrier's own delivery event, and a redelivery, start nothing more.
    expect(await s.shopify('fulfillment_events_create_delivered')).toMatchObject({ status: 202, body: { events: [{ status: 'delivery-recorded' }] } });
    expect(await s.shopify('fulfillments_update_delivered')).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect([...s.runner.started.values()].map((i) => i.journey).sort()).toEqual(['delivery-delay', 'order-follow-up', 'post-purchase', 'second-order', 'shipping-notice']);

    expect(await s.store.getOrder('default', JON, ORDER)).toMatchObject({
      id: ORDER,
      status: 'placed',
      fulfilledAt: '2026-11-24T08:12:00.000Z',
      deliveredAt: '2026-11-26T13:03:00.000Z',
      trackingUrl: 'https://inpost.pl/sledzenie-przesylek?number=620123456789012345678901',
    });
    // The id rounded as a JS number would be another order, unknown here.
    expect(await s.store.findOrderOwner('default', String(Number(ORDER)))).toBeUndefined();
    expect(s.log.lines.join('\n')).not.toMatch(/jon@example|Floriańska|inpost/);
  });

  it('acknowledges what ships nothing yet with 200, and keeps a fulfilment of an order it does not know (202) until the order comes', async () => {
    const s = setup();
    expect(await s.shopify('fulfillment_events_create')).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'fulfillment event "in_transit" starts or ends nothing' } });
    expect(await s.shopify('fulfillments_update')).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'fulfillment status "pending" has not shipped' } });
    expect(await s.shopify('fulfillments_create_shipped')).toMatchObject({ status: 202, body: { events: [{ status: 'waiting-for-order' }] } });
    expect(await s.shopify('fulfillments_update_delivered')).toMatchObject({ status: 202, body: { events: [{ status: 'waiting-for-order' }] } });
    expect(s.runner.started.size).toBe(0);
    expect(await s.store.parkedOrderEvents('default', ORDER)).toHaveLength(2);
    // The order comes: what overtook it is applied in time order, and the journeys of each start.
    expect(await s.shopify('orders_create', recentOrder, 'order-1')).toMatchObject({ status: 202, body: { events: [{ status: 'order-recorded' }] } });
    expect(await s.store.getOrder('default', JON, ORDER)).toMatchObject({ status: 'placed', fulfilledAt: '2026-11-24T08:12:00.000Z', deliveredAt: '2026-11-26T13:03:00.000Z' });
    for (const j of ['shipping-notice', 'order-follow-up', 'post-purchase']) expect(s.runner.started.has(executionName(j, 'default', ORDER))).toBe(true);
    expect(await s.store.parkedOrderEvents('default', ORDER)).toEqual([]);
    expect(s.log.lines.join('\n')).toContain('ORDER_EVENT_PARKED');
    expect(await s.shopify('fulfillments_create_shipped', (b) => b.replace('"order_id": 5794123456789012345', '"order_id": "x\u202Ey"'), 'bidi')).toMatchObject({
      status: 400,
      body: { details: [{ path: 'order_id' }] },
    });
  });

  it('a cancellation that overtook its order is applied by the order: it is recorded closed and starts nothing', async () => {
    const s = setup();
    const cancelled = { id: 'x-1', type: 'order.cancelled', occurredAt: '2026-11-21T10:00:00Z', customer: {}, order: { id: ORDER } };
    expect(await s.api(cancelled)).toMatchObject({ status: 202, body: { events: [{ status: 'waiting-for-order' }] } });
    expect(await s.shopify('orders_create', recentOrder, 'order-1')).toMatchObject({ status: 202, body: { events: [{ status: 'order-closed' }] } });
    expect(await s.store.getOrder('default', JON, ORDER)).toMatchObject({ status: 'cancelled' });
    expect(s.runner.started.has(executionName('post-purchase', 'default', ORDER))).toBe(false);
    // The same order again (a redelivery) finds nothing left to apply.
    expect(await s.store.parkedOrderEvents('default', ORDER)).toEqual([]);
  });

  it('a fulfilment of a cancelled order records nothing and starts nothing', async () => {
    const s = setup();
    await s.shopify('orders_create', recentOrder, 'order-1');
    await s.shopify('orders_cancelled', (b) => recentOrder(b).replace('"cancelled_at": null', '"cancelled_at": "2026-11-21T10:00:00+01:00"'), 'cancel-1');
    expect(await s.shopify('fulfillments_update_delivered')).toMatchObject({ status: 202, body: { events: [{ status: 'order-closed' }] } });
    expect(s.runner.started.has(executionName('order-follow-up', 'default', ORDER))).toBe(false);
    expect(await s.store.getOrder('default', JON, ORDER)).not.toHaveProperty('deliveredAt');
  });
});

describe('WooCommerce: a completed order', () => {
  it('is the purchase and its fulfilment: the order is kept once and the journey on order.fulfilled starts', async () => {
    const s = setup();
    const recent = (status: string) => (o: Record<string, unknown>) => ({ ...o, status, date_modified_gmt: '2026-11-25T09:00:00', date_completed_gmt: status === 'completed' ? '2026-11-25T09:00:00' : null });
    expect(await s.woo('order_created', recent('processing'))).toMatchObject({ status: 202, body: { events: [{ status: 'order-recorded' }] } });
    const res = await s.woo('order_created', recent('completed'), 'order.updated');
    expect(res).toMatchObject({ status: 202, body: { events: [{ status: 'order-recorded' }, { status: 'fulfilment-recorded' }] } });
    const customer = customerIdFor('default', { email: 'john.doe@example.com' })!;
    expect(s.runner.started.get(executionName('shipping-notice', 'default', 'wc-727'))).toMatchObject({ customerId: customer, key: 'wc-727' });
    expect(await s.store.getCustomer('default', customer)).toMatchObject({ orderCount: 1 });
    expect(await s.store.getOrder('default', customer, 'wc-727')).toMatchObject({ status: 'placed', fulfilledAt: '2026-11-25T09:00:00.000Z' });
  });
});

describe('a new customer', () => {
  it('from Shopify, WooCommerce or the API starts the welcome once per customer, with consent as an echo', async () => {
    const s = setup();
    const created = (b: string) =>
      b.replace('"created_at": "2021-12-31T19:00:00-05:00"', '"created_at": "2026-11-26T10:00:00+01:00", "email_marketing_consent": {"state": "subscribed", "consent_updated_at": null}');
    expect(await s.shopify('customers_create', created, 'cust-1')).toMatchObject({ status: 202, body: { events: [{ status: 'journey-started' }] } });
    const bob = customerIdFor('default', { email: 'bob@biller.com' })!;
    expect(s.runner.started.get(executionName('welcome', 'default', bob))).toMatchObject({ customerId: bob, key: bob });
    expect(await s.store.getConsent('default', bob, 'email', 'marketing')).toMatchObject({ granted: true, kind: 'echo', source: 'shopify:customer.created' });
    // The same person reported again (another platform, the API) is the same welcome.
    expect(await s.api({ id: 'c-1', type: 'customer.created', occurredAt: T.toISOString(), customer: { email: 'Bob@Biller.com' } })).toMatchObject({
      status: 202,
      body: { events: [{ status: 'customer-created' }] },
    });

    const john = customerIdFor('default', { email: 'john.doe@example.com' })!;
    const res = await s.woo('customer_created', (c) => ({ ...c, date_created_gmt: '2026-11-26T11:00:00' }));
    expect(res).toMatchObject({ status: 202, body: { events: [{ key: 'woocommerce:customer:25:created', status: 'journey-started' }] } });
    expect(await s.store.getCustomer('default', john)).toMatchObject({ email: 'john.doe@example.com', firstName: 'John' });
    expect(await s.store.getConsent('default', john, 'email', 'marketing')).toBeUndefined();
    expect(s.runner.started.size).toBe(2);
  });
});

describe('the API', () => {
  it('order.fulfilled and order.delivered with a tracking link; a delivery naming no customer finds the order’s', async () => {
    const s = setup();
    await s.api({ id: 'o-1', type: 'order.placed', occurredAt: '2026-11-20T10:00:00Z', customer: { email: 'zofia@example.pl' }, order: { id: 'A-1', total: '10.00', currency: 'PLN' } });
    const shipped = { id: 'f-1', type: 'order.fulfilled', occurredAt: '2026-11-24T10:00:00Z', customer: {}, order: { id: 'A-1', trackingUrl: 'https://track.example.pl/A-1' } };
    expect(await s.api(shipped)).toMatchObject({ status: 202, body: { events: [{ status: 'fulfilment-recorded' }] } });
    expect(await s.api({ id: 'd-1', type: 'order.delivered', occurredAt: '2026-11-26T10:00:00Z', customer: {}, order: { id: 'A-1' } })).toMatchObject({
      status: 202,
      body: { events: [{ status: 'delivery-recorded' }] },
    });
    const zofia = customerIdFor('default', { email: 'zofia@example.pl' })!;
    expect(await s.store.getOrder('default', zofia, 'A-1')).toMatchObject({ fulfilledAt: '2026-11-24T10:00:00.000Z', deliveredAt: '2026-11-26T10:00:00.000Z', trackingUrl: 'https://track.example.pl/A-1' });
    expect(s.runner.started.has(executionName('order-follow-up', 'default', 'A-1'))).toBe(true);
    expect(await s.api({ ...shipped, id: 'f-2', order: { id: 'A-1', trackingUrl: 'javascript:alert(1)' } })).toMatchObject({
      status: 400,
      body: { details: [{ path: 'order.trackingUrl', message: 'must be an http(s) URL' }] },
    });
  });
});
