import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import { selectDates } from '../../functions/app/select-dates.ts';
import { runScheduledSelection, selectSegment } from '../../functions/app/select-segment.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { conditionFacts } from '../../functions/core/facts.ts';
import { attributesSchema } from '../../functions/core/properties.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';
import type { Condition } from '../../workflows/src/nodes.ts';
import { loadCatalogue } from '../../workflows/src/load.ts';
import { zonedTime } from '../../workflows/src/quiet-hours.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * Days as scheduled runs and conditions count them: a run's day is its date where the schedule
 * keeps time, whatever the clocks did; one occurrence of a yearly date per year; one count of
 * days since the last order for segments, filters and branches.
 */
const EMAIL = 'ala@example.pl';

function world(journeys: JourneyConfig[], start: Date) {
  let now = start;
  const store = new MemoryStore();
  const runner = new RecordingRunner();
  const deps: EnrolDeps = { config: { tenant: 'default' }, store, journeys, catalogue: loadCatalogue(), runner, clock: { now: () => now }, log: silentLog };
  const update = (attributes: Record<string, string>): DomainEvent => ({ key: `u-${now.toISOString()}`, source: 'api', occurredAt: now.toISOString(), type: 'customer.updated', customer: { email: EMAIL, attributes } });
  return { store, runner, deps, update, at: (t: Date) => (now = t), keys: () => [...runner.started.values()].map((i) => i.key) };
}

/** A segment journey run daily at `dailyAt` in Warsaw, selecting by `where`. */
const quiet = (dailyAt: string, where: Condition) =>
  JourneyConfig.parse({ id: 'quiet', name: 'Quiet', trigger: 'schedule', schedule: { dailyAt, timeZone: 'Europe/Warsaw' }, segment: { where }, topic: 'marketing', nodes: [{ id: 'w', send: { channel: 'email', template: 'welcome-hello' } }] });

const birthday = (o: Record<string, unknown> = {}) =>
  JourneyConfig.parse({ id: 'birthday', name: 'Birthday', trigger: 'date', date: { attribute: 'birthday', yearly: true }, topic: 'marketing', nodes: [{ id: 'w', send: { channel: 'email', template: 'welcome-hello' } }], ...o });

describe('a date attribute', () => {
  it('sent with its offset is filed under the day the sender wrote, not the UTC one', async () => {
    const w = world([], new Date('2026-05-01T08:00:00Z'));
    // As the event API's door reads it.
    const attributes = attributesSchema(loadCatalogue().attributes).parse({ birthday: '1990-05-17T00:00:00+02:00' }) as Record<string, string>;
    await acceptEvents([w.update(attributes)], w.deps);
    expect((await w.store.customersByDate('default', 'birthday', '05-17')).items).toEqual([customerIdFor('default', { email: EMAIL })]);
    expect((await w.store.customersByDate('default', 'birthday', '05-16')).items).toEqual([]);
  });

  it('corrected after this year’s occurrence is not celebrated again that year', async () => {
    const j = birthday();
    const w = world([j], new Date('2026-05-10T00:00:00Z'));
    await acceptEvents([w.update({ birthday: '1990-05-17' })], w.deps);
    const d17 = new Date('2026-05-17T00:00:00Z');
    w.at(d17);
    expect(await selectDates(j, d17, w.deps)).toMatchObject({ started: 1 });
    w.at(new Date('2026-05-17T12:00:00Z'));
    await acceptEvents([w.update({ birthday: '1990-05-18' })], w.deps);
    const d18 = new Date('2026-05-18T00:00:00Z');
    w.at(d18);
    expect(await selectDates(j, d18, w.deps)).toMatchObject({ matched: 1, started: 0 });
    expect(w.keys()).toHaveLength(1);
  });
});

describe('the date index over the years', () => {
  it('follows the profile: a date run files the entry again as of the profile’s last update, and takes out one without a profile', async () => {
    const j = birthday();
    const w = world([j], new Date('2024-03-01T08:00:00Z'));
    await acceptEvents([w.update({ birthday: '1990-05-17' })], w.deps);
    const id = customerIdFor('default', { email: EMAIL })!;
    // Two years of orders later the profile is fresh; the entry is still as of 2024.
    w.at(new Date('2026-05-01T08:00:00Z'));
    await acceptEvents([{ key: 'o', source: 'api', type: 'order.placed', occurredAt: '2026-05-01T08:00:00.000Z', customer: { email: EMAIL }, order: { id: 'o-1', total: '10.00', currency: 'PLN', items: [] } }], w.deps);
    const before = (await w.store.exportCustomer('default', id))['dates'] as { at: string }[];
    expect(before.map((d) => d.at)).toEqual(['2024-03-01T08:00:00.000Z']);
    // A customer filed under the day with no profile left (say, it expired).
    await w.store.fileDate('default', 'c_gone', 'birthday', '1980-05-17', '2024-01-01T00:00:00.000Z');
    const run = new Date('2026-05-17T00:00:00Z');
    w.at(run);
    expect(await selectDates(j, run, w.deps)).toMatchObject({ started: 1 });
    const profile = await w.store.getCustomer('default', id);
    expect(profile!.updatedAt).toBe('2026-05-01T08:00:00.000Z');
    expect(((await w.store.exportCustomer('default', id))['dates'] as { at: string }[]).map((d) => d.at)).toEqual([profile!.updatedAt]);
    expect((await w.store.customersByDate('default', 'birthday', '05-17')).items).toEqual([id]);
  });
});

describe('a scheduled run across a change of clocks', () => {
  it('at 01:30 in Warsaw, the Monday after the spring change runs as its own day and enrols its birthdays', async () => {
    const j = birthday({ schedule: { dailyAt: '01:30', timeZone: 'Europe/Warsaw' } });
    const w = world([j], new Date('2026-03-01T00:00:00Z'));
    await acceptEvents([w.update({ birthday: '1990-03-30' })], w.deps);
    const sunday = zonedTime('2026-03-29', '01:30', 'Europe/Warsaw');
    const monday = zonedTime('2026-03-30', '01:30', 'Europe/Warsaw');
    // Both runs fall on Sunday in UTC.
    expect([sunday, monday].map((d) => d.toISOString().slice(0, 10))).toEqual(['2026-03-29', '2026-03-29']);
    w.at(sunday);
    const first = await runScheduledSelection(j, sunday, ['default'], w.deps, selectDates);
    w.at(monday);
    const second = await runScheduledSelection(j, monday, ['default'], w.deps, selectDates);
    expect([first.at(-1), second.at(-1)].map((r) => [r?.run, r?.day])).toEqual([
      ['ran', '2026-03-29'],
      ['ran', '2026-03-30'],
    ]);
    expect(w.keys()).toHaveLength(1);
  });

  it('a segment run each day reads each last-order day once, across both changes', async () => {
    const j = quiet('01:30', { field: 'profile.daysSinceLastOrder', is: 3 });
    const w = world([j], new Date('2026-03-01T00:00:00Z'));
    const read: string[] = [];
    for (const [from, days] of [['2026-03-25', 10], ['2026-10-21', 10]] as const) {
      for (let d = 0; d < days; d++) {
        const ymd = new Date(Date.parse(`${from}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
        const runAt = zonedTime(ymd, '01:30', 'Europe/Warsaw');
        w.at(runAt);
        read.push((await selectSegment(j, runAt, w.deps)).day);
      }
    }
    const consecutive = (a: string, b: string) => Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`) === 86_400_000;
    for (const [i, day] of read.entries()) if (i > 0 && i !== 10) expect(consecutive(read[i - 1]!, day), `${read[i - 1]} then ${day}`).toBe(true);
  });
});

describe('days since the last order', () => {
  it('are counted alike by a segment and by a filter or branch on the same day (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 * 24 * 60 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 1, max: 30 }),
        async (minutesBefore, hour, days) => {
          const runAt = zonedTime('2026-10-26', `${String(hour).padStart(2, '0')}:15`, 'Europe/Warsaw');
          const orderedAt = new Date(runAt.getTime() - minutesBefore * 60_000);
          const j = quiet(`${String(hour).padStart(2, '0')}:15`, { field: 'profile.daysSinceLastOrder', is: days });
          const w = world([j], orderedAt);
          await acceptEvents([{ key: 'o', source: 'api', type: 'order.placed', occurredAt: orderedAt.toISOString(), customer: { email: EMAIL }, order: { id: 'o-1', total: '10.00', currency: 'PLN', items: [] } }], w.deps);
          w.at(runAt);
          const selected = (await selectSegment(j, runAt, w.deps)).matched === 1;
          const profile = await w.store.getCustomer('default', customerIdFor('default', { email: EMAIL })!);
          const counted = conditionFacts({ customer: profile, subject: {}, consent: {}, now: runAt })['profile.daysSinceLastOrder'];
          expect(selected).toBe(counted === days);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a segment run', () => {
  it('enrols nobody whose profile is gone when it reads it (erased since the index was read)', async () => {
    const j = quiet('09:00', { all: [{ field: 'profile.daysSinceLastOrder', is: 3 }, { not: { field: 'profile.tags', contains: 'staff' } }] });
    const orderedAt = new Date('2026-06-01T10:00:00Z');
    const w = world([j], orderedAt);
    await acceptEvents([{ key: 'o', source: 'api', type: 'order.placed', occurredAt: orderedAt.toISOString(), customer: { email: EMAIL }, order: { id: 'o-1', total: '10.00', currency: 'PLN', items: [] } }], w.deps);
    const runAt = zonedTime('2026-06-04', '09:00', 'Europe/Warsaw');
    w.at(runAt);
    // The index still lists the customer; the profile read finds nothing.
    const lagging = new Proxy(w.store, { get: (t, p, r) => (p === 'getCustomer' ? async () => undefined : Reflect.get(t, p, r)?.bind?.(t) ?? Reflect.get(t, p, r)) });
    expect(await selectSegment(j, runAt, { ...w.deps, store: lagging })).toMatchObject({ examined: 1, matched: 0, started: 0 });
    expect(await selectSegment(j, runAt, w.deps)).toMatchObject({ examined: 1, matched: 1, started: 1 });
  });
});

describe('money in conditions', () => {
  it('is złoty: an amount in another currency passes no bound', () => {
    const facts = (currency: string) => conditionFacts({ customer: undefined, subject: { order: { total: '100.00', currency, items: [] } }, consent: {}, now: new Date() });
    expect(facts('PLN')['order.total']).toBe(100);
    expect(facts('HUF')['order.total']).toBeUndefined();
    const invoice = conditionFacts({ customer: undefined, subject: { invoice: { amount: '50.00', currency: 'EUR' } }, consent: {}, now: new Date() });
    expect(invoice['invoice.amount']).toBeUndefined();
  });
});
