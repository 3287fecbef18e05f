import { z } from 'zod';
import type { EventName } from '../../workflows/src/journey.ts';
import { isValidPhone, normalisePhone } from './identity.ts';
import { cleanText, hasUnsafeText, TEXT_CAPS } from './limits.ts';

/**
 * Decimal amounts travel as strings ("199.00"), as the platforms send them; never floats. No
 * amount a journey handles is negative (a refund is its own event).
 */
export const Amount = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => /^\d{1,12}(\.\d{1,4})?$/.test(v), 'must be a decimal amount of at least 0, such as "199.00"');

/** ISO 4217 codes as the runtime's ICU knows them: every currency in circulation, no funds or test codes. */
const ISO_4217: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export const Currency = z
  .string()
  .transform((v) => v.trim().toUpperCase())
  .refine((v) => ISO_4217.has(v), 'must be an ISO 4217 currency code such as PLN');

/** A link a customer is sent to (cart, payment, product): http or https only, so no `javascript:` ever reaches a template. */
export const Link = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);

/** An identifier from the sender (token, order or invoice id): it may reach a subject, so no control or bidi characters. */
export const Id = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !hasUnsafeText(v), 'must not contain control or bidirectional-override characters');

export const Email = z
  .string()
  .trim()
  .max(TEXT_CAPS.email)
  .transform((v) => v.normalize('NFC'))
  .pipe(z.email('must be an e-mail address'));

/** Any spelling libphonenumber recognises (region PL by default), stored as E.164. */
export const Phone = z
  .string()
  .max(64)
  .refine(isValidPhone, 'must be a phone number such as +48600100200 or 600 100 200')
  .transform((v) => normalisePhone(v));

/** Free text: cleaned (controls, bidi overrides, whitespace runs) and cut at `max` characters, never refused for its length. */
export const Text = (max: number) => z.string().transform((v) => cleanText(v, max));

/** Line items beyond this many are dropped from a platform's payload (the API refuses them). */
export const MAX_LINE_ITEMS = 500;

export const LineItem = z.object({
  title: Text(TEXT_CAPS.title),
  quantity: z.number().int().min(0).max(10_000),
  price: Amount,
  productId: z.string().max(TEXT_CAPS.productId).optional(),
  category: Text(TEXT_CAPS.category).optional(),
});
export type LineItem = z.infer<typeof LineItem>;

export const Contact = z.object({
  email: Email.optional(),
  phone: Phone.optional(),
  firstName: Text(TEXT_CAPS.name).optional(),
  locale: z.string().max(TEXT_CAPS.locale).optional(),
  preferredChannel: z.enum(['email', 'sms']).optional(),
  timeZone: z
    .string()
    .max(64)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/Warsaw')
    .optional(),
  /** Marketing consent as stated by the source, per channel; absent means "not stated". */
  consent: z.object({ emailMarketing: z.boolean().optional(), smsMarketing: z.boolean().optional() }).optional(),
});
export type Contact = z.infer<typeof Contact>;

export const Checkout = z.object({
  token: Id(128),
  items: z.array(LineItem).max(MAX_LINE_ITEMS),
  total: Amount,
  currency: Currency,
  recoveryUrl: Link.optional(),
  completed: z.boolean().default(false),
});
export type Checkout = z.infer<typeof Checkout>;

export const Order = z.object({
  id: Id(128),
  checkoutToken: Id(128).optional(),
  total: Amount,
  currency: Currency,
  items: z.array(LineItem).max(MAX_LINE_ITEMS).default([]),
});
export type Order = z.infer<typeof Order>;

/**
 * What a fulfilment says about its order: the order's id, exact (a Shopify id above 2^53 stays a
 * string), and the carrier's tracking link when the platform gave one.
 */
export const Shipment = z.object({ id: Id(128), trackingUrl: Link.optional() });
export type Shipment = z.infer<typeof Shipment>;

/** Values of a catalogue event's properties and of a profile's custom attributes (a date is its ISO text). */
export type PropertyValue = string | number | boolean;
/** Custom attributes as an event sets them: `null` removes one from the profile. */
export type AttributeChanges = Record<string, PropertyValue | null>;

/** The customer as an event describes them: contact details and consent, and custom attributes (customer.created and customer.updated only). */
export type CustomerFacts = Contact & { attributes?: AttributeChanges };

interface Base {
  /** Stable across redeliveries of the same event; the dedupe key. */
  key: string;
  /** When the source says it happened, on the engine's clock once accepted (see core/engine-time.ts). */
  occurredAt: string;
  /** The `occurredAt` the source stated, when it lay too far ahead of the engine's clock and was clamped. */
  clampedFrom?: string;
  source: 'api' | 'shopify' | 'woocommerce' | 'stripe';
  customer: CustomerFacts;
}

/**
 * What every route turns its input into; journeys only ever see these. The type decides what a
 * consent flag in `customer.consent` is: on `customer.consent` an explicit statement of the
 * customer (a platform's consent webhook, the API's consent event), on every other type an echo
 * of a state carried by a payload about something else (see `consentStatements`).
 */
export type DomainEvent =
  | (Base & { type: 'checkout.updated'; checkout: Checkout })
  | (Base & { type: 'order.placed'; order: Order })
  | (Base & { type: 'customer.created' | 'customer.updated' })
  | (Base & { type: 'customer.consent' })
  | (Base & { type: 'order.fulfilled' | 'order.delivered'; order: Shipment })
  | (Base & { type: 'order.cancelled' | 'order.refunded'; order: Pick<Order, 'id'> })
  | (Base & { type: 'payment.failed' | 'payment.succeeded'; payment: Payment })
  | (Base & CatalogueEvent);

/**
 * An event of the shop's own catalogue (workflows/events): `key` is what it is about (a quiz, a
 * booking), the enrolment key of the journeys it starts. Its declared properties, split: `personal`
 * ones are kept only under the customer (erased with them) and never leave for an execution's input
 * or a log line.
 */
export interface CatalogueEvent {
  type: 'custom';
  name: EventName;
  subjectKey: string;
  properties: Record<string, PropertyValue>;
  personal: Record<string, PropertyValue>;
}

export const Payment = z.object({
  invoiceId: Id(128),
  amount: Amount,
  currency: Currency,
  /** Where the customer pays (Stripe's hosted invoice page, a shop's payment link). */
  payUrl: Link.optional(),
});
export type Payment = z.infer<typeof Payment>;

/**
 * A statement about marketing consent on one channel, with its kind:
 * - `withdrawal`: the customer said no (unsubscribe link, SMS STOP, a complaint, a consent webhook
 *   or API statement that is not an opt-in); it takes effect at once and only an `opt-in` lifts it;
 * - `opt-in`: the customer said yes, explicitly (a consent webhook, the API's consent event);
 * - `echo`: a flag carried by a payload about something else (a checkout's or order's
 *   `buyer_accepts_marketing`, a customer update), a state seen, not a new decision.
 */
export type ConsentStatement = { kind: 'withdrawal'; granted: false } | { kind: 'opt-in'; granted: true } | { kind: 'echo'; granted: boolean };
export type ConsentKind = ConsentStatement['kind'];

export const WITHDRAWAL: ConsentStatement = { kind: 'withdrawal', granted: false };

/** An explicit statement of the customer: an opt-in when it grants, a withdrawal when it does not. */
export function explicitConsent(granted: boolean): ConsentStatement {
  return granted ? { kind: 'opt-in', granted: true } : WITHDRAWAL;
}

/** The consent statements an event makes, per channel, of the kind its type decides. */
export function consentStatements(event: DomainEvent): { channel: 'email' | 'sms'; statement: ConsentStatement }[] {
  const stated = event.customer.consent;
  const out: { channel: 'email' | 'sms'; statement: ConsentStatement }[] = [];
  const add = (channel: 'email' | 'sms', granted: boolean | undefined) => {
    if (granted === undefined) return;
    out.push({ channel, statement: event.type === 'customer.consent' ? explicitConsent(granted) : { kind: 'echo', granted } });
  };
  add('email', stated?.emailMarketing);
  add('sms', stated?.smsMarketing);
  return out;
}

export function assertUnreachable(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}

/**
 * A contact as a platform hands it over. Nothing in it refuses the webhook (a refused webhook is
 * retried, then its subscription removed): text is cleaned and cut, a phone number normalised
 * as far as it goes, and an address nobody can deliver to is kept; the step that would send to it
 * records `invalid_address` or `not_mobile` instead.
 */
export function platformContact(raw: { email?: string | null; phone?: string | null; firstName?: string | null; locale?: string | null }): Contact {
  const phone = raw.phone ? normalisePhone(cleanText(raw.phone, 64)) : '';
  return {
    email: cleanText(raw.email ?? '', TEXT_CAPS.email) || undefined,
    phone: phone.replace('+', '') ? phone : undefined,
    firstName: cleanText(raw.firstName ?? '', TEXT_CAPS.name) || undefined,
    locale: cleanText(raw.locale ?? '', TEXT_CAPS.locale) || undefined,
  };
}

/** A line item as a platform hands it over: text cleaned and cut, the id as a string. */
export function platformItem(raw: { title?: string | null; quantity: number; price: string; productId?: string | number | null; category?: string | null }): LineItem {
  return {
    title: cleanText(raw.title ?? '', TEXT_CAPS.title),
    quantity: raw.quantity,
    price: raw.price,
    productId: raw.productId == null ? undefined : cleanText(String(raw.productId), TEXT_CAPS.productId) || undefined,
    category: cleanText(raw.category ?? '', TEXT_CAPS.category) || undefined,
  };
}
