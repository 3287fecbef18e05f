import { dateTimeFormat } from './intl.ts';
import { memoBy } from './memo.ts';

/**
 * Sending hours in the customer's time zone. A marketing message due outside them is moved to
 * the next moment inside them (not dropped). Pure; DST-safe because every comparison is made on
 * the local wall clock of the zone.
 */

export interface SendingHours {
  /** "08:00" */
  from: string;
  /** "20:00" (exclusive) */
  to: string;
}

export const DEFAULT_SENDING_HOURS: SendingHours = { from: '08:00', to: '20:00' };
export const DEFAULT_TIME_ZONE = 'Europe/Warsaw';

export function parseSendingHours(text: string): SendingHours {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(text.trim());
  if (!m || `${m[1]}:${m[2]}` >= `${m[3]}:${m[4]}`) throw new RangeError(`"${text}" is not a range of sending hours such as 08:00-20:00`);
  return { from: `${m[1]}:${m[2]}`, to: `${m[3]}:${m[4]}` };
}

/**
 * Wall-clock readings kept by zone and instant (and instants by zone and reading): every step and
 * enrolment of a run asks them for the few instants its clock stops at, and each costs an Intl call.
 */
const READINGS_KEPT = 10_000;

/** The wall clock in `timeZone` at `t`: its date and its hours and minutes. */
export function localParts(t: Date, timeZone: string): { ymd: string; hm: string } {
  return { ...wallClock(t.getTime(), timeZone) };
}

// Keyed by the number first: nothing before the first NUL can be part of the zone's name.
const wallClock = memoBy(READINGS_KEPT, (ms: number, timeZone: string) => `${ms}\u0000${timeZone}`, (ms: number, timeZone: string): { ymd: string; hm: string } => {
  const parts = Object.fromEntries(
    dateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return { ymd: `${parts['year']}-${parts['month']}-${parts['day']}`, hm: `${parts['hour']}:${parts['minute']}` };
});

/** The instant when the wall clock in `timeZone` shows `ymd hh:mm` (the later one if the hour repeats, the next valid one if it is skipped). */
export function zonedTime(ymd: string, hm: string, timeZone: string): Date {
  return new Date(instantOf(ymd, hm, timeZone));
}

const instantOf = memoBy(READINGS_KEPT, (ymd: string, hm: string, timeZone: string) => JSON.stringify([ymd, hm, timeZone]), (ymd: string, hm: string, timeZone: string): number => {
  const guess = Date.parse(`${ymd}T${hm}:00Z`);
  const offsetAt = (t: number) => {
    const p = Object.fromEntries(
      dateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
        .formatToParts(new Date(t))
        .map((x) => [x.type, x.value]),
    );
    return Date.UTC(Number(p['year']), Number(p['month']) - 1, Number(p['day']), Number(p['hour']), Number(p['minute']), Number(p['second'])) - t;
  };
  const first = guess - offsetAt(guess);
  return guess - offsetAt(first);
});

function addDays(ymd: string, n: number): string {
  return new Date(Date.parse(`${ymd}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** `due` if it falls inside the sending hours, otherwise the next opening. */
export function nextSendingTime(due: Date, timeZone = DEFAULT_TIME_ZONE, hours: SendingHours = DEFAULT_SENDING_HOURS): Date {
  const { ymd, hm } = localParts(due, timeZone);
  if (hm >= hours.from && hm < hours.to) return due;
  const day = hm < hours.from ? ymd : addDays(ymd, 1);
  return zonedTime(day, hours.from, timeZone);
}
