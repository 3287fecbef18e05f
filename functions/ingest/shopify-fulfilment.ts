import { z } from 'zod';
import { Link } from '../core/domain.ts';
import { ExactId, iso, type Mapped } from './shopify-fields.ts';

/**
 * Shopify's fulfilment topics. A fulfilment names its order (`order_id`, exact) and carries no
 * customer the engine would trust over the order's own: the ingest finds the customer through the
 * stored order.
 *
 * - `fulfillments/create`, `fulfillments/update`: a `shipment_status` of `delivered` is the
 *   delivery; otherwise a fulfilment whose `status` is `success` or `open` has shipped; `pending`,
 *   `cancelled`, `error` and `failure` report nothing a journey acts on.
 * - `fulfillment_events/create`: a carrier's tracking event; only `delivered` says anything a
 *   fulfilment has not said already (the shipping itself came with the fulfilment).
 */
const ShopifyFulfillment = z.object({
  order_id: ExactId,
  status: z.string().nullish(),
  shipment_status: z.string().nullish(),
  // Read leniently: a tracking link that is not http(s) is left out, never the delivery refused.
  tracking_url: z.string().nullish(),
  tracking_urls: z.array(z.string().nullish()).nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});

const ShopifyFulfillmentEvent = z.object({
  order_id: ExactId,
  status: z.string(),
  happened_at: z.string().nullish(),
  created_at: z.string().nullish(),
});

const SHIPPED = new Set(['success', 'open']);

/** The first tracking link that may reach a customer (http or https), if any. */
function trackingLink(f: z.infer<typeof ShopifyFulfillment>): string | undefined {
  return [f.tracking_url, ...(f.tracking_urls ?? [])].find((url): url is string => typeof url === 'string' && Link.safeParse(url).success);
}

export function mapFulfillment(body: unknown, eventKey: string, receivedAt: string): Mapped {
  const parsed = ShopifyFulfillment.safeParse(body);
  if (!parsed.success) return { error: parsed.error };
  const f = parsed.data;
  const occurredAt = iso(f.updated_at ?? f.created_at, receivedAt);
  const order = { id: f.order_id, trackingUrl: trackingLink(f) };
  if (f.shipment_status === 'delivered') return { events: [{ type: 'order.delivered', key: eventKey, source: 'shopify', occurredAt, customer: {}, order }] };
  if (f.status && SHIPPED.has(f.status)) return { events: [{ type: 'order.fulfilled', key: eventKey, source: 'shopify', occurredAt, customer: {}, order }] };
  return { ignored: `fulfillment status "${f.status ?? ''}" has not shipped` };
}

export function mapFulfillmentEvent(body: unknown, eventKey: string, receivedAt: string): Mapped {
  const parsed = ShopifyFulfillmentEvent.safeParse(body);
  if (!parsed.success) return { error: parsed.error };
  const e = parsed.data;
  if (e.status !== 'delivered') return { ignored: `fulfillment event "${e.status}" starts or ends nothing` };
  return { events: [{ type: 'order.delivered', key: eventKey, source: 'shopify', occurredAt: iso(e.happened_at ?? e.created_at, receivedAt), customer: {}, order: { id: e.order_id } }] };
}
