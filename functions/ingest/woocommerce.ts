import { z } from 'zod';
import { Amount, Currency, type DomainEvent, Id, Link, MAX_LINE_ITEMS, platformContact, platformItem } from '../core/domain.ts';

/** WooCommerce REST order (webhook body), reduced to what journeys use. */
export const WooOrder = z.object({
  id: z.union([z.string(), z.number()]).transform(String).pipe(Id(64)),
  status: z.string(),
  currency: Currency,
  total: Amount,
  date_modified_gmt: z.string().nullish(),
  date_created_gmt: z.string().nullish(),
  date_completed_gmt: z.string().nullish(),
  // Addresses as given: an undeliverable one is kept and its sends suppressed, never the webhook refused.
  billing: z.object({ first_name: z.string().nullish(), email: z.string().nullish(), phone: z.string().nullish() }).nullish(),
  line_items: z
    .array(z.object({ name: z.string().nullish(), quantity: z.number().int().min(0), price: Amount, product_id: z.union([z.string(), z.number()]).nullish() }))
    .transform((lines) => lines.slice(0, MAX_LINE_ITEMS)),
  payment_url: Link.nullish(),
  meta_data: z.array(z.object({ key: z.string(), value: z.unknown() })).nullish(),
});

/** Unpaid orders are WooCommerce's abandoned checkouts; paid ones are orders. */
const CHECKOUT_STATES = new Set(['pending', 'failed', 'checkout-draft']);
const ORDER_STATES = new Set(['processing', 'completed', 'on-hold']);

function gmt(v: string | null | undefined, fallback: string): string {
  if (!v) return fallback;
  const t = Date.parse(v.endsWith('Z') ? v : `${v}Z`);
  return Number.isNaN(t) ? fallback : new Date(t).toISOString();
}

export function mapWooOrder(body: unknown, receivedAt: string): { events: DomainEvent[]; key: string } | { error: z.ZodError } | { ignored: string } {
  const parsed = WooOrder.safeParse(body);
  if (!parsed.success) return { error: parsed.error };
  const o = parsed.data;
  const occurredAt = gmt(o.date_modified_gmt ?? o.date_created_gmt, receivedAt);
  const key = `woocommerce:order:${o.id}:${o.status}:${occurredAt}`;
  const customer = platformContact({ email: o.billing?.email, phone: o.billing?.phone, firstName: o.billing?.first_name });
  const items = o.line_items.map((l) => platformItem({ title: l.name, quantity: l.quantity, price: l.price, productId: l.product_id }));
  const token = `wc-${o.id}`;
  if (CHECKOUT_STATES.has(o.status)) {
    return {
      key,
      events: [{ type: 'checkout.updated', key, source: 'woocommerce', occurredAt, customer, checkout: { token, items, total: o.total, currency: o.currency, recoveryUrl: o.payment_url ?? undefined, completed: false } }],
    };
  }
  if (ORDER_STATES.has(o.status)) {
    const placed: DomainEvent = { type: 'order.placed', key, source: 'woocommerce', occurredAt, customer, order: { id: token, checkoutToken: token, total: o.total, currency: o.currency, items } };
    if (o.status !== 'completed') return { key, events: [placed] };
    // WooCommerce has no shipping states: `completed` is the shop saying the order has gone out. The
    // order comes first, as an order created already completed is still the purchase.
    const fulfilled: DomainEvent = { type: 'order.fulfilled', key: `${key}:fulfilled`, source: 'woocommerce', occurredAt: gmt(o.date_completed_gmt, occurredAt), customer, order: { id: token } };
    return { key, events: [placed, fulfilled] };
  }
  if (o.status === 'cancelled' || o.status === 'refunded') {
    return { key, events: [{ type: o.status === 'cancelled' ? 'order.cancelled' : 'order.refunded', key, source: 'woocommerce', occurredAt, customer, order: { id: token } }] };
  }
  return { ignored: `order status "${o.status}" starts or ends nothing` };
}

/** WooCommerce REST customer (the `customer.created` webhook body), reduced to the contact. WooCommerce states no marketing consent. */
export const WooCustomer = z.object({
  id: z.union([z.string(), z.number()]).transform(String).pipe(Id(64)),
  email: z.string().nullish(),
  first_name: z.string().nullish(),
  date_created_gmt: z.string().nullish(),
  billing: z.object({ first_name: z.string().nullish(), email: z.string().nullish(), phone: z.string().nullish() }).nullish(),
});

export function mapWooCustomer(body: unknown, receivedAt: string): { events: DomainEvent[] } | { error: z.ZodError } {
  const parsed = WooCustomer.safeParse(body);
  if (!parsed.success) return { error: parsed.error };
  const c = parsed.data;
  const customer = platformContact({ email: c.email || c.billing?.email, phone: c.billing?.phone, firstName: c.first_name || c.billing?.first_name });
  // One account is created once: its id is the event's key, whichever delivery brings it.
  return { events: [{ type: 'customer.created', key: `woocommerce:customer:${c.id}:created`, source: 'woocommerce', occurredAt: gmt(c.date_created_gmt, receivedAt), customer }] };
}
