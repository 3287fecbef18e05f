import type { JourneyConfig } from '../../workflows/src/journey.ts';
import { dailyRun, dateCandidates, dateOccurrence, runDay } from '../../workflows/src/triggers.ts';
import { dateOf } from '../../workflows/src/waits.ts';
import { type EnrolDeps, enrol } from './enrolment.ts';
import { nextDailyRun, type SelectionResult } from './select-segment.ts';

/**
 * Journeys with `trigger: date` (a birthday): the daily run that enrols the customers whose moment
 * comes before the next run, from the date index every profile write keeps (profile.ts).
 */

/**
 * One daily run of a date journey: every customer whose moment (the date attribute this year, at
 * `at` in their zone, moved by `offset`) falls between this run and the next is enrolled now, keyed
 * by the day it is for (once a year, or once), and the journey opens at the moment. It reads the
 * date index for the three or four days of the year that can fall in that window in some zone, and
 * each customer filed there (the profile holds the zone and the date itself, checked again here).
 */
export async function selectDates(journey: JourneyConfig, runAt: Date, deps: EnrolDeps): Promise<SelectionResult> {
  const spec = journey.date;
  const run = dailyRun(journey);
  if (!spec || !run) throw new Error(`journey ${journey.id} has no date trigger`);
  const until = nextDailyRun(new Date(runAt.getTime() + 60_000), run.dailyAt, run.timeZone);
  const days = dateCandidates(spec, runAt, until);
  const result: SelectionResult = { journey: journey.id, day: runDay(journey, runAt), days, examined: 0, matched: 0, started: 0 };
  const { tenant } = deps.config;
  const seen = new Set<string>();
  for (const monthDay of days) {
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await deps.store.customersByDate(tenant, spec.attribute, monthDay, cursor);
      cursor = page.cursor;
      for (const customerId of page.items) {
        if (seen.has(customerId)) continue;
        seen.add(customerId);
        result.examined++;
        const profile = await deps.store.getCustomer(tenant, customerId);
        // The entry lives as long as the profile: filed again as of the profile's last update, so
        // with the profile's own expiry (a newer entry stays, and nothing is written back once the
        // profile is gone), or taken out when there is no profile. A customer who keeps buying keeps
        // the birthday they gave years ago.
        const date = profile ? dateOf(profile.attributes?.[spec.attribute]) : undefined;
        await deps.store.fileDate(tenant, customerId, spec.attribute, date, profile?.updatedAt ?? runAt.toISOString(), profile?.updatedAt);
        const moment = profile && dateOccurrence(spec, profile, runAt, until);
        if (!moment) continue;
        result.matched++;
        result.started += await enrol('date', customerId, `${moment.period}.${customerId}`, runAt.toISOString(), { ...deps, journeys: [journey] }, profile, { from: moment.at });
      }
    } while (cursor);
  }
  return result;
}
