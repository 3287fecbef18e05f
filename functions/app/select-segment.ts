import type { JourneyConfig } from '../../workflows/src/journey.ts';
import { zonedTime } from '../../workflows/src/quiet-hours.ts';
import { type EnrolDeps, enrol } from './enrolment.ts';
import type { CustomerProfile } from '../core/model.ts';

export interface SelectionResult {
  journey: string;
  day: string;
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
 * One scheduled run of a segment journey: reads the sparse last-order index for the one day
 * that is exactly `noPurchaseForDays` ago (a customer who bought since has moved to a later
 * day), applies the RFM rules and enrols each match once per run; the cool-down keeps anyone
 * from re-entering too soon.
 */
export async function selectSegment(journey: JourneyConfig, runAt: Date, deps: EnrolDeps): Promise<SelectionResult> {
  if (!journey.segment) throw new Error(`journey ${journey.id} has no segment`);
  const day = new Date(runAt.getTime() - journey.segment.noPurchaseForDays * 86_400_000).toISOString().slice(0, 10);
  const runDay = runAt.toISOString().slice(0, 10);
  const result: SelectionResult = { journey: journey.id, day, examined: 0, matched: 0, started: 0 };
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await deps.store.customersByLastOrderDay(deps.config.tenant, day, cursor);
    cursor = page.cursor;
    for (const customer of page.items) {
      result.examined++;
      if (!matchesSegment(journey, customer)) continue;
      result.matched++;
      // One enrolment per customer per run: the key names both, so execution names never collide.
      result.started += await enrol('schedule', customer.customerId, `${runDay}.${customer.customerId}`, runAt.toISOString(), { ...deps, journeys: [journey] });
    }
  } while (cursor);
  return result;
}

/** The next run at or after `from` for a daily local time in a time zone (DST-safe). */
export function nextDailyRun(from: Date, dailyAt: string, timeZone: string): Date {
  for (let d = 0; d <= 2; d++) {
    const probe = new Date(from.getTime() + d * 86_400_000);
    const ymd = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(probe);
    const candidate = zonedTime(ymd, dailyAt, timeZone);
    if (candidate.getTime() >= from.getTime()) return candidate;
  }
  throw new Error('no run found');
}
