import { assertUnreachable, consentStatements, type DomainEvent } from '../core/domain.ts';
import { onEngineClock } from '../core/engine-time.ts';
import { eventSubject, withOrder } from '../core/filters.ts';
import type { CustomerProfile } from '../core/model.ts';
import { EVENT_LEASE_SECONDS } from '../shared/config.ts';
import { LogCode } from '../shared/logger.ts';
import { MetricName, noMetrics } from '../shared/metrics.ts';
import { resumeAwaiting } from './awaiting.ts';
import { recordGoal, reverseGoal } from './attribution.ts';
import { type EnrolDeps, endJourneys, enrol } from './enrolment.ts';
import { upsertProfile } from './profile.ts';
import { linkAddresses, type Resolved, resolveCustomer } from './identity.ts';

/**
 * Ingesting events: each new event (by its stable key) is applied to customer state and to the
 * journeys it starts or ends; a duplicate does nothing. Platform routes and the simulator call it.
 */

export interface AcceptedEvents {
  /** Every event was a duplicate. */
  duplicate: boolean;
  /**
   * Set when another attempt holds the lease of an event (it is being applied, or was until a
   * crash): seconds until that lease runs out. Not a duplicate yet, so the sender must retry.
   */
  retryAfterSeconds?: number;
  /** `clampedFrom`: the time the source stated, when it was too far ahead and the engine's clock was taken instead. */
  events: { key: string; status: string; clampedFrom?: string }[];
}

/**
 * Each event is leased before it is applied and marked done only after every effect (journey starts
 * and stops included); a failure gives the lease back. An attempt killed halfway leaves the lease to
 * run out, and the next delivery applies the event again from the start: every effect is idempotent.
 */
export async function acceptEvents(events: DomainEvent[], deps: EnrolDeps): Promise<AcceptedEvents> {
  const { tenant } = deps.config;
  const results: AcceptedEvents['events'] = [];
  let retryAfterSeconds: number | undefined;
  for (const event of events) {
    const now = deps.clock.now();
    const claim = await deps.store.claimEvent(tenant, event.key, now, EVENT_LEASE_SECONDS);
    if (claim.state === 'processing') {
      deps.log.info(LogCode.IngestInProgress, { eventType: event.type });
      retryAfterSeconds = Math.max(retryAfterSeconds ?? 1, Math.ceil((Date.parse(claim.until) - now.getTime()) / 1000) + 1);
      results.push({ key: event.key, status: 'in-progress' });
      continue;
    }
    if (claim.state !== 'claimed') {
      deps.log.info(LogCode.IngestDuplicate, { eventType: event.type });
      results.push({ key: event.key, status: 'duplicate' });
      continue;
    }
    try {
      // As of the first claim: an event applied again after a crash gets the times the first attempt
      // gave it, its own time clamped against that claim's clock, not the redelivery's.
      const since = new Date(claim.since);
      const onClock = onEngineClockOf(event, since, deps);
      const outcome = await apply(onClock, { ...deps, clock: { now: () => since }, startedBy: event.key });
      await deps.store.completeEvent(tenant, event.key, deps.clock.now());
      deps.log.info(LogCode.IngestAccepted, { eventType: event.type, outcome });
      results.push({ key: event.key, status: outcome, ...(onClock.clampedFrom && { clampedFrom: onClock.clampedFrom }) });
    } catch (e) {
      // Give the lease back so the platform's retry is applied at once rather than after the lease.
      await deps.store.releaseEvent(tenant, event.key, claim.lease).catch(() => undefined);
      throw e;
    }
  }
  return { duplicate: results.every((r) => r.status === 'duplicate'), ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }), events: results };
}

/** Records the customer's addresses, contact details and consent; returns the profile as stored (undefined when a newer one is on file). */
async function applyContact(event: DomainEvent, who: Resolved, deps: EnrolDeps): Promise<CustomerProfile | undefined> {
  const { tenant } = deps.config;
  const { customerId, contact } = who;
  const source = `${event.source}:${event.type}`;
  const receivedAt = deps.clock.now();
  // Independent items: written side by side. An SMS statement needs the number it is about.
  const [profile] = await Promise.all([
    upsertProfile(deps, customerId, contact, event.occurredAt),
    linkAddresses(deps.store, tenant, who, event.occurredAt),
    // A statement about the phone belongs to whoever holds the number.
    ...consentStatements(event)
      .filter(({ channel }) => channel === 'email' || event.customer.phone)
      .map(({ channel, statement }) =>
        deps.store.recordConsent(tenant, channel === 'sms' ? who.smsCustomerId : customerId, channel, 'marketing', { ...statement, at: event.occurredAt, source, eventKey: event.key, once: true }, receivedAt),
      ),
  ]);
  return profile;
}

/**
 * An event on the engine's clock (core/engine-time.ts): a time too far ahead is clamped, which is
 * logged (no personal data) and counted; the result names the time the source stated.
 */
function onEngineClockOf(event: DomainEvent, now: Date, deps: EnrolDeps): DomainEvent {
  const accepted = onEngineClock(event, now);
  if (accepted !== event) {
    const aheadSeconds = Math.round((Date.parse(event.occurredAt) - now.getTime()) / 1000);
    deps.log.warn(LogCode.EventTimeClamped, { eventType: event.type, source: event.source, aheadSeconds });
    (deps.metrics ?? noMetrics).count(MetricName.EventTimeClamped, { platform: event.source });
  }
  return accepted;
}

/**
 * Applies one new event to customer state and to the journeys it starts or ends. An event dated
 * before an erasure of any identifier it carries is the erased customer's past: it writes
 * nothing. One dated at or after it is the customer coming back, and is taken as new.
 */
export async function apply(event: DomainEvent, given: EnrolDeps): Promise<string> {
  const { tenant } = given.config;
  const who = await resolveCustomer(given.store, tenant, event.customer, event.occurredAt);
  if (who?.erasedAt !== undefined && Date.parse(event.occurredAt) < Date.parse(who.erasedAt)) return 'erased-before';
  const deps = who?.erasedAt === undefined ? given : { ...given, erasedAt: who.erasedAt };
  const customerId = who?.customerId ?? null;
  // The profile just written also plans the first sends (time zone), with no second read.
  const profile = who ? await applyContact(event, who, deps) : undefined;
  const outcome = await applyType(event, customerId, profile, deps);
  // Journey graphs waiting for this event (waitFor) go on from their event branch. A shop's event is
  // awaited by its name; one naming only its order (a fulfilment, a refund) wakes the order's owner,
  // found (one read) only when some journey awaits it.
  const awaited = { type: event.type === 'custom' ? event.name : event.type, key: event.key };
  const orderId = 'order' in event ? event.order.id : undefined;
  const awaitedByAny = () => deps.journeys.some((j) => j.nodes?.some((n) => n.waitFor?.event === awaited.type));
  const owner = customerId ?? (orderId !== undefined && awaitedByAny() ? await deps.store.findOrderOwner(tenant, orderId) : undefined);
  if (owner) await resumeAwaiting(awaited, owner, orderId, deps, event);
  return outcome;
}

type OrderEvent = Extract<DomainEvent, { type: 'order.fulfilled' | 'order.delivered' | 'order.cancelled' | 'order.refunded' }>;

/**
 * An event that names only an order nobody is known to own yet (a fulfilment or a refund that
 * overtook its order) is accepted and kept under the order id, not lost: the order applies it
 * when it comes (`applyParked`). Kept without a customer: it carried none.
 */
async function park(event: OrderEvent, deps: EnrolDeps): Promise<string> {
  await deps.store.parkOrderEvent(deps.config.tenant, event.order.id, { key: event.key, at: event.occurredAt, event });
  deps.log.info(LogCode.OrderEventParked, { eventType: event.type });
  return 'waiting-for-order';
}

/** Applies, in time order, what was kept for an order that has now come; each is dropped once applied. */
async function applyParked(orderId: string, deps: EnrolDeps): Promise<void> {
  const { tenant } = deps.config;
  for (const parked of await deps.store.parkedOrderEvents(tenant, orderId)) {
    await apply(parked.event, { ...deps, startedBy: parked.key });
    await deps.store.dropParkedOrderEvent(tenant, orderId, parked);
  }
}

async function applyType(event: DomainEvent, customerId: string | null, profile: CustomerProfile | undefined, deps: EnrolDeps): Promise<string> {
  const { tenant } = deps.config;
  switch (event.type) {
    case 'checkout.updated': {
      const { checkout } = event;
      if (checkout.completed) {
        await deps.store.markCartOrdered(tenant, checkout.token, 'completed-checkout', event.occurredAt);
        if (customerId) await endJourneys('order.placed', customerId, checkout.token, deps);
        return 'checkout-completed';
      }
      const stored = await deps.store.putCart(tenant, customerId ?? undefined, checkout, event.occurredAt);
      if (stored === 'ordered') return 'already-ordered';
      if (!customerId) return 'no-contact';
      return (await enrol('checkout', customerId, checkout.token, event.occurredAt, deps, profile, { subject: eventSubject(event) })) > 0 ? 'journey-started' : 'cart-updated';
    }
    case 'order.placed': {
      const { order } = event;
      const cart = order.checkoutToken ? await deps.store.getCart(tenant, order.checkoutToken) : undefined;
      // Credited while the journeys it ends still run (idempotent: a redelivery adds nothing).
      await recordGoal(
        { goal: 'order.placed', subject: order.id, checkoutToken: order.checkoutToken, at: event.occurredAt, eventKey: event.key, revenue: order.total, currency: order.currency },
        { customerId: customerId ?? undefined, cartOwner: cart?.customerId },
        deps,
      );
      if (order.checkoutToken) {
        await deps.store.markCartOrdered(tenant, order.checkoutToken, order.id, event.occurredAt);
        if (cart?.customerId && cart.customerId !== customerId) await endJourneys('order.placed', cart.customerId, order.checkoutToken, deps);
      }
      if (!customerId) return 'no-contact';
      const counted = await deps.store.putOrder(tenant, customerId, order, event.occurredAt);
      await endJourneys('order.placed', customerId, order.checkoutToken, deps);
      // What overtook the order (a fulfilment, a cancellation) goes first: a cancelled order starts nothing.
      await applyParked(order.id, deps);
      const existing = await deps.store.getOrder(tenant, customerId, order.id);
      if (existing?.status !== 'placed') return 'order-closed';
      // Filters see the order counted (a first order is `profile.ordersCount is 1`); a replay's profile counts it already.
      await enrol('order.placed', customerId, order.id, event.occurredAt, deps, counted && profile ? withOrder(profile, order, event.occurredAt) : profile, { subject: eventSubject(event) });
      return 'order-recorded';
    }
    case 'order.fulfilled':
    case 'order.delivered': {
      // A fulfilment names its order and often no customer: the order's owner is found by its id.
      const owner = customerId ?? (await deps.store.findOrderOwner(tenant, event.order.id));
      if (!owner) return park(event, deps);
      const existing = await deps.store.getOrder(tenant, owner, event.order.id);
      if (existing?.status === 'cancelled' || existing?.status === 'refunded') return 'order-closed';
      const status = event.type === 'order.delivered' ? 'delivered' : 'fulfilled';
      await deps.store.recordShipment(tenant, owner, event.order.id, { status, at: event.occurredAt, trackingUrl: event.order.trackingUrl });
      await enrol(event.type, owner, event.order.id, event.occurredAt, deps, owner === customerId ? profile : undefined, { subject: eventSubject(event, existing) });
      return status === 'delivered' ? 'delivery-recorded' : 'fulfilment-recorded';
    }
    case 'order.cancelled':
    case 'order.refunded': {
      const owner = customerId ?? (await deps.store.findOrderOwner(tenant, event.order.id));
      if (!owner) return park(event, deps);
      await deps.store.markOrder(tenant, owner, event.order.id, event.type === 'order.cancelled' ? 'cancelled' : 'refunded', event.occurredAt);
      await reverseGoal(owner, event.order.id, event.type, event.occurredAt, deps);
      await endJourneys(event.type, owner, event.order.id, deps);
      return 'order-closed';
    }
    case 'payment.failed': {
      const { payment } = event;
      const state = await deps.store.recordInvoiceFailure(
        tenant,
        { invoiceId: payment.invoiceId, customerId: customerId ?? undefined, amount: payment.amount, currency: payment.currency, hostedUrl: payment.payUrl },
        event.occurredAt,
      );
      if (state === 'paid') return 'already-paid';
      if (!customerId) return 'no-contact';
      return (await enrol('payment.failed', customerId, payment.invoiceId, event.occurredAt, deps, profile, { subject: eventSubject(event) })) > 0 ? 'journey-started' : 'payment-failure-recorded';
    }
    case 'payment.succeeded': {
      await deps.store.markInvoicePaid(tenant, event.payment.invoiceId, event.occurredAt);
      const invoice = await deps.store.getInvoice(tenant, event.payment.invoiceId);
      const owner = invoice?.customerId ?? customerId;
      const { payment } = event;
      if (owner) {
        await recordGoal({ goal: 'payment.succeeded', subject: payment.invoiceId, at: event.occurredAt, eventKey: event.key, revenue: payment.amount, currency: payment.currency }, { customerId: owner }, deps);
        await endJourneys('payment.succeeded', owner, payment.invoiceId, deps);
      }
      return 'payment-recorded';
    }
    case 'customer.created':
      if (!customerId) return 'no-contact';
      // The welcome is keyed by the customer: one, whichever platform reports the customer first.
      return (await enrol('customer.created', customerId, customerId, event.occurredAt, deps, profile)) > 0 ? 'journey-started' : 'customer-created';
    case 'customer.updated':
      return customerId ? 'customer-updated' : 'no-contact';
    case 'custom':
      if (!customerId) return 'no-contact';
      return (await enrol(event.name, customerId, event.subjectKey, event.occurredAt, deps, profile, event)) > 0 ? 'journey-started' : 'event-recorded';
    case 'customer.consent':
      return customerId ? 'consent-recorded' : 'no-contact';
    default:
      return assertUnreachable(event);
  }
}
