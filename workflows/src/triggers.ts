import { z } from 'zod';
import { conditionViolations, type DeclaredFields, isComparison, type SubjectKind } from './conditions.ts';
import type { JourneyConfig, Violation } from './journey.ts';
import { type Condition, Hm, SignedDuration } from './nodes.ts';
import { DEFAULT_TIME_ZONE, localParts, zonedTime } from './quiet-hours.ts';
import { didYouMean } from './suggest.ts';
import { signedSeconds, waitEnd } from './waits.ts';

/**
 * What starts a journey besides its trigger: the `filter` an event must pass to enrol, the
 * `segment` a scheduled run selects, and the `date` of a date trigger. The schema parts and the
 * rules a schema cannot say; the runtime is in functions/app (enrolment, select-segment,
 * select-dates). Pure.
 */

/**
 * `trigger: date`: a declared attribute of type date (a birthday), met at `at` in the customer's
 * zone (09:00 unless given), moved by `offset` (-P1D: the day before), every year when `yearly`,
 * otherwise once, on the date itself. The same computation as a `wait` on a date (waits.ts).
 */
export const DateTrigger = z.strictObject({
  attribute: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be the name of a date attribute such as birthday'),
  offset: SignedDuration.optional(),
  at: Hm.optional(),
  yearly: z.boolean().optional(),
});
export type DateTrigger = z.infer<typeof DateTrigger>;

/** When a date journey's daily run is, unless its `schedule` says: any time will do, as each run enrols the day ahead. */
export const DATE_RUN = { dailyAt: '00:00', timeZone: 'UTC' } as const;

/** The daily run of a scheduled or date journey (EventBridge Scheduler on AWS, the local scheduler); none for the rest. */
export function dailyRun(journey: Pick<JourneyConfig, 'trigger' | 'schedule'>): { dailyAt: string; timeZone: string } | undefined {
  if (journey.trigger === 'schedule') return journey.schedule;
  if (journey.trigger === 'date') return journey.schedule ?? DATE_RUN;
  return undefined;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A calendar date (YYYY-MM-DD) moved by whole days. */
export function addDays(ymd: string, days: number): string {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/**
 * The day a scheduled run is for: its date where the schedule keeps time, so that the runs of
 * consecutive days have consecutive days across a change of clocks (at 01:30 in Warsaw, Monday's
 * run after the spring change is at 23:30 UTC on Sunday, and UTC would give both Sunday's date).
 * It names the run's lease and its enrolments, and the days a segment counts back from.
 */
export function runDay(journey: Pick<JourneyConfig, 'trigger' | 'schedule'>, runAt: Date): string {
  return localParts(runAt, dailyRun(journey)?.timeZone ?? 'UTC').ymd;
}

/** The scheduled instant of the run `back` days before the one at `runAt` (its dailyAt, in its zone, that day). */
export function earlierRun(journey: Pick<JourneyConfig, 'trigger' | 'schedule'>, runAt: Date, back: number): Date {
  const run = dailyRun(journey);
  if (!run) return new Date(runAt.getTime() - back * DAY);
  return zonedTime(addDays(runDay(journey, runAt), -back), run.dailyAt, run.timeZone);
}

/**
 * The days of the year (MM-DD) whose customers may meet a date journey's moment in [from, until),
 * whatever their zone (UTC−12 to UTC+14): the date index partitions a run reads. 29 February comes
 * with 28 February, where it falls in other years.
 */
export function dateCandidates(spec: DateTrigger, from: Date, until: Date): string[] {
  const shift = signedSeconds(spec.offset) * 1000;
  const first = Date.parse(new Date(from.getTime() - shift - 12 * HOUR).toISOString().slice(0, 10));
  const last = until.getTime() - shift + 14 * HOUR;
  const out = new Set<string>();
  for (let t = first; t <= last; t += DAY) out.add(new Date(t).toISOString().slice(5, 10));
  if (out.has('02-28')) out.add('02-29');
  return [...out];
}

/**
 * When a customer's date journey moment falls in [from, until): the instant (the same computation
 * as a `wait` on the date, waits.ts, in the customer's zone), the day of the date it is for, and
 * the period it is the occurrence of: the year for a yearly date (one enrolment a year, even when
 * the customer corrects the date after this year's), the day itself otherwise. Undefined without
 * the date, or outside.
 */
export function dateOccurrence(spec: DateTrigger, customer: { attributes?: Readonly<Record<string, unknown>>; timeZone?: string }, from: Date, until: Date): { at: Date; day: string; period: string } | undefined {
  const timeZone = customer.timeZone ?? DEFAULT_TIME_ZONE;
  const end = waitEnd({ date: spec.attribute, offset: spec.offset, at: spec.at, yearly: spec.yearly }, new Date(from.getTime() - 1), { timeZone, attributes: customer.attributes });
  if (!('at' in end) || end.at.getTime() < from.getTime() || end.at.getTime() >= until.getTime()) return undefined;
  const day = localParts(new Date(end.at.getTime() - signedSeconds(spec.offset) * 1000), timeZone).ymd;
  return { at: end.at, day, period: spec.yearly ? day.slice(0, 4) : day };
}

const DAYS = 'profile.daysSinceLastOrder';
/** The most last-order days one run of a segment written as conditions reads (one index query each). */
export const SEGMENT_MAX_DAYS = 31;
/** Longer than any segment: noPurchaseForDays goes to 3650. */
const NO_BOUND = 3650;

const isDay = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= NO_BOUND;

function range(lo: number, hi: number): Set<number> {
  const out = new Set<number>();
  for (let d = Math.max(lo, 0); d <= hi; d++) out.add(d);
  return out;
}

/** The days both allow (all of `b` when `a` is open). */
const narrow = (a: Set<number> | undefined, b: Set<number>) => (a ? new Set([...a].filter((x) => b.has(x))) : b);

/** The days a condition lets through, or undefined when it does not bound them. */
function daysOf(c: Condition): Set<number> | undefined {
  if (isComparison(c)) return c.field === DAYS ? daysOf({ all: [c] }) : undefined;
  if ('any' in c) {
    const parts = c.any.map(daysOf);
    return parts.some((p) => p === undefined) ? undefined : new Set(parts.flatMap((p) => [...p!]));
  }
  if ('not' in c) return undefined;
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  let only: Set<number> | undefined;
  for (const x of c.all) {
    if (isComparison(x) && x.field === DAYS) {
      if (x.gt !== undefined) lo = Math.max(lo, Math.floor(x.gt) + 1);
      if (x.gte !== undefined) lo = Math.max(lo, Math.ceil(x.gte));
      if (x.lt !== undefined) hi = Math.min(hi, Math.ceil(x.lt) - 1);
      if (x.lte !== undefined) hi = Math.min(hi, Math.floor(x.lte));
      if (x.is !== undefined) only = narrow(only, new Set([x.is].filter(isDay)));
      if (x.in !== undefined) only = narrow(only, new Set(x.in.filter(isDay)));
      continue;
    }
    const inner = daysOf(x);
    if (inner) only = narrow(only, inner);
  }
  if (hi <= NO_BOUND) only = narrow(only, range(lo, hi));
  return only && new Set([...only].filter((d) => d >= lo && d <= hi));
}

/**
 * The days since the last order a segment's customers can have, as its condition bounds
 * `profile.daysSinceLastOrder` (`is`, `in`, an upper bound, `all` and `any` of those), ascending;
 * undefined when it leaves them open. Each is one partition of the last-order index to read.
 */
export function segmentDays(where: Condition): number[] | undefined {
  const days = daysOf(where);
  return days && [...days].sort((a, b) => a - b);
}

/** The rules of filter, segment, schedule and date that a schema cannot say. */
export function triggerViolations(journey: JourneyConfig, o: { subject?: SubjectKind; declared?: DeclaredFields }): Violation[] {
  const out: Violation[] = [];
  const { trigger, filter, segment, date } = journey;
  if (filter) {
    if (trigger === 'schedule') out.push({ path: 'filter', message: 'a scheduled journey picks its customers with `segment`; `filter` is for journeys started by an event or a date' });
    else out.push(...conditionViolations(filter, 'filter', { declared: o.declared, subject: o.subject }));
  }
  if (trigger === 'date' && !date) out.push({ path: 'trigger', message: 'a journey with trigger: date needs `date: { attribute, offset, at, yearly }`' });
  if (trigger !== 'date' && date) out.push({ path: 'date', message: '`date` belongs to journeys with trigger: date' });
  if (date && o.declared && o.declared.attributes?.[date.attribute] !== 'date') {
    const dates = Object.entries(o.declared.attributes ?? {}).flatMap(([name, type]) => (type === 'date' ? [name] : []));
    out.push({ path: 'date.attribute', message: `no date attribute "${date.attribute}" in workflows/events/attributes.yaml${didYouMean(date.attribute, dates)}` });
  }
  if (trigger === 'schedule' && (!segment || !journey.schedule)) out.push({ path: 'segment', message: 'a scheduled journey needs `segment` and `schedule`' });
  if (trigger === 'date' && segment) out.push({ path: 'segment', message: '`segment` belongs to journeys with trigger: schedule; a date journey may have a `filter`' });
  if (trigger !== 'schedule' && trigger !== 'date' && (segment || journey.schedule)) {
    out.push({ path: 'trigger', message: '`segment` and `schedule` belong to journeys with trigger: schedule' });
  }
  if (segment && trigger === 'schedule') out.push(...segmentViolations(segment, o.declared));
  return out;
}

function segmentViolations(segment: NonNullable<JourneyConfig['segment']>, declared: DeclaredFields | undefined): Violation[] {
  if ((segment.noPurchaseForDays === undefined) === (segment.where === undefined)) {
    return [{ path: 'segment', message: 'a segment takes one of noPurchaseForDays (with minOrders, minSpentPln, maxSpentPln) or where (conditions)' }];
  }
  if (!segment.where) return [];
  const out: Violation[] = [];
  for (const rule of ['minOrders', 'minSpentPln', 'maxSpentPln'] as const) {
    if (segment[rule] !== undefined) out.push({ path: `segment.${rule}`, message: `${rule} goes with noPurchaseForDays; in \`where\`, test profile.ordersCount or profile.lifetimeSpend` });
  }
  out.push(...conditionViolations(segment.where, 'segment.where', { declared: { attributes: declared?.attributes }, scope: 'in a segment' }));
  if (out.length > 0) return out;
  const days = segmentDays(segment.where);
  const how = `bound ${DAYS} with is, in or lte (with gte), at most ${SEGMENT_MAX_DAYS} days`;
  if (!days) out.push({ path: 'segment.where', message: `a run reads customers by the day of their last order, never every customer: ${how}` });
  else if (days.length === 0) out.push({ path: 'segment.where', message: `no number of days since the last order passes this segment` });
  else if (days.length > SEGMENT_MAX_DAYS) out.push({ path: 'segment.where', message: `this segment spans ${days.length} days since the last order, a query each run: ${how}` });
  return out;
}
