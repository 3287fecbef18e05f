import { evaluate, fieldsOf } from '../../workflows/src/conditions.ts';
import type { Condition } from '../../workflows/src/nodes.ts';
import type { DomainEvent } from './domain.ts';
import { conditionFacts } from './facts.ts';
import type { ConsentState, CustomerProfile, OrderRecord } from './model.ts';
import type { Subject } from './step-policy.ts';

/**
 * The decisions that come before a journey: whether a trigger passes a journey's `filter`, an
 * awaited event a `waitFor`'s, a customer a segment's `where`. The same conditions and facts as a
 * branch (facts.ts), over what the caller has read; which reads a condition needs is said here,
 * so nothing is read that no condition looks at. Pure.
 */

/** Profile fields the last-order index carries (its projection): a segment reading only these reads no profile. */
const IN_INDEX = new Set(['profile.ordersCount', 'profile.lifetimeSpend', 'profile.daysSinceLastOrder']);

export interface ConditionReads {
  /** The consent channels it tests. */
  consent: ('email' | 'sms')[];
  /** Whether it tests a profile field beyond the index's (tags, attributes, locale, addresses). */
  profile: boolean;
}

export function conditionReads(c: Condition | undefined): ConditionReads {
  const fields = c ? fieldsOf(c) : [];
  return {
    consent: (['email', 'sms'] as const).filter((ch) => fields.includes(`consent.${ch}`)),
    profile: fields.some((f) => !IN_INDEX.has(f) && !f.startsWith('consent.')),
  };
}

export interface FilterFacts {
  customer: CustomerProfile | undefined;
  /** What the trigger or the awaited event is about: `{ cart }`, `{ order }`, `{ invoice }` (see eventSubject). */
  subject?: Subject;
  consent?: Partial<Record<'email' | 'sms', ConsentState>>;
  /** The catalogue event's declared properties, personal ones included (read here, never logged). */
  properties?: Readonly<Record<string, unknown>>;
  now: Date;
}

/** Whether the filter lets the trigger through: no filter lets everything through. */
export function passesFilter(filter: Condition | undefined, f: FilterFacts): boolean {
  if (!filter) return true;
  return evaluate(filter, conditionFacts({ customer: f.customer, subject: f.subject ?? {}, consent: f.consent ?? {}, properties: f.properties, now: f.now }));
}

/**
 * What an event is about, as conditions read it: the checkout or order it carries, the payment's
 * amount as the invoice's; an event naming only its order (a fulfilment, a refund) reads the order
 * as stored, when the caller has it. Nothing for the rest.
 */
export function eventSubject(event: DomainEvent, stored?: OrderRecord): Subject {
  switch (event.type) {
    case 'checkout.updated':
      return { cart: event.checkout };
    case 'order.placed':
      return { order: event.order };
    case 'order.fulfilled':
    case 'order.delivered':
    case 'order.cancelled':
    case 'order.refunded':
      return stored ? { order: stored } : {};
    case 'payment.failed':
    case 'payment.succeeded':
      return { invoice: { amount: event.payment.amount, currency: event.payment.currency } };
    default:
      return {};
  }
}

/**
 * The item an event is about, by kind and key (a checkout's token, an order's id, an invoice's id),
 * as a journey's enrolment key names its own: what an awaited event must match to wake it.
 */
export function subjectKey(event: DomainEvent): { kind: 'cart' | 'order' | 'invoice'; key: string } | undefined {
  if (event.type === 'checkout.updated') return { kind: 'cart', key: event.checkout.token };
  if (event.type === 'payment.failed' || event.type === 'payment.succeeded') return { kind: 'invoice', key: event.payment.invoiceId };
  if ('order' in event) return { kind: 'order', key: event.order.id };
  return undefined;
}

/** A profile as it stands once a newly stored order is counted (the ingest read it before storing the order). */
export function withOrder(profile: CustomerProfile, order: { total: string; currency: string }, at: string): CustomerProfile {
  const later = profile.lastOrderAt === undefined || profile.lastOrderAt < at;
  return {
    ...profile,
    orderCount: (profile.orderCount ?? 0) + 1,
    spentPln: (profile.spentPln ?? 0) + (order.currency === 'PLN' ? Number(order.total) : 0),
    ...(later ? { lastOrderAt: at } : {}),
  };
}

/**
 * The facts of a segment's candidate: the index's projection or the profile, consent when read,
 * and the days since the last order as the index counts them (the run's day less the last order's
 * day, both UTC), as `noPurchaseForDays` does, so `is: 180` and `noPurchaseForDays: 180` select alike.
 */
export function inSegment(where: Condition, f: { customer: CustomerProfile; days: number; consent?: FilterFacts['consent']; now: Date }): boolean {
  const facts = conditionFacts({ customer: f.customer, subject: {}, consent: f.consent ?? {}, now: f.now });
  facts['profile.daysSinceLastOrder'] = f.days;
  return evaluate(where, facts);
}
