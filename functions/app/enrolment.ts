import { type ExitEvent, exitScope, firstSend, type JourneyConfig, journeyFlow, journeySpanSeconds, stepDelays, type Topic, type Trigger } from '../../workflows/src/journey.ts';
import type { Catalogue } from '../../workflows/src/catalogue.ts';
import { waitEnd } from '../../workflows/src/waits.ts';
import { DEFAULT_SENDING_HOURS, DEFAULT_TIME_ZONE, nextSendingTime, type SendingHours } from '../../workflows/src/quiet-hours.ts';
import { isStaleTrigger } from '../core/engine-time.ts';
import { journeyVersion } from '../core/journey-version.ts';
import type { Clock } from '../shared/clock.ts';
import { executionName } from '../shared/ids.ts';
import type { JourneyRunner } from './ports.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import { MetricName, type Metrics, noMetrics } from '../shared/metrics.ts';
import type { StateStore } from './ports.ts';
import type { CustomerProfile, Decision } from '../core/model.ts';
import type { PropertyValue } from '../core/domain.ts';
import { conditionReads, type FilterFacts, passesFilter } from '../core/filters.ts';
import type { Condition } from '../../workflows/src/nodes.ts';
import type { Subject } from '../core/step-policy.ts';
import { type Conversion, openingEdges } from '../core/measurement.ts';

/** What starting and ending journeys needs; the ingest and the segment selection both have it. */
export interface EnrolDeps {
  config: { tenant: string; sendingHours?: SendingHours };
  store: StateStore;
  journeys: readonly JourneyConfig[];
  /** The shop's declared attributes: the date ones are filed in the date index (select-dates.ts). @default the dates journeys read */
  catalogue?: Pick<Catalogue, 'attributes'>;
  runner: JourneyRunner;
  clock: Clock;
  log: Log;
  /** Counts journeys started and ended. @default none */
  metrics?: Metrics;
  /** What is being applied (an event key, a scheduled run), kept on the enrolments it makes. @default none */
  startedBy?: string;
  /** The latest erasure of the customer being enrolled: their executions after it get new names. @default none */
  erasedAt?: string;
  /** Told of decisions made while enrolling (a first step moved out of quiet hours). */
  observe?: (decision: Decision & { customerId: string }) => void;
  /** Told of each conversion when it is recorded (the simulator's output). @default none */
  onConversion?: (conversion: Conversion & { customerId: string }) => void;
}

/**
 * When a step falling `delaySeconds` after `from` may go out: marketing waits for sending hours
 * in the customer's zone. Pass the profile when it is already loaded.
 */
export async function plannedAt(
  deps: Pick<EnrolDeps, 'store' | 'config'>,
  customerId: string,
  from: Date,
  delaySeconds: number,
  topic: Topic,
  profile?: CustomerProfile,
): Promise<{ at: Date; deferred: boolean }> {
  const due = new Date(from.getTime() + delaySeconds * 1000);
  if (topic !== 'marketing') return { at: due, deferred: false };
  const timeZone = (profile ?? (await deps.store.getCustomer(deps.config.tenant, customerId)))?.timeZone;
  const at = nextSendingTime(due, timeZone ?? DEFAULT_TIME_ZONE, deps.config.sendingHours ?? DEFAULT_SENDING_HOURS);
  return { at, deferred: at.getTime() !== due.getTime() };
}

/** Records that a step was moved out of quiet hours, and tells the observer. */
export async function recordDeferral(
  deps: Pick<EnrolDeps, 'store' | 'config' | 'observe'>,
  customerId: string,
  d: { at: string; journey: string; step: string; executionName: string; channel: 'email' | 'sms'; template: string; topic: Topic; until: Date },
): Promise<void> {
  const decision: Decision = { ...d, outcome: 'deferred', reason: 'quiet_hours', until: d.until.toISOString(), locale: '' };
  await deps.store.recordDecision(deps.config.tenant, customerId, decision);
  deps.observe?.({ ...decision, customerId });
}

/** A trigger too old to act on starts nothing; the decision log says why, as it does for every send not made. */
async function recordStaleTrigger(deps: EnrolDeps, customerId: string, journey: JourneyConfig, name: string): Promise<void> {
  // A graph is recorded at its first node: which send it would have reached depends on the walk.
  const first = (journey.steps && firstSend(journey)) || { id: journey.nodes?.[0]?.id ?? journey.id, channel: 'email', template: '', topic: journey.topic };
  const decision: Decision = {
    at: deps.clock.now().toISOString(),
    journey: journey.id,
    step: first.id,
    executionName: name,
    channel: first.channel === 'sms' || first.channel === 'staff' ? first.channel : 'email',
    outcome: 'suppressed',
    reason: 'stale_trigger',
    topic: first.topic,
    template: first.template,
    locale: '',
  };
  await deps.store.recordDecision(deps.config.tenant, customerId, decision);
  deps.observe?.({ ...decision, customerId });
  deps.log.info(LogCode.JourneyStaleTrigger, { journey: journey.id, executionName: name });
}

/** What the trigger brings beyond its customer: for the journeys' filters, their enrolment and their opening. */
export interface EnrolContext {
  /** A catalogue event's declared properties, split as the event splits them. */
  properties?: Record<string, PropertyValue>;
  personal?: Record<string, PropertyValue>;
  /** What the trigger is about, as conditions read it (`{ cart }`, `{ order }`, `{ invoice }`: core/filters.ts). */
  subject?: Subject;
  /** A date trigger's moment: the journey opens from it (its first wait, or the first send) rather than from now. */
  from?: Date;
}

/**
 * Enrols a customer in every journey with this trigger whose `filter` the trigger passes (a pure
 * decision over the profile, the subject, the properties and, only when a filter tests it,
 * consent as the event left it); a trigger older than the journey could still act on
 * (core/engine-time.ts, `isStaleTrigger`) starts nothing and is recorded as `stale_trigger`.
 * The execution name makes it idempotent.
 * Returns how many journeys this trigger started. Pass the profile when the caller has it, to plan
 * the first send without reading it again. A catalogue event's properties go on the enrolment (all
 * of them, under the customer) and into the execution's input (only those not personal).
 */
export async function enrol(trigger: Trigger, customerId: string, enrolKey: string, at: string, deps: EnrolDeps, profile?: CustomerProfile, context: EnrolContext = {}): Promise<number> {
  const { tenant } = deps.config;
  const properties = context.properties ?? {};
  const kept = { ...properties, ...context.personal };
  const passed = Object.keys(properties).length > 0 ? { properties } : {};
  const journeys = deps.journeys.filter((j) => j.trigger === trigger);
  let customer = profile;
  let facts: Parameters<typeof passesFilter>[1] | undefined;
  const admits = async (journey: JourneyConfig): Promise<boolean> => {
    if (!journey.filter) return true;
    if (!facts) {
      customer ??= await deps.store.getCustomer(tenant, customerId);
      // Consent as the event left it, read only when some filter tests it.
      const consent = await consentFor(journeys.map((j) => j.filter), customerId, deps);
      facts = { customer, subject: context.subject, consent, properties: kept, now: deps.clock.now() };
    }
    return passesFilter(journey.filter, facts);
  };
  let started = 0;
  for (const journey of journeys) {
    const name = executionName(journey.id, tenant, enrolKey, deps.erasedAt);
    if (!(await admits(journey))) {
      deps.log.info(LogCode.JourneyFiltered, { journey: journey.id, executionName: name });
      continue;
    }
    if (isStaleTrigger(at, journeySpanSeconds(journey), deps.clock.now())) {
      await recordStaleTrigger(deps, customerId, journey, name);
      continue;
    }
    const now = deps.clock.now();
    const opening = await openingWait(journey, customerId, context.from ?? now, deps, customer);
    if (!opening) continue;
    const { planned, first } = opening;
    const enrolment = {
      journey: journey.id,
      key: enrolKey,
      executionName: name,
      startedAt: at,
      version: journeyVersion(journey),
      ...openingEdges(journey.nodes),
      ...(deps.startedBy ? { startedBy: deps.startedBy } : {}),
      ...(Object.keys(kept).length > 0 ? { properties: kept } : {}),
    };
    // Without a cool-down the conditional create is the check: a new enrolment costs one write.
    // Whether this trigger made the enrolment: true too when it is applied again after a crash.
    let own = journey.cooldownDays === 0 && (await deps.store.createEnrolment(tenant, customerId, enrolment));
    if (!own) {
      const existing = await deps.store.getEnrolment(tenant, customerId, journey.id, enrolKey);
      if (!existing) {
        if (journey.cooldownDays > 0) {
          const until = new Date(now.getTime() + journey.cooldownDays * 86_400_000).toISOString();
          if (!(await deps.store.claimCooldown(tenant, customerId, journey.id, now.toISOString(), until))) continue;
        }
        await deps.store.createEnrolment(tenant, customerId, enrolment);
        own = true;
      } else if (existing.status !== 'active') {
        // Ended (goal reached, stopped): a replayed trigger does not start it again.
        continue;
      } else {
        own = deps.startedBy !== undefined && existing.startedBy === deps.startedBy;
      }
    }
    const result = await deps.runner.start(journey.id, name, { version: 1, tenant, customerId, journey: journey.id, key: enrolKey, firstAt: planned.at.toISOString(), ...passed });
    // Also when an earlier attempt of this trigger started it and crashed before recording this
    // (applied as of the same time, the decision is the same item, written once).
    if (planned.deferred && (result === 'started' || own)) {
      await recordDeferral(deps, customerId, {
        at: now.toISOString(),
        journey: journey.id,
        step: first.id,
        executionName: name,
        channel: first.channel === 'sms' ? 'sms' : 'email',
        template: first.template,
        topic: first.topic ?? journey.topic,
        until: planned.at,
      });
    }
    // Counted for the trigger that started it, also when applied again after a crash; the metric counts starts.
    if (result === 'started' || own) started++;
    if (result === 'started') {
      deps.log.info(LogCode.JourneyStarted, { journey: journey.id, executionName: name });
      (deps.metrics ?? noMetrics).count(MetricName.JourneyStarted, { journey: journey.id });
    }
  }
  return started;
}

/**
 * When a journey's first wait ends, and the send it leads to: the first step's delay, or the
 * graph's opening wait (moved into sending hours when marketing follows it). A graph opening
 * with a date wait the customer has no date for is not entered. Measured from `from`: now, or a
 * date trigger's moment.
 */
async function openingWait(
  journey: JourneyConfig,
  customerId: string,
  from: Date,
  deps: EnrolDeps,
  profile: CustomerProfile | undefined,
): Promise<{ planned: { at: Date; deferred: boolean }; first: { id: string; channel: string; template: string; topic: Topic } } | undefined> {
  const flow = journeyFlow(journey);
  if (!flow) {
    const first = firstSend(journey)!;
    return { planned: await plannedAt(deps, customerId, from, stepDelays(journey)[0]!, first.topic, profile), first };
  }
  const start = flow.node(flow.start);
  // A date journey's compiled start waits for `firstAt` (infra/journey-graph.ts); the walk then keeps sending hours.
  if (!start.wait) return { planned: { at: from, deferred: false }, first: { id: start.id, channel: 'email', template: '', topic: journey.topic } };
  const customer = profile ?? (await deps.store.getCustomer(deps.config.tenant, customerId));
  const end = waitEnd(start.wait, from, { timeZone: customer?.timeZone, attributes: customer?.attributes });
  if (!('at' in end)) return undefined;
  // The walk after the wait may take any branch: a deferral is recorded at the node it begins at.
  const next = flow.segment(start.next!);
  const send = next.nodes.find((n) => flow.isMarketingSend(n.id));
  const first = { id: start.next!, channel: 'email', template: '', topic: send ? ('marketing' as const) : journey.topic };
  if (!send) return { planned: { at: end.at, deferred: false }, first };
  return { planned: await plannedAt(deps, customerId, end.at, 0, 'marketing', customer), first };
}

/**
 * Ends the journeys that `event` is an exit for: by the event's key, or every enrolment of the
 * customer. Each execution is stopped before its enrolment ends: an attempt that crashes between the
 * two leaves the enrolment active, so the redelivery finds it again and stops it (a stop is idempotent).
 */
export async function endJourneys(event: ExitEvent, customerId: string, enrolKey: string | undefined, deps: EnrolDeps): Promise<number> {
  const { tenant } = deps.config;
  let ended = 0;
  for (const journey of deps.journeys) {
    const scope = exitScope(journey, event);
    if (!scope) continue;
    const active = scope === 'customer' ? await deps.store.activeEnrolments(tenant, customerId, journey.id) : [];
    if (enrolKey && !active.some((e) => e.key === enrolKey)) {
      const keyed = scope === 'customer' ? undefined : await deps.store.getEnrolment(tenant, customerId, journey.id, enrolKey);
      if (keyed?.status === 'active') active.push(keyed);
    }
    for (const { key, executionName: current } of active) {
      // A journey graph's awaited event may have moved it to a continuation.
      const name = current ?? executionName(journey.id, tenant, key);
      await deps.runner.stop(journey.id, name, event);
      if (!(await deps.store.endEnrolment(tenant, customerId, journey.id, key, 'goal-reached', event, deps.clock.now().toISOString()))) continue;
      deps.log.info(LogCode.JourneyStopped, { journey: journey.id, executionName: name, reason: event });
      (deps.metrics ?? noMetrics).count(MetricName.JourneyEnded, { journey: journey.id, reason: event });
      ended++;
    }
  }
  return ended;
}

/**
 * Marketing consent on the channels some of the conditions test, and only those (one read each):
 * what a filter, a waitFor's filter or a segment's `where` decides on besides what the caller has.
 */
export async function consentFor(conditions: readonly (Condition | undefined)[], customerId: string, deps: Pick<EnrolDeps, 'config' | 'store'>): Promise<NonNullable<FilterFacts['consent']>> {
  const channels = [...new Set(conditions.flatMap((c) => conditionReads(c).consent))];
  return Object.fromEntries(await Promise.all(channels.map(async (ch) => [ch, await deps.store.getConsent(deps.config.tenant, customerId, ch, 'marketing')] as const)));
}
