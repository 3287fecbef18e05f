import { exitScope, journeyGoal } from '../../workflows/src/journey.ts';
import { type AttributionFacts, attribute, type Conversion, type GoalFact } from '../core/measurement.ts';
import type { Enrolment } from '../core/model.ts';
import { LogCode } from '../shared/logger.ts';
import type { EnrolDeps } from './enrolment.ts';

/**
 * Goal events as conversions (the rules are core/measurement.ts's `attribute`): the ingest calls
 * `recordGoal` for each order and payment it accepts, before the journeys the event ends are ended
 * (so their enrolments are still found running), and `reverseGoal` for each cancellation or refund.
 * Both are idempotent: a conversion is recorded once per journey and subject, a reversal once.
 */

export type AttributionDeps = Pick<EnrolDeps, 'config' | 'store' | 'journeys' | 'log' | 'onConversion'>;

/** Who a goal event is about: the customer it names (who ordered, whose invoice it is) and the owner of the order's cart. */
export interface GoalParties {
  customerId?: string;
  cartOwner?: string;
}

/**
 * Records the conversions a goal event is, under the customer it names (or, for an order without a
 * known customer, under its cart's); an order cancelled before it arrived converts nothing.
 * Returns the conversions recorded now.
 */
export async function recordGoal(goal: GoalFact, who: GoalParties, deps: AttributionDeps): Promise<Conversion[]> {
  const { tenant } = deps.config;
  const holder = who.customerId ?? who.cartOwner;
  if (!holder) return [];
  const journeys = deps.journeys.filter((j) => journeyGoal(j) === goal.goal);
  if (journeys.length === 0) return [];
  if (goal.goal === 'order.placed' && who.customerId) {
    const tombstone = await deps.store.getOrder(tenant, who.customerId, goal.subject);
    if (tombstone && tombstone.status !== 'placed') return [];
  }
  const own = who.customerId ? await deps.store.listDecisions(tenant, who.customerId) : [];
  const byToken: { enrolment: Enrolment; decisions: Awaited<ReturnType<typeof deps.store.listDecisions>> }[] = [];
  const ending: Enrolment[] = [];
  for (const j of journeys) {
    if (j.trigger === 'checkout' && goal.checkoutToken) {
      for (const owner of new Set([who.customerId, who.cartOwner].filter((c): c is string => c !== undefined))) {
        const enrolment = await deps.store.getEnrolment(tenant, owner, j.id, goal.checkoutToken);
        if (!enrolment) continue;
        byToken.push({ enrolment, decisions: owner === who.customerId ? own : await deps.store.listDecisions(tenant, owner) });
        break;
      }
    }
    if (!who.customerId) continue;
    // The enrolments this event ends: every running one of the customer's, or the one under its key.
    const scope = exitScope(j, goal.goal);
    const key = goal.goal === 'payment.succeeded' ? goal.subject : goal.checkoutToken;
    if (scope === 'customer') ending.push(...(await deps.store.activeEnrolments(tenant, who.customerId, j.id)));
    else if (key !== undefined) {
      const keyed = await deps.store.getEnrolment(tenant, who.customerId, j.id, key);
      if (keyed) ending.push(keyed);
    }
  }
  const facts: AttributionFacts = { own, byToken, ending };
  const recorded: Conversion[] = [];
  for (const conversion of attribute(goal, journeys.map((j) => ({ id: j.id, trigger: j.trigger, goal: journeyGoal(j), attributionDays: j.attributionDays })), facts)) {
    if (!(await deps.store.recordConversion(tenant, holder, conversion))) continue;
    recorded.push(conversion);
    deps.log.info(LogCode.ConversionRecorded, { journey: conversion.journey, customerId: holder, step: conversion.step, variant: conversion.variant, reason: conversion.reason });
    deps.onConversion?.({ ...conversion, customerId: holder });
  }
  return recorded;
}

/** Takes back the revenue of the order's conversions (every journey's), once each. Returns how many. */
export async function reverseGoal(owner: string, orderId: string, by: 'order.cancelled' | 'order.refunded', at: string, deps: AttributionDeps): Promise<number> {
  const { tenant } = deps.config;
  let reversed = 0;
  for (const c of (await deps.store.listConversions(tenant, owner)).filter((c) => c.goal === 'order.placed' && c.subject === orderId)) {
    if (!(await deps.store.reverseConversion(tenant, owner, c.journey, c.subject, at, by))) continue;
    reversed++;
    deps.log.info(LogCode.ConversionReversed, { journey: c.journey, customerId: owner, reason: by });
  }
  return reversed;
}
