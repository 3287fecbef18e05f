import { z } from 'zod';

/** Decimal amounts travel as strings ("199.00"), as the platforms send them; never floats. */
export const Amount = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => /^-?\d{1,12}(\.\d{1,4})?$/.test(v), 'must be a decimal amount such as "199.00"');

export const Currency = z
  .string()
  .transform((v) => v.toUpperCase())
  .refine((v) => /^[A-Z]{3}$/.test(v), 'must be a 3-letter ISO-4217 currency code');

export const Email = z
  .string()
  .trim()
  .max(254)
  .transform((v) => v.normalize('NFC'))
  .pipe(z.email('must be an e-mail address'));

export const Phone = z
  .string()
  .transform((v) => v.replace(/[\s()-]/g, ''))
  .refine((v) => /^\+[1-9]\d{6,14}$/.test(v), 'must be an E.164 phone number such as +48600100200');

export const Text = (max: number) => z.string().transform((v) => v.normalize('NFC').slice(0, max));

export const LineItem = z.object({
  title: Text(200),
  quantity: z.number().int().min(0).max(10_000),
  price: Amount,
  productId: z.string().max(64).optional(),
  category: Text(100).optional(),
});
export type LineItem = z.infer<typeof LineItem>;

export const Contact = z.object({
  email: Email.optional(),
  phone: Phone.optional(),
  firstName: Text(100).optional(),
  locale: z.string().max(16).optional(),
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
  token: z.string().min(1).max(128),
  items: z.array(LineItem).max(500),
  total: Amount,
  currency: Currency,
  recoveryUrl: z.url().max(2048).optional(),
  completed: z.boolean().default(false),
});
export type Checkout = z.infer<typeof Checkout>;

export const Order = z.object({
  id: z.string().min(1).max(128),
  checkoutToken: z.string().max(128).optional(),
  total: Amount,
  currency: Currency,
  items: z.array(LineItem).max(500).default([]),
});
export type Order = z.infer<typeof Order>;

interface Base {
  /** Stable across redeliveries of the same event; the dedupe key. */
  key: string;
  /** When the source says it happened, on the engine's clock once accepted (see core/engine-time.ts). */
  occurredAt: string;
  /** The `occurredAt` the source stated, when it lay too far ahead of the engine's clock and was clamped. */
  clampedFrom?: string;
  source: 'api' | 'shopify' | 'woocommerce' | 'stripe';
  customer: Contact;
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
  | (Base & { type: 'customer.updated' })
  | (Base & { type: 'customer.consent' })
  | (Base & { type: 'order.delivered' | 'order.cancelled' | 'order.refunded'; order: Pick<Order, 'id'> })
  | (Base & { type: 'payment.failed' | 'payment.succeeded'; payment: Payment });

export const Payment = z.object({
  invoiceId: z.string().min(1).max(128),
  amount: Amount,
  currency: Currency,
  /** Where the customer pays (Stripe's hosted invoice page, a shop's payment link). */
  payUrl: z.url().max(2048).optional(),
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
