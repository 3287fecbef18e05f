import fc from 'fast-check';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { mapApiEvent, ApiEvent } from '../../functions/ingest/events-api.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { signUnsubscribeToken } from '../../functions/shared/unsubscribe-token.ts';

/**
 * What the simulated platforms do: two shops, a handful of customers each, and an interleaving of
 * their events (checkouts, orders, payments, consent), customers' own actions (unsubscribe links,
 * SMS STOP), mail feedback (bounces, complaints), erasure requests, duplicates, skewed timestamps
 * and the passing of time. A workload is plain data, so fast-check generates and shrinks it.
 */

export const START = new Date('2026-03-02T07:00:00.000Z');
export const SHOPS = [
  { tenant: 'default', apiKey: 'sim-api-key' },
  { tenant: 'shop-b', apiKey: 'sim-shop-b-key' },
] as const;
export const UNSUBSCRIBE_SECRET = 'sim-unsubscribe-secret-0123456789';
export const CUSTOMERS = 4;

export const EVENT_TYPES = [
  'checkout.abandoned',
  'cart.updated',
  'order.placed',
  'order.delivered',
  'order.cancelled',
  'order.refunded',
  'payment.failed',
  'payment.succeeded',
  'customer.updated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type Step =
  | {
      kind: 'event';
      shop: number;
      customer: number;
      type: EventType;
      /** Which of the customer's carts, orders or invoices (the order `ref` completes cart `ref`). */
      ref: number;
      consent: { emailMarketing?: boolean; smsMarketing?: boolean } | undefined;
      /** occurredAt − the platform's clock, in minutes: late, early or far in the future. */
      skewMinutes: number;
    }
  /** The platform delivers an earlier event again (same id): `back` events before the last. */
  | { kind: 'again'; back: number }
  | { kind: 'unsubscribe'; shop: number; customer: number; channel: 'email' | 'sms' }
  | { kind: 'sms-stop'; customer: number }
  | { kind: 'bounce'; customer: number; complaint: boolean }
  | { kind: 'erase'; shop: number; customer: number }
  | { kind: 'advance'; minutes: number };

const shop = fc.nat(SHOPS.length - 1);
const customer = fc.nat(CUSTOMERS - 1);
const consent = fc.option(fc.record({ emailMarketing: fc.option(fc.boolean(), { nil: undefined }), smsMarketing: fc.option(fc.boolean(), { nil: undefined }) }, { requiredKeys: [] }), {
  nil: undefined,
});
const skew = fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: -720, max: 720 }) }, { weight: 1, arbitrary: fc.integer({ min: 720, max: 4320 }) });

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('event' as const), shop, customer, type: fc.constantFrom(...EVENT_TYPES), ref: fc.nat(1), consent, skewMinutes: skew }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('again' as const), back: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unsubscribe' as const), shop, customer, channel: fc.constantFrom('email' as const, 'sms' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sms-stop' as const), customer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bounce' as const), customer, complaint: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('erase' as const), shop, customer }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.oneof(fc.integer({ min: 1, max: 180 }), fc.integer({ min: 180, max: 4 * 1440 })) }) },
);

export const workloadArb = fc.array(stepArb, { minLength: 1, maxLength: 28 });

/** A customer's contact details: the same address in both shops, two different customers. */
export function contact(i: number) {
  return {
    email: `klient${i}@example.pl`,
    phone: `+4860010020${i}`,
    firstName: ['Zofia', 'Jan', 'Ola', 'Piotr'][i % 4]!,
    locale: 'pl',
    preferredChannel: i % 2 === 1 ? ('sms' as const) : ('email' as const),
  };
}

export function customerOf(shopIndex: number, i: number): { tenant: string; customerId: string } {
  const tenant = SHOPS[shopIndex]!.tenant;
  return { tenant, customerId: customerIdFor(tenant, { email: contact(i).email })! };
}

export const cartToken = (s: number, c: number, ref: number) => `s${s}-c${c}-cart${ref}`;
export const orderId = (s: number, c: number, ref: number) => `s${s}-c${c}-order${ref}`;
export const invoiceId = (s: number, c: number, ref: number) => `s${s}-c${c}-inv${ref}`;

/** The event API body of an event step, as a platform would send it. */
export function eventBody(step: Extract<Step, { kind: 'event' }>, id: string, occurredAt: Date): Record<string, unknown> {
  const { shop: s, customer: c, ref } = step;
  const { email, phone, firstName, locale, preferredChannel } = contact(c);
  const customer = { email, phone, firstName, locale, preferredChannel, ...(step.consent ? { consent: step.consent } : {}) };
  const items = [{ title: 'Kubek „Żuraw”', quantity: 1 + ref, price: '49.90', category: ref === 0 ? 'Kawa' : 'Ceramika' }];
  const total = (49.9 * (1 + ref)).toFixed(2);
  const base = { id, type: step.type, occurredAt: occurredAt.toISOString(), customer };
  switch (step.type) {
    case 'checkout.abandoned':
    case 'cart.updated':
      return { ...base, checkout: { token: cartToken(s, c, ref), items, total, currency: 'PLN', recoveryUrl: `https://sklep.example.pl/koszyk/${cartToken(s, c, ref)}` } };
    case 'order.placed':
      return { ...base, order: { id: orderId(s, c, ref), checkoutToken: cartToken(s, c, ref), total, currency: 'PLN', items } };
    case 'order.delivered':
    case 'order.cancelled':
    case 'order.refunded':
      return { ...base, order: { id: orderId(s, c, ref) } };
    case 'payment.failed':
    case 'payment.succeeded':
      return { ...base, payment: { invoiceId: invoiceId(s, c, ref), amount: '120.00', currency: 'PLN', payUrl: `https://sklep.example.pl/faktura/${invoiceId(s, c, ref)}` } };
    case 'customer.updated':
      return base;
  }
}

/** The domain event the ingest makes of a body (what a redelivery applies). */
export function domainEvent(body: Record<string, unknown>): DomainEvent {
  return mapApiEvent(ApiEvent.parse(body));
}

export function unsubscribeToken(shopIndex: number, i: number, channel: 'email' | 'sms', now: Date): string {
  const { tenant, customerId } = customerOf(shopIndex, i);
  return signUnsubscribeToken(UNSUBSCRIBE_SECRET, { t: tenant, c: customerId, ch: channel }, now);
}

/** A short, stable line for a step: what a shrunk counterexample prints. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'event':
      return `event ${s.type} shop${s.shop} c${s.customer} ref${s.ref}${s.consent ? ` consent=${JSON.stringify(s.consent)}` : ''}${s.skewMinutes ? ` skew=${s.skewMinutes}m` : ''}`;
    case 'again':
      return `again back=${s.back}`;
    case 'unsubscribe':
      return `unsubscribe shop${s.shop} c${s.customer} ${s.channel}`;
    case 'sms-stop':
      return `sms STOP c${s.customer}`;
    case 'bounce':
      return `${s.complaint ? 'complaint' : 'bounce'} c${s.customer}`;
    case 'erase':
      return `erase shop${s.shop} c${s.customer}`;
    case 'advance':
      return `advance ${s.minutes}m`;
  }
}
