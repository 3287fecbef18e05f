import { z } from 'zod';
import { ExactId, iso, type Mapped } from './shopify-fields.ts';
import { mapFulfillment, mapFulfillmentEvent } from './shopify-fulfilment.ts';
import { Amount, Currency, type DomainEvent, Id, Link, MAX_LINE_ITEMS, platformContact, platformItem } from '../core/domain.ts';

/**
 * Shopify payloads, reduced to the fields a journey may use (an allow-list: anything else in
 * the body is dropped here, so it can never reach storage or templates).
 */
// Lenient where Shopify is: a webhook refused with 400 is retried and, after repeated
// failures, the subscription is removed, so only what a journey cannot do without is required.
// Addresses are taken as given (see platformContact); what is refused is what no shop sends:
// negative amounts or quantities, a currency outside ISO 4217, a link that is not http(s).
const ShopifyLineItem = z.object({
  title: z.string().nullish(),
  quantity: z.number().int().min(0),
  price: Amount,
  product_id: z.union([z.string(), z.number()]).nullish(),
  product_type: z.string().nullish(),
});
const LineItems = z.array(ShopifyLineItem).transform((lines) => lines.slice(0, MAX_LINE_ITEMS));

const ShopifyCustomer = z
  .object({ first_name: z.string().nullish(), email: z.string().nullish(), phone: z.string().nullish() })
  .nullish();

const nullableEmail = z.string().nullish();

export const ShopifyCheckout = z.object({
  token: Id(128),
  email: nullableEmail,
  phone: z.string().nullish(),
  buyer_accepts_marketing: z.boolean().nullish(),
  buyer_accepts_sms_marketing: z.boolean().nullish(),
  customer_locale: z.string().nullish(),
  line_items: LineItems,
  total_price: Amount,
  currency: Currency,
  presentment_currency: Currency.nullish(),
  abandoned_checkout_url: Link.nullish(),
  completed_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  created_at: z.string().nullish(),
  customer: ShopifyCustomer,
  billing_address: z.object({ first_name: z.string().nullish() }).nullish(),
});
export type ShopifyCheckout = z.infer<typeof ShopifyCheckout>;

export const ShopifyOrder = z.object({
  id: Id(64),
  checkout_token: z.union([z.literal(''), Id(128)]).nullish(),
  email: nullableEmail,
  contact_email: nullableEmail,
  phone: z.string().nullish(),
  buyer_accepts_marketing: z.boolean().nullish(),
  customer_locale: z.string().nullish(),
  line_items: LineItems,
  total_price: Amount,
  currency: Currency,
  created_at: z.string().nullish(),
  cancelled_at: z.string().nullish(),
  customer: ShopifyCustomer,
});
export type ShopifyOrder = z.infer<typeof ShopifyOrder>;

/** Topics this engine listens to; every other topic is acknowledged and ignored. */
export const SHOPIFY_TOPICS = [
  'checkouts/create',
  'checkouts/update',
  'orders/create',
  'orders/cancelled',
  'refunds/create',
  'fulfillments/create',
  'fulfillments/update',
  'fulfillment_events/create',
  'customers/create',
  'customers_email_marketing_consent/update',
  'customers_marketing_consent/update',
] as const;

export const ShopifyPrivacyRequest = z.object({
  customer: z.object({ email: z.string().nullish(), phone: z.string().nullish() }),
  data_request: z.object({ id: z.union([z.string(), z.number()]) }).nullish(),
});

const EmailConsent = z.object({
  email_address: z.string().nullish(),
  email_marketing_consent: z.object({ state: z.string(), consent_updated_at: z.string().nullish() }),
});
const SmsConsent = z.object({
  phone: z.string().nullish(),
  sms_marketing_consent: z.object({ state: z.string(), consent_updated_at: z.string().nullish() }),
});

const ShopifyRefund = z.object({ order_id: ExactId, created_at: z.string().nullish() });
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];


export function isShopifyTopic(topic: string): topic is ShopifyTopic {
  return (SHOPIFY_TOPICS as readonly string[]).includes(topic);
}

function items(lines: z.infer<typeof ShopifyLineItem>[]) {
  return lines.map((l) => platformItem({ title: l.title, quantity: l.quantity, price: l.price, productId: l.product_id, category: l.product_type }));
}

function firstName(v: { customer?: { first_name?: string | null } | null; billing_address?: { first_name?: string | null } | null }) {
  return v.customer?.first_name ?? v.billing_address?.first_name;
}

/** A new customer account; its marketing states are echoes (the customer's own statements come on the consent topics). */
const ShopifyNewCustomer = z.object({
  email: z.string().nullish(),
  phone: z.string().nullish(),
  first_name: z.string().nullish(),
  created_at: z.string().nullish(),
  email_marketing_consent: z.object({ state: z.string().nullish() }).nullish(),
  sms_marketing_consent: z.object({ state: z.string().nullish() }).nullish(),
});

/** A marketing state as a flag: `pending` (a double opt-in not confirmed yet), `redacted` and the like state nothing. */
function marketingState(state: string | null | undefined): boolean | undefined {
  if (state === 'subscribed') return true;
  if (state === 'not_subscribed' || state === 'unsubscribed') return false;
  return undefined;
}

function mapNewCustomer(body: unknown, eventKey: string, receivedAt: string): Mapped {
  const parsed = ShopifyNewCustomer.safeParse(body);
  if (!parsed.success) return { error: parsed.error };
  const c = parsed.data;
  const consent = { emailMarketing: marketingState(c.email_marketing_consent?.state), smsMarketing: marketingState(c.sms_marketing_consent?.state) };
  const customer = { ...platformContact({ email: c.email, phone: c.phone, firstName: c.first_name }), consent };
  return { events: [{ type: 'customer.created', key: eventKey, source: 'shopify', occurredAt: iso(c.created_at, receivedAt), customer }] };
}

export function mapShopify(topic: ShopifyTopic, body: unknown, eventKey: string, receivedAt: string): Mapped {
  switch (topic) {
    case 'fulfillments/create':
    case 'fulfillments/update':
      return mapFulfillment(body, eventKey, receivedAt);
    case 'fulfillment_events/create':
      return mapFulfillmentEvent(body, eventKey, receivedAt);
    case 'customers/create':
      return mapNewCustomer(body, eventKey, receivedAt);
    case 'checkouts/create':
    case 'checkouts/update': {
      const parsed = ShopifyCheckout.safeParse(body);
      if (!parsed.success) return { error: parsed.error };
      const c = parsed.data;
      return {
        events: [
          {
            type: 'checkout.updated',
            key: eventKey,
            source: 'shopify',
            occurredAt: iso(c.updated_at ?? c.created_at, receivedAt),
            customer: {
              ...platformContact({ email: c.email, phone: c.phone, firstName: firstName(c), locale: c.customer_locale }),
              consent: {
                emailMarketing: c.buyer_accepts_marketing ?? undefined,
                smsMarketing: c.buyer_accepts_sms_marketing ?? undefined,
              },
            },
            checkout: {
              token: c.token,
              items: items(c.line_items),
              total: c.total_price,
              currency: c.presentment_currency ?? c.currency,
              recoveryUrl: c.abandoned_checkout_url ?? undefined,
              completed: Boolean(c.completed_at),
            },
          },
        ],
      };
    }
    // The consent topics are the customer's own statements (opt-in or withdrawal); the flags on
    // checkouts and orders above are echoes of a state (see consentStatements in core/domain.ts).
    case 'customers_email_marketing_consent/update': {
      const parsed = EmailConsent.safeParse(body);
      if (!parsed.success) return { error: parsed.error };
      const c = parsed.data;
      const { email } = platformContact({ email: c.email_address });
      if (!email) return { events: [] };
      const at = iso(c.email_marketing_consent.consent_updated_at, receivedAt);
      return { events: [{ type: 'customer.consent', key: eventKey, source: 'shopify', occurredAt: at, customer: { email, consent: { emailMarketing: c.email_marketing_consent.state === 'subscribed' } } }] };
    }
    case 'customers_marketing_consent/update': {
      const parsed = SmsConsent.safeParse(body);
      if (!parsed.success) return { error: parsed.error };
      const c = parsed.data;
      const { phone: p } = platformContact({ phone: c.phone });
      if (!p) return { events: [] };
      const at = iso(c.sms_marketing_consent.consent_updated_at, receivedAt);
      return { events: [{ type: 'customer.consent', key: eventKey, source: 'shopify', occurredAt: at, customer: { phone: p, consent: { smsMarketing: c.sms_marketing_consent.state === 'subscribed' } } }] };
    }
    case 'refunds/create': {
      const parsed = ShopifyRefund.safeParse(body);
      if (!parsed.success) return { error: parsed.error };
      // A refund names only its order; the order's customer is found by the order id.
      return { events: [{ type: 'order.refunded', key: eventKey, source: 'shopify', occurredAt: iso(parsed.data.created_at, receivedAt), customer: {}, order: { id: parsed.data.order_id } }] };
    }
    case 'orders/create':
    case 'orders/cancelled': {
      const parsed = ShopifyOrder.safeParse(body);
      if (!parsed.success) return { error: parsed.error };
      const o = parsed.data;
      const customer = {
        ...platformContact({ email: o.email || o.contact_email, phone: o.phone, firstName: firstName(o), locale: o.customer_locale }),
        consent: { emailMarketing: o.buyer_accepts_marketing ?? undefined },
      };
      const cancelled: DomainEvent[] = o.cancelled_at
        ? [{ type: 'order.cancelled', key: `${eventKey}:cancelled`, source: 'shopify', occurredAt: iso(o.cancelled_at, receivedAt), customer, order: { id: o.id } }]
        : [];
      if (topic === 'orders/cancelled') return { events: cancelled };
      return {
        events: [
          {
            type: 'order.placed',
            key: eventKey,
            source: 'shopify',
            occurredAt: iso(o.created_at, receivedAt),
            customer,
            order: {
              id: o.id,
              checkoutToken: o.checkout_token || undefined,
              total: o.total_price,
              currency: o.currency,
              items: items(o.line_items),
            },
          },
          // Shopify can deliver an order that is already cancelled: it starts nothing that lasts.
          ...cancelled,
        ],
      };
    }
  }
}
