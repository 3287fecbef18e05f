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
  occurredAt: string;
  source: 'api' | 'shopify' | 'woocommerce' | 'stripe';
  customer: Contact;
}

/** What every route turns its input into; journeys only ever see these. */
export type DomainEvent =
  | (Base & { type: 'checkout.updated'; checkout: Checkout })
  | (Base & { type: 'order.placed'; order: Order })
  | (Base & { type: 'customer.updated' })
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

export function assertUnreachable(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
