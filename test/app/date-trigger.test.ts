import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import { selectDates } from '../../functions/app/select-dates.ts';
import { runScheduledSelection } from '../../functions/app/select-segment.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { makeSegmentHandler } from '../../functions/segment-select/handler.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';
import { loadCatalogue } from '../../workflows/src/load.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * `trigger: date` on the in-memory backend: events file customers under their birthday's day, and
 * each daily run enrols those whose moment (09:00 on the day in their zone, moved by the offset)
 * comes before the next run, once a year, opening the journey at that moment.
 */
const T = new Date('2026-05-10T08:00:00Z');
const idOf = (email: string) => customerIdFor('default', { email })!;

const birthday = (o: Record<string, unknown> = {}) =>
  JourneyConfig.parse({
    id: 'birthday',
    name: 'Birthday',
    trigger: 'date',
    date: { attribute: 'birthday', yearly: true },
    topic: 'marketing',
    nodes: [{ id: 'wishes', send: { channel: 'email', template: 'welcome-hello' } }],
    ...o,
  });

function world(journeys: JourneyConfig[]) {
  let now = T;
  const store = new MemoryStore();
  const runner = new RecordingRunner();
  const deps: EnrolDeps = { config: { tenant: 'default' }, store, journeys, catalogue: loadCatalogue(), runner, clock: { now: () => now }, log: silentLog };
  const update = (email: string, attributes: Record<string, string | null>, extra: Record<string, unknown> = {}): DomainEvent => ({
    key: `upd-${email}-${now.toISOString()}`,
    source: 'api',
    occurredAt: now.toISOString(),
    type: 'customer.updated',
    customer: { email, attributes, ...extra },
  });
  return { store, runner, deps, update, at: (t: Date) => (now = t), inputs: () => [...runner.started.values()] };
}

describe('the date index, as events set the attribute', () => {
  it('files a declared date under its day, moves it, and takes it out when it goes; other attributes are not filed', async () => {
    const w = world([]);
    await acceptEvents([w.update('ala@example.pl', { birthday: '1990-05-17', roast: 'dark' })], w.deps);
    expect((await w.store.customersByDate('default', 'birthday', '05-17')).items).toEqual([idOf('ala@example.pl')]);
    w.at(new Date(T.getTime() + 60_000));
    await acceptEvents([w.update('ala@example.pl', { birthday: '1990-05-18' })], w.deps);
    expect((await w.store.customersByDate('default', 'birthday', '05-17')).items).toEqual([]);
    expect((await w.store.customersByDate('default', 'birthday', '05-18')).items).toEqual([idOf('ala@example.pl')]);
    w.at(new Date(T.getTime() + 120_000));
    await acceptEvents([w.update('ala@example.pl', { birthday: null })], w.deps);
    expect((await w.store.customersByDate('default', 'birthday', '05-18')).items).toEqual([]);
    expect((await w.store.exportCustomer('default', idOf('ala@example.pl')))['dates']).toEqual([]);
  });
});

describe('the daily run of a date journey', () => {
  const runAt = new Date('2026-05-17T00:00:00Z');
  const day = (n: number) => new Date(runAt.getTime() + n * 86_400_000);
  const people = (w: ReturnType<typeof world>) =>
    acceptEvents(
      [
        w.update('warszawa@example.pl', { birthday: '1990-05-17' }),
        w.update('tokio@example.pl', { birthday: '1985-05-17' }, { timeZone: 'Asia/Tokyo' }),
        w.update('nowy.jork@example.pl', { birthday: '1979-05-17' }, { timeZone: 'America/New_York' }),
        w.update('jutro@example.pl', { birthday: '1990-05-18' }),
        w.update('wczoraj@example.pl', { birthday: '1990-05-16' }),
      ],
      w.deps,
    );

  it('enrols those whose 09:00 on the day, in their zone, comes before the next run, opening at it; once a year', async () => {
    const w = world([birthday()]);
    await people(w);
    w.at(runAt);
    expect(await selectDates(birthday(), runAt, w.deps)).toMatchObject({ examined: 5, matched: 3, started: 3, days: ['05-16', '05-17', '05-18'] });
    expect(w.inputs().map((i) => [i.key, i.firstAt]).sort()).toEqual(
      [
        // 09:00 in Tokyo is midnight UTC: this run's first moment.
        [`2026.${idOf('tokio@example.pl')}`, '2026-05-17T00:00:00.000Z'],
        [`2026.${idOf('nowy.jork@example.pl')}`, '2026-05-17T13:00:00.000Z'],
        [`2026.${idOf('warszawa@example.pl')}`, '2026-05-17T07:00:00.000Z'],
      ].sort(),
    );
    // The run again (a retry) starts nothing new; the next day's run takes the next day's.
    expect(await selectDates(birthday(), runAt, w.deps)).toMatchObject({ matched: 3, started: 0 });
    w.at(day(1));
    expect(await selectDates(birthday(), day(1), w.deps)).toMatchObject({ matched: 1, started: 1 });
    expect(w.inputs().at(-1)).toMatchObject({ key: `2026.${idOf('jutro@example.pl')}`, firstAt: '2026-05-18T07:00:00.000Z' });
    // A year later, the same day again.
    w.at(day(365));
    await selectDates(birthday(), day(365), w.deps);
    expect(w.inputs().filter((i) => i.customerId === idOf('warszawa@example.pl')).map((i) => i.key)).toEqual([
      `2026.${idOf('warszawa@example.pl')}`,
      `2027.${idOf('warszawa@example.pl')}`,
    ]);
  });

  it('moves the moment by the offset, keeps its filter, and meets 29 February on the 28th in other years', async () => {
    const eve = birthday({ date: { attribute: 'birthday', offset: '-P1D', at: '10:00', yearly: true }, filter: { field: 'consent.email', is: true } });
    const w = world([eve]);
    await acceptEvents(
      [
        w.update('zgoda@example.pl', { birthday: '1990-05-18' }, { consent: { emailMarketing: true } }),
        w.update('bez.zgody@example.pl', { birthday: '1990-05-18' }),
        w.update('luty@example.pl', { birthday: '1996-02-29' }, { consent: { emailMarketing: true } }),
      ],
      w.deps,
    );
    w.at(runAt);
    expect(await selectDates(eve, runAt, w.deps)).toMatchObject({ matched: 2, started: 1 });
    expect(w.inputs()).toEqual([expect.objectContaining({ key: `2026.${idOf('zgoda@example.pl')}`, firstAt: '2026-05-17T08:00:00.000Z' })]);
    const feb = new Date('2027-02-27T00:00:00Z');
    w.at(feb);
    await selectDates(eve, feb, w.deps);
    expect(w.inputs().at(-1)).toMatchObject({ key: `2027.${idOf('luty@example.pl')}`, firstAt: '2027-02-27T09:00:00.000Z' });
  });

  it('without yearly, meets the date itself once', async () => {
    const once = birthday({ date: { attribute: 'birthday' } });
    const w = world([once]);
    await acceptEvents([w.update('w.tym.roku@example.pl', { birthday: '2026-05-17' }), w.update('dawno@example.pl', { birthday: '1990-05-17' })], w.deps);
    w.at(runAt);
    expect(await selectDates(once, runAt, w.deps)).toMatchObject({ examined: 2, matched: 1, started: 1 });
    w.at(day(365));
    expect(await selectDates(once, day(365), w.deps)).toMatchObject({ examined: 2, matched: 0 });
  });

  it('runs through the scheduled function: once per shop and day, under its lease', async () => {
    const w = world([birthday()]);
    await people(w);
    w.at(runAt);
    const handler = makeSegmentHandler(() => ({ ...w.deps, shops: ['default'] }));
    expect((await handler({ version: 1, journey: 'birthday', scheduledTime: runAt.toISOString() })).map((r) => [r.run, r.started])).toEqual([['ran', 3]]);
    expect((await runScheduledSelection(birthday(), runAt, ['default'], w.deps, selectDates)).map((r) => r.run)).toEqual(['skipped']);
  });
});
