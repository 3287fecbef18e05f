import { describe, expect, it } from 'vitest';
import { consentStatements, type DomainEvent } from '../../functions/core/domain.ts';
import { subjectKind, subjectOf } from '../../functions/core/step-policy.ts';
import { mapShopify, type ShopifyTopic } from '../../functions/ingest/shopify.ts';
import { mapWooCustomer, mapWooOrder } from '../../functions/ingest/woocommerce.ts';
import { parseJsonKeepingIds } from '../../functions/shared/json.ts';
import { fixture } from '../support/fixtures.ts';

/** Shipping, delivery and new-customer payloads of the platforms, mapped to domain events. */
const AT = '2026-11-27T00:00:00.000Z';
const sample = (platform: string, name: string) => parseJsonKeepingIds(fixture(platform, name).body.toString('utf8')) as Record<string, unknown>;

function shopify(topic: ShopifyTopic, body: unknown): DomainEvent[] | string {
  const out = mapShopify(topic, body, `shopify:${topic}:e1`, AT);
  if ('error' in out) throw out.error;
  return 'ignored' in out ? out.ignored : out.events;
}

describe('Shopify fulfilments', () => {
  it('a shipped fulfilment is order.fulfilled for its exact order id, with the tracking link and nothing of the address', () => {
    const events = shopify('fulfillments/create', sample('shopify', 'fulfillments_create_shipped'));
    expect(events).toEqual([
      {
        type: 'order.fulfilled',
        key: 'shopify:fulfillments/create:e1',
        source: 'shopify',
        occurredAt: '2026-11-24T08:12:00.000Z',
        customer: {},
        order: { id: '5794123456789012345', trackingUrl: 'https://inpost.pl/sledzenie-przesylek?number=620123456789012345678901' },
      },
    ]);
    // Read as a JS number, the id would be another order's.
    expect(String(Number('5794123456789012345'))).not.toBe('5794123456789012345');
    expect(JSON.stringify(events)).not.toMatch(/Floriańska|Kowalska|zofia/);
  });

  it('a fulfilment whose shipment is delivered is order.delivered, dated by its update', () => {
    expect(shopify('fulfillments/update', sample('shopify', 'fulfillments_update_delivered'))).toMatchObject([
      { type: 'order.delivered', occurredAt: '2026-11-26T13:03:00.000Z', order: { id: '5794123456789012345' } },
    ]);
  });

  it('an open fulfilment has shipped; a pending, cancelled or failed one is ignored with its reason', () => {
    const shipped = sample('shopify', 'fulfillments_create_shipped');
    expect(shopify('fulfillments/update', { ...shipped, status: 'open' })).toMatchObject([{ type: 'order.fulfilled' }]);
    // The real sample: pending.
    expect(shopify('fulfillments/update', sample('shopify', 'fulfillments_update'))).toBe('fulfillment status "pending" has not shipped');
    for (const status of ['cancelled', 'error', 'failure']) expect(shopify('fulfillments/update', { ...shipped, status })).toBe(`fulfillment status "${status}" has not shipped`);
  });

  it('leaves out a tracking link that is not http(s), taking the next one, and never refuses the delivery for it', () => {
    const shipped = sample('shopify', 'fulfillments_create_shipped');
    const links = (tracking_url: unknown, tracking_urls: unknown) => {
      const events = shopify('fulfillments/create', { ...shipped, tracking_url, tracking_urls });
      return typeof events === 'string' ? events : (events[0] as { order: { trackingUrl?: string } }).order.trackingUrl;
    };
    expect(links('javascript:alert(1)', ['ftp://x', 'https://track.example.pl/1'])).toBe('https://track.example.pl/1');
    expect(links('javascript:alert(1)', null)).toBeUndefined();
    expect(links(null, [null])).toBeUndefined();
  });

  it('a tracking event says delivered or nothing: the real in-transit sample is ignored', () => {
    expect(shopify('fulfillment_events/create', sample('shopify', 'fulfillment_events_create'))).toBe('fulfillment event "in_transit" starts or ends nothing');
    expect(shopify('fulfillment_events/create', sample('shopify', 'fulfillment_events_create_delivered'))).toEqual([
      { type: 'order.delivered', key: 'shopify:fulfillment_events/create:e1', source: 'shopify', occurredAt: '2026-11-26T13:01:00.000Z', customer: {}, order: { id: '5794123456789012345' } },
    ]);
  });

  it('refuses an order id that reached it as a rounded number, and names the field of a payload without one', () => {
    const shipped = sample('shopify', 'fulfillments_create_shipped');
    const refused = (body: unknown) => {
      const out = mapShopify('fulfillments/create', body, 'k', AT);
      return 'error' in out ? out.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) : out;
    };
    expect(refused({ ...shipped, order_id: Number('5794123456789012345') })).toEqual(['order_id: an id beyond 2^53 must arrive as its digits (this one was rounded)']);
    expect(refused({ ...shipped, order_id: undefined })).toEqual([expect.stringMatching(/^order_id: /)]);
    // A safe integer is an exact id.
    expect(shopify('fulfillments/create', { ...shipped, order_id: 1042 })).toMatchObject([{ order: { id: '1042' } }]);
  });
});

describe('new customers', () => {
  it('Shopify customers/create: the real sample is customer.created with the contact and nothing else', () => {
    const events = shopify('customers/create', sample('shopify', 'customers_create'));
    expect(events).toEqual([
      {
        type: 'customer.created',
        key: 'shopify:customers/create:e1',
        source: 'shopify',
        occurredAt: '2022-01-01T00:00:00.000Z',
        customer: { email: 'bob@biller.com', firstName: 'Bob', consent: {} },
      },
    ]);
    expect(JSON.stringify(events)).not.toMatch(/ice cream|O'Connor|555/);
  });

  it('Shopify customers/create: its marketing states are echoes, a pending double opt-in states nothing', () => {
    const body = { ...sample('shopify', 'customers_create'), email_marketing_consent: { state: 'subscribed' }, sms_marketing_consent: { state: 'pending' }, phone: '+48600100200' };
    const [event] = shopify('customers/create', body) as DomainEvent[];
    expect(consentStatements(event!)).toEqual([{ channel: 'email', statement: { kind: 'echo', granted: true } }]);
    const unsubscribed = shopify('customers/create', { ...body, email_marketing_consent: { state: 'unsubscribed' } }) as DomainEvent[];
    expect(consentStatements(unsubscribed[0]!)).toEqual([{ channel: 'email', statement: { kind: 'echo', granted: false } }]);
  });

  it('WooCommerce customer.created: the real sample, keyed by the account so every delivery is one event', () => {
    const out = mapWooCustomer(sample('woocommerce', 'customer_created'), AT);
    if ('error' in out) throw out.error;
    expect(out.events).toEqual([
      {
        type: 'customer.created',
        key: 'woocommerce:customer:25:created',
        source: 'woocommerce',
        occurredAt: '2017-03-21T19:09:28.000Z',
        customer: { email: 'john.doe@example.com', phone: '5555555555', firstName: 'John' },
      },
    ]);
    const bad = mapWooCustomer({ email: 'a@b.pl' }, AT);
    expect('error' in bad && bad.error.issues.map((i) => i.path.join('.'))).toEqual(['id']);
  });
});

describe('WooCommerce completed orders', () => {
  it('a completed order is the purchase and its fulfilment, dated when it was completed', () => {
    const order = { ...sample('woocommerce', 'order_created'), status: 'completed', date_completed_gmt: '2017-03-24T08:00:00' };
    const out = mapWooOrder(order, AT);
    if (!('events' in out)) throw new Error('not mapped');
    expect(out.events.map((e) => [e.type, e.key, e.occurredAt])).toEqual([
      ['order.placed', 'woocommerce:order:727:completed:2017-03-22T19:28:08.000Z', '2017-03-22T19:28:08.000Z'],
      ['order.fulfilled', 'woocommerce:order:727:completed:2017-03-22T19:28:08.000Z:fulfilled', '2017-03-24T08:00:00.000Z'],
    ]);
    expect(out.events[1]).toMatchObject({ order: { id: 'wc-727' }, customer: { email: 'john.doe@example.com' } });
  });

  it('a processing order is the purchase alone', () => {
    const out = mapWooOrder(sample('woocommerce', 'order_created'), AT);
    if (!('events' in out)) throw new Error('not mapped');
    expect(out.events.map((e) => e.type)).toEqual(['order.placed']);
  });
});

describe('what a template of an order’s journey sees', () => {
  const stored = { id: 'o-1', items: [], total: '10.00', currency: 'PLN', placedAt: AT, status: 'placed' as const };

  it('the shipping facts, null until a fulfilment reports them; a stored link that is not http(s) never', () => {
    expect(subjectOf('order.fulfilled', 'o-1', stored, undefined)).toMatchObject({ wanted: true, data: { order: { fulfilledAt: null, deliveredAt: null, trackingUrl: null } } });
    const shipped = { ...stored, fulfilledAt: '2026-11-24T08:12:00.000Z', deliveredAt: '2026-11-26T13:03:00.000Z', trackingUrl: 'https://track.example.pl/1' };
    expect(subjectOf('order.delivered', 'o-1', shipped, undefined)).toMatchObject({ data: { order: { id: 'o-1', fulfilledAt: shipped.fulfilledAt, deliveredAt: shipped.deliveredAt, trackingUrl: shipped.trackingUrl } } });
    expect(subjectOf('order.delivered', 'o-1', { ...shipped, trackingUrl: 'javascript:alert(1)' }, undefined)).toMatchObject({ data: { order: { trackingUrl: null } } });
  });

  it('an order for order.fulfilled, nothing for a welcome or a catalogue event', () => {
    expect([subjectKind('order.fulfilled'), subjectKind('customer.created'), subjectKind('quiz.completed')]).toEqual(['order', undefined, undefined]);
    expect(subjectOf('quiz.completed', 'quiz-1', undefined, undefined)).toEqual({ wanted: true, data: {} });
  });
});
