import type { JourneyConfig } from '../../workflows/src/journey.ts';
import type { Condition } from '../../workflows/src/nodes.ts';
import { addDays, earlierRun, runDay, segmentDays } from '../../workflows/src/triggers.ts';
import { conditionReads, inSegment } from '../core/filters.ts';
import { zonedTime } from '../../workflows/src/quiet-hours.ts';
import { dateTimeFormat } from '../../workflows/src/intl.ts';
import { consentFor, type EnrolDeps, enrol } from './enrolment.ts';
import { SEGMENT_LEASE_SECONDS } from '../shared/config.ts';
import { LogCode } from '../shared/logger.ts';
import type { CustomerProfile } from '../core/model.ts';

export interface SelectionResult {
  journey: string;
  /** The last-order day read (the latest, when a segment spans several). */
  day: string;
  /** Every last-order day read, when a segment spans several. */
  days?: string[];
  examined: number;
  matched: number;
  started: number;
}

/** RFM rules beyond recency, in złoty. */
export function matchesSegment(journey: JourneyConfig, c: CustomerProfile): boolean {
  const s = journey.segment;
  if (!s) return false;
  if (s.minOrders !== undefined && (c.orderCount ?? 0) < s.minOrders) return false;
  if (s.minSpentPln !== undefined && (c.spentPln ?? 0) < s.minSpentPln) return false;
  if (s.maxSpentPln !== undefined && (c.spentPln ?? 0) > s.maxSpentPln) return false;
  return true;
}

/**
 * One scheduled run of a segment journey: reads the sparse last-order index for each day the
 * segment asks for (`noPurchaseForDays`, or the days its `where` bounds `profile.daysSinceLastOrder`
 * to; a customer who bought since has moved to a later day), tests each customer there (the RFM
 * rules, or the conditions: the index's projection alone, the profile read only when they test
 * more of it, consent only when they test it) and enrols each match once per run; the cool-down
 * keeps anyone from re-entering too soon.
 */
export async function selectSegment(journey: JourneyConfig, runAt: Date, deps: EnrolDeps): Promise<SelectionResult> {
  const segment = journey.segment;
  if (!segment) throw new Error(`journey ${journey.id} has no segment`);
  const offsets = segment.where ? segmentDays(segment.where) : segment.noPurchaseForDays !== undefined ? [segment.noPurchaseForDays] : undefined;
  if (!offsets || offsets.length === 0) throw new Error(`journey ${journey.id}: its segment names no days since the last order`);
  // Counted back from the run's own day (see runDay): the runs of consecutive days read consecutive
  // last-order days, whatever the clocks did in between.
  const today = runDay(journey, runAt);
  const days = offsets.map((offset) => addDays(today, -offset));
  const result: SelectionResult = { journey: journey.id, day: days[0]!, ...(days.length > 1 ? { days } : {}), examined: 0, matched: 0, started: 0 };
  const reads = conditionReads(segment.where);
  for (const [i, day] of days.entries()) {
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await deps.store.customersByLastOrderDay(deps.config.tenant, day, cursor);
      cursor = page.cursor;
      for (const candidate of page.items) {
        result.examined++;
        const profile = segment.where && reads.profile ? await deps.store.getCustomer(deps.config.tenant, candidate.customerId) : undefined;
        // Read and gone: erased since the index was read (a DynamoDB index catches up a moment later).
        if (segment.where && reads.profile && !profile) continue;
        if (!(await matches(journey, segment.where, profile ?? candidate, offsets[i]!, runAt, deps))) continue;
        result.matched++;
        // One enrolment per customer per run: the key names both, so execution names never collide.
        result.started += await enrol('schedule', candidate.customerId, `${today}.${candidate.customerId}`, runAt.toISOString(), { ...deps, journeys: [journey] }, profile);
      }
    } while (cursor);
  }
  return result;
}

async function matches(journey: JourneyConfig, where: Condition | undefined, customer: CustomerProfile, days: number, now: Date, deps: EnrolDeps): Promise<boolean> {
  if (!where) return matchesSegment(journey, customer);
  const consent = await consentFor([where], customer.customerId, deps);
  return inSegment(where, { customer, days, consent, now });
}

/** How many days back a run looks for a crashed run of an earlier day to complete (claims are kept 8 days). */
export const SEGMENT_CATCH_UP_DAYS = 7;

/** One run's selection of one shop: a segment's (below) or a date journey's (select-dates.ts). */
export type Selection = (journey: JourneyConfig, runAt: Date, deps: EnrolDeps) => Promise<SelectionResult>;

/** The selection's dependencies and the shops every run selects for. */
export interface SegmentDeps extends EnrolDeps {
  shops: readonly string[];
}

export interface ScheduledRun extends SelectionResult {
  tenant: string;
  /** `ran` this invocation; `resumed`: an earlier day's crashed run, completed now; `skipped`: done, or another invocation holds it. */
  run: 'ran' | 'resumed' | 'skipped';
}

/**
 * One scheduled invocation: for every shop, the day's selection (`select`: a segment's by default) once (a lease on the shop, journey
 * and day, done only when every enrolment is made), after completing any run of the last
 * SEGMENT_CATCH_UP_DAYS days that crashed (its lease ran out; enrolling is idempotent, so it is
 * applied again from the start, as of its first claim). A failing shop does not keep the others
 * from running; its lease is given back and the error raised at the end, so the invocation is retried.
 */
export async function runScheduledSelection(journey: JourneyConfig, runAt: Date, shops: readonly string[], deps: EnrolDeps, select: Selection = selectSegment): Promise<ScheduledRun[]> {
  const results: ScheduledRun[] = [];
  const failures: unknown[] = [];
  for (const tenant of shops) {
    const shopDeps = { ...deps, config: { ...deps.config, tenant } };
    try {
      for (let back = SEGMENT_CATCH_UP_DAYS; back >= 1; back--) {
        const earlier = await leasedSelection(journey, earlierRun(journey, runAt, back), shopDeps, true, select);
        if (earlier) results.push(earlier);
      }
      results.push((await leasedSelection(journey, runAt, shopDeps, false, select)) ?? skipped(journey, runAt, tenant));
    } catch (e) {
      failures.push(e);
    }
  }
  if (failures.length > 0) throw failures[0];
  return results;
}

function skipped(journey: JourneyConfig, runAt: Date, tenant: string): ScheduledRun {
  return { tenant, run: 'skipped', journey: journey.id, day: runDay(journey, runAt), examined: 0, matched: 0, started: 0 };
}

/** The run of one shop and day under its lease; `resume` only completes a crashed one (undefined when there is none). */
async function leasedSelection(journey: JourneyConfig, runAt: Date, deps: EnrolDeps, resume: boolean, select: Selection): Promise<ScheduledRun | undefined> {
  const { tenant } = deps.config;
  const key = `schedule:${journey.id}:${runDay(journey, runAt)}`;
  const claim = await deps.store.claimEvent(tenant, key, deps.clock.now(), SEGMENT_LEASE_SECONDS, { resume });
  if (claim.state !== 'claimed') {
    if (!resume) deps.log.info(LogCode.SegmentRunSkipped, { journey: journey.id, tenant, state: claim.state });
    return undefined;
  }
  if (resume) deps.log.warn(LogCode.SegmentRunResumed, { journey: journey.id, tenant, day: runDay(journey, runAt) });
  try {
    const result = await select(journey, runAt, { ...deps, clock: { now: () => new Date(claim.since) }, startedBy: key });
    await deps.store.completeEvent(tenant, key, deps.clock.now());
    return { ...result, tenant, run: resume ? 'resumed' : 'ran' };
  } catch (e) {
    await deps.store.releaseEvent(tenant, key, claim.lease).catch(() => undefined);
    throw e;
  }
}

/** The next run at or after `from` for a daily local time in a time zone (DST-safe). */
export function nextDailyRun(from: Date, dailyAt: string, timeZone: string): Date {
  for (let d = 0; d <= 2; d++) {
    const probe = new Date(from.getTime() + d * 86_400_000);
    const ymd = dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(probe);
    const candidate = zonedTime(ymd, dailyAt, timeZone);
    if (candidate.getTime() >= from.getTime()) return candidate;
  }
  throw new Error('no run found');
}
