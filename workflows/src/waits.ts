import { parseDurationSeconds } from './duration.ts';
import type { Weekday, WaitSpec } from './nodes.ts';
import { DEFAULT_TIME_ZONE, localParts, zonedTime } from './quiet-hours.ts';

/**
 * When a `wait` node ends, from the moment the walk reaches it: the one place wait times are
 * computed (the step function, the ingest planning a journey's first wait, and the simulator all
 * call this). Local times are the customer's zone. Pure.
 */

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function addDays(ymd: string, n: number): string {
  return new Date(Date.parse(`${ymd}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function weekdayOf(ymd: string): Weekday {
  return WEEKDAYS[new Date(`${ymd}T12:00:00Z`).getUTCDay()]!;
}

/** The first instant after `from` when the local clock shows `hm`, on one of `weekdays` when given. */
export function nextLocalTime(from: Date, hm: string, timeZone: string, weekdays?: readonly Weekday[]): Date {
  const { ymd } = localParts(from, timeZone);
  for (let i = 0; i <= 8; i++) {
    const day = addDays(ymd, i);
    if (weekdays && !weekdays.includes(weekdayOf(day))) continue;
    const t = zonedTime(day, hm, timeZone);
    if (t.getTime() > from.getTime()) return t;
  }
  throw new Error(`no ${hm} on ${weekdays?.join(',')} within a week`);
}

/** A signed duration (`-P1D`) in seconds; none is 0. */
export function signedSeconds(offset: string | undefined): number {
  if (!offset) return 0;
  return offset.startsWith('-') ? -parseDurationSeconds(offset.slice(1)) : parseDurationSeconds(offset);
}

/** A date attribute as YYYY-MM-DD ("1990-05-17", or the date part of an ISO timestamp), if it is one. */
export function dateOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m || Number.isNaN(Date.parse(`${m[0]}T00:00:00Z`))) return undefined;
  return m[0];
}

export type WaitEnd = { at: Date } | { none: 'no_date' };

/**
 * When the wait ends. A date wait whose attribute the customer lacks has no end: the journey
 * ends there for them (`no_date`). A yearly date wait takes the next anniversary still ahead.
 */
export function waitEnd(spec: WaitSpec, from: Date, o: { timeZone?: string; attributes?: Readonly<Record<string, unknown>> } = {}): WaitEnd {
  const timeZone = o.timeZone ?? DEFAULT_TIME_ZONE;
  if (spec.for !== undefined) return { at: new Date(from.getTime() + parseDurationSeconds(spec.for) * 1000) };
  if (spec.until !== undefined) return { at: nextLocalTime(from, spec.until, timeZone, spec.weekdays) };
  const date = dateOf(o.attributes?.[spec.date ?? '']);
  if (!date) return { none: 'no_date' };
  const at = (ymd: string) => new Date(zonedTime(ymd, spec.at ?? '09:00', timeZone).getTime() + signedSeconds(spec.offset) * 1000);
  if (!spec.yearly) return { at: at(date) };
  const thisYear = Number(localParts(from, timeZone).ymd.slice(0, 4));
  for (const year of [thisYear - 1, thisYear, thisYear + 1, thisYear + 2]) {
    // 29 February falls on 28 February in other years.
    let ymd = `${year}${date.slice(4)}`;
    if (ymd.endsWith('02-29') && Number.isNaN(Date.parse(`${ymd}T00:00:00Z`))) ymd = `${year}-02-28`;
    if (new Date(`${ymd}T00:00:00Z`).getUTCMonth() !== Number(date.slice(5, 7)) - 1) ymd = `${year}-02-28`;
    const t = at(ymd);
    if (t.getTime() > from.getTime()) return { at: t };
  }
  return { none: 'no_date' };
}

/** A wait's length for the graph and for stale-trigger checks: its duration, or at most a day (a week on weekdays, a year for dates). */
export function waitSpanSeconds(spec: WaitSpec): number {
  if (spec.for !== undefined) return parseDurationSeconds(spec.for);
  if (spec.until !== undefined) return spec.weekdays ? 7 * 86_400 : 86_400;
  return 366 * 86_400;
}
