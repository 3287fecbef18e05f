import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { Currency, type DomainEvent, Id, Link, platformContact } from '../core/domain.ts';

export const STRIPE_TOLERANCE_SECONDS = 300;

export type StripeCheck = { ok: true; secret: string } | { ok: false; reason: string };

/**
 * `Stripe-Signature: t=…,v1=…[,v1=…]`: hex HMAC-SHA256 of "{t}.{raw body}". Any v1 may match any
 * secret (rotation). Too old or too far in the future is refused: a replay window of 300 s
 * either way, measured on the engine's clock.
 */
export function verifyStripe(rawBody: Buffer, header: string | undefined, secrets: readonly string[], now: Date, tolerance = STRIPE_TOLERANCE_SECONDS): StripeCheck {
  if (!header) return { ok: false, reason: 'Stripe-Signature header is missing' };
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
  if (!t || !/^\d+$/.test(t) || signatures.length === 0) return { ok: false, reason: 'Stripe-Signature has no t= or v1=' };
  const signedPayload = Buffer.concat([Buffer.from(`${t}.`), rawBody]);
  const match = secrets.find((secret) => {
    const expected = createHmac('sha256', secret).update(signedPayload).digest();
    return signatures.some((sig) => {
      const given = Buffer.from(sig, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  });
  if (!match) return { ok: false, reason: 'Stripe-Signature does not match the body' };
  const age = now.getTime() / 1000 - Number(t);
  if (age > tolerance) return { ok: false, reason: `Stripe-Signature timestamp is ${Math.round(age)} s old (tolerance ${tolerance} s)` };
  if (age < -tolerance) return { ok: false, reason: 'Stripe-Signature timestamp is in the future' };
  return { ok: true, secret: match };
}

/** The connected account a Connect event names (`account`), if the body is an event at all. */
export function stripeAccount(rawBody: Buffer): string | undefined {
  try {
    const account = (JSON.parse(rawBody.toString('utf8')) as { account?: unknown } | null)?.account;
    return typeof account === 'string' ? account : undefined;
  } catch {
    return undefined;
  }
}

export function signStripe(rawBody: Buffer | string, secret: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex')}`;
}

const Invoice = z.object({
  id: Id(128),
  amount_due: z.number().int().min(0),
  amount_remaining: z.number().int().nullish(),
  currency: Currency,
  customer_email: z.string().nullish(),
  customer_name: z.string().nullish(),
  customer_phone: z.string().nullish(),
  customer_address: z.object({ country: z.string().nullish() }).nullish(),
  hosted_invoice_url: Link.nullish(),
});

export const StripeEvent = z.object({
  id: z.string().min(1).max(128),
  type: z.string(),
  created: z.number().int(),
  data: z.object({ object: z.unknown() }),
});

/** Currencies Stripe counts in whole units, not hundredths. */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);

export function minorToDecimal(minor: number, currency: string): string {
  const c = currency.toUpperCase();
  if (ZERO_DECIMAL.has(c)) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const TYPES: Record<string, 'payment.failed' | 'payment.succeeded'> = {
  'invoice.payment_failed': 'payment.failed',
  'invoice.paid': 'payment.succeeded',
  'invoice.payment_succeeded': 'payment.succeeded',
};

export function mapStripe(body: unknown): { events: DomainEvent[] } | { error: z.ZodError } | { ignored: string } {
  const event = StripeEvent.safeParse(body);
  if (!event.success) return { error: event.error };
  const type = TYPES[event.data.type];
  if (!type) return { ignored: `event type "${event.data.type}" is not used by any journey` };
  const inv = Invoice.safeParse(event.data.data.object);
  if (!inv.success) return { error: inv.error };
  const i = inv.data;
  const country = i.customer_address?.country;
  return {
    events: [
      {
        type,
        key: `stripe:${event.data.id}`,
        source: 'stripe',
        occurredAt: new Date(event.data.created * 1000).toISOString(),
        customer: platformContact({
          email: i.customer_email,
          phone: i.customer_phone,
          firstName: i.customer_name?.trim().split(/\s+/)[0],
          locale: country ? (country === 'PL' ? 'pl' : 'en') : undefined,
        }),
        payment: { invoiceId: i.id, amount: minorToDecimal(i.amount_due, i.currency), currency: i.currency, payUrl: i.hosted_invoice_url ?? undefined },
      },
    ],
  };
}
