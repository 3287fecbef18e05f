import { type ExitEvent, exitScope, type JourneyConfig, stepDelays, type Topic, type Trigger } from '../../workflows/src/journey.ts';
import { DEFAULT_SENDING_HOURS, DEFAULT_TIME_ZONE, nextSendingTime, type SendingHours } from '../../workflows/src/quiet-hours.ts';
import { isStaleTrigger } from '../core/engine-time.ts';
import type { Clock } from '../shared/clock.ts';
import { executionName } from '../shared/ids.ts';
import type { JourneyRunner } from './ports.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import { MetricName, type Metrics, noMetrics } from '../shared/metrics.ts';
import type { StateStore } from './ports.ts';
import type { CustomerProfile, Decision } from '../core/model.ts';
import type { Conversion } from '../core/measurement.ts';

/** What starting and ending journeys needs; the ingest and the segment selection both have it. */
export interface EnrolDeps {
  config: { tenant: string; sendingHours?: SendingHours };
  store: StateStore;
  journeys: readonly JourneyConfig[];
  runner: JourneyRunner;
  clock: Clock;
  log: Log;
  /** Counts journeys started and ended. @default none */
  metrics?: Metrics;
  /** What is being applied (an event key, a scheduled run), kept on the enrolments it makes. @default none */
  startedBy?: string;
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

/** How long after enrolment a journey's last step is due. */
function journeySpanSeconds(journey: JourneyConfig): number {
  return stepDelays(journey).reduce((sum, d) => sum + d, 0);
}

/** A trigger too old to act on starts nothing; the decision log says why, as it does for every send not made. */
async function recordStaleTrigger(deps: EnrolDeps, customerId: string, journey: JourneyConfig, name: string): Promise<void> {
  const first = journey.steps[0]!;
  const decision: Decision = {
    at: deps.clock.now().toISOString(),
    journey: journey.id,
    step: first.id,
    executionName: name,
    channel: first.channel === 'sms' || first.channel === 'staff' ? first.channel : 'email',
    outcome: 'suppressed',
    reason: 'stale_trigger',
    topic: first.topic ?? journey.topic,
    template: first.template,
    locale: '',
  };
  await deps.store.recordDecision(deps.config.tenant, customerId, decision);
  deps.observe?.({ ...decision, customerId });
  deps.log.info(LogCode.JourneyStaleTrigger, { journey: journey.id, executionName: name });
}

/**
 * Enrols a customer in every journey with this trigger; a trigger older than the journey could
 * still act on (core/engine-time.ts, `isStaleTrigger`) starts nothing and is recorded as
 * `stale_trigger`. the execution name makes it idempotent.
 * Returns how many journeys this trigger started. Pass the profile when the caller has it, to plan
 * the first send without reading it again.
 */
export async function enrol(trigger: Trigger, customerId: string, enrolKey: string, at: string, deps: EnrolDeps, profile?: CustomerProfile): Promise<number> {
  const { tenant } = deps.config;
  let started = 0;
  for (const journey of deps.journeys.filter((j) => j.trigger === trigger)) {
    const name = executionName(journey.id, tenant, enrolKey);
    if (isStaleTrigger(at, journeySpanSeconds(journey), deps.clock.now())) {
      await recordStaleTrigger(deps, customerId, journey, name);
      continue;
    }
    const enrolment = { journey: journey.id, key: enrolKey, executionName: name, startedAt: at, ...(deps.startedBy ? { startedBy: deps.startedBy } : {}) };
    // Without a cool-down the conditional create is the check: a new enrolment costs one write.
    // Whether this trigger made the enrolment: true too when it is applied again after a crash.
    let own = journey.cooldownDays === 0 && (await deps.store.createEnrolment(tenant, customerId, enrolment));
    if (!own) {
      const existing = await deps.store.getEnrolment(tenant, customerId, journey.id, enrolKey);
      if (!existing) {
        if (journey.cooldownDays > 0) {
          const now = deps.clock.now();
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
    const first = journey.steps[0]!;
    const now = deps.clock.now();
    const planned = await plannedAt(deps, customerId, now, stepDelays(journey)[0]!, first.topic ?? journey.topic, profile);
    const result = await deps.runner.start(journey.id, name, { version: 1, tenant, customerId, journey: journey.id, key: enrolKey, firstAt: planned.at.toISOString() });
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
    for (const { key } of active) {
      const name = executionName(journey.id, tenant, key);
      await deps.runner.stop(journey.id, name, event);
      if (!(await deps.store.endEnrolment(tenant, customerId, journey.id, key, 'goal-reached', event, deps.clock.now().toISOString()))) continue;
      deps.log.info(LogCode.JourneyStopped, { journey: journey.id, executionName: name, reason: event });
      (deps.metrics ?? noMetrics).count(MetricName.JourneyEnded, { journey: journey.id, reason: event });
      ended++;
    }
  }
  return ended;
}
