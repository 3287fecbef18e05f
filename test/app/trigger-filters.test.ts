import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import type { StateStore } from '../../functions/app/ports.ts';
import { selectSegment } from '../../functions/app/select-segment.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';
import { memoryLog } from '../support/local.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * Filters and segments as the use cases apply them on the in-memory backend: a trigger that fails
 * its journey's filter starts nothing, an awaited event that fails its waitFor's filter leaves the
 * journey waiting, and a segment of conditions reads the last-order days it bounds, the profile and
 * consent only when its conditions test them.
 */
const T = new Date('2026-06-01T10:00:00Z');
const plus = (days: number) => new Date(T.getTime() + days * 86_400_000);
const idOf = (email: string) => customerIdFor('default', { email })!;

const journey = (o: Record<string, unknown>) =>
  JourneyConfig.parse({ name: 'x', topic: 'marketing', nodes: [{ id: 'hello', send: { channel: 'email', template: 'welcome-hello' } }], ...o });

function world(journeys: JourneyConfig[], store: StateStore = new MemoryStore()) {
  let now = T;
  const runner = new RecordingRunner();
  const log = memoryLog();
  const deps: EnrolDeps = { config: { tenant: 'default' }, store, journeys, runner, clock: { now: () => now }, log };
  return { deps, runner, log, store, at: (t: Date) => (now = t), started: (id: string) => [...runner.started.values()].filter((i) => i.journey === id) };
}

const order = (id: string, email: string, total: string, at = T, consent?: boolean): DomainEvent => ({
  key: `placed-${id}`,
  source: 'api',
  occurredAt: at.toISOString(),
  customer: { email, ...(consent === undefined ? {} : { consent: { emailMarketing: consent } }) },
  type: 'order.placed',
  order: { id, total, currency: 'PLN', items: [{ title: 'Młynek', quantity: 1, price: total, category: 'coffee' }] },
});

describe('a filter on the trigger', () => {
  it('enrols only the orders it lets through, counting the order itself on the profile', async () => {
    const big = journey({ id: 'first-big-order', trigger: 'order.placed', filter: { all: [{ field: 'order.total', gte: 500 }, { field: 'profile.ordersCount', is: 1 }] } });
    const w = world([big]);
    await acceptEvents([order('o-small', 'ala@example.pl', '80.00')], w.deps);
    await acceptEvents([order('o-big', 'ola@example.pl', '900.00')], w.deps);
    // Ala's second order is big, but no longer her first.
    await acceptEvents([order('o-ala-2', 'ala@example.pl', '700.00', plus(1))], w.deps);
    expect(w.started('first-big-order').map((i) => i.key)).toEqual(['o-big']);
    expect(await w.store.getEnrolment('default', idOf('ala@example.pl'), 'first-big-order', 'o-small')).toBeUndefined();
    const filtered = w.log.lines.filter((l) => l.includes('JOURNEY_FILTERED'));
    expect(filtered).toHaveLength(2);
    expect(filtered.join('\n')).not.toMatch(/ala@|ola@|Młynek/);
  });

  it('reads consent as the event left it, and a shop’s event’s properties, personal ones too', async () => {
    const withConsent = journey({ id: 'consented', trigger: 'order.placed', filter: { field: 'consent.email', is: true } });
    const quiz = journey({ id: 'espresso-fans', trigger: 'quiz.completed', filter: { all: [{ field: 'event.result', is: 'espresso' }, { field: 'event.email', exists: true }] } });
    const w = world([withConsent, quiz]);
    await acceptEvents([order('o-1', 'bez@example.pl', '50.00')], w.deps);
    await acceptEvents([order('o-2', 'zgoda@example.pl', '50.00', T, true)], w.deps);
    expect(w.started('consented').map((i) => i.key)).toEqual(['o-2']);
    const completed = (key: string, result: string, personal: Record<string, string>): DomainEvent => ({
      key: `quiz-${key}`,
      source: 'api',
      occurredAt: T.toISOString(),
      customer: { email: 'zgoda@example.pl' },
      type: 'custom',
      name: 'quiz.completed',
      subjectKey: key,
      properties: { result },
      personal,
    });
    await acceptEvents([completed('q-1', 'espresso', {}), completed('q-2', 'filter', { email: 'x@example.pl' }), completed('q-3', 'espresso', { email: 'x@example.pl' })], w.deps);
    expect(w.started('espresso-fans').map((i) => [i.key, i.properties])).toEqual([['q-3', { result: 'espresso' }]]);
  });
});

describe('a filter on waitFor', () => {
  const again = journey({
    id: 'second-order',
    trigger: 'order.placed',
    filter: { field: 'profile.ordersCount', is: 1 },
    nodes: [
      { id: 'next-order', waitFor: { event: 'order.placed', filter: { field: 'order.total', gte: 100 }, timeout: 'P30D', onEvent: 'done', onTimeout: 'nudge' } },
      { id: 'nudge', send: { channel: 'email', template: 'welcome-tips' }, next: 'end' },
      { id: 'done', exit: true },
    ],
  });

  it('only an order that passes it ends the wait, and a new order wakes the journey about the first', async () => {
    const w = world([again]);
    const zofia = idOf('zofia@example.pl');
    await acceptEvents([order('o-1', 'zofia@example.pl', '150.00')], w.deps);
    await w.store.markEnrolment('default', zofia, 'second-order', 'o-1', { awaiting: { node: 'next-order', event: 'order.placed', since: T.toISOString(), until: plus(30).toISOString() } });
    w.at(plus(3));
    await acceptEvents([order('o-2', 'zofia@example.pl', '40.00', plus(3))], w.deps);
    expect(w.started('second-order').filter((i) => i.entry)).toEqual([]);
    expect(await w.store.getEnrolment('default', zofia, 'second-order', 'o-1')).toMatchObject({ awaiting: { node: 'next-order' } });
    expect(w.log.lines.some((l) => l.includes('AWAITED_EVENT_FILTERED'))).toBe(true);
    w.at(plus(5));
    await acceptEvents([order('o-3', 'zofia@example.pl', '120.00', plus(5))], w.deps);
    expect(w.started('second-order').filter((i) => i.entry)).toEqual([expect.objectContaining({ key: 'o-1', entry: 'done' })]);
    expect(w.runner.stopped).toEqual([executionName('second-order', 'default', 'o-1')]);
    // Neither later order was a first one: no journey of their own.
    expect(w.started('second-order').map((i) => i.key)).toEqual(['o-1', 'o-1']);
  });
});

describe('a segment written as conditions', () => {
  const refill = journey({
    id: 'coffee-refill',
    trigger: 'schedule',
    schedule: { dailyAt: '09:00' },
    cooldownDays: 20,
    segment: { where: { all: [{ field: 'profile.daysSinceLastOrder', in: [28, 29] }, { field: 'profile.lifetimeSpend', gte: 100 }, { field: 'consent.email', is: true }] } },
  });
  const vips = journey({ id: 'vips', trigger: 'schedule', schedule: { dailyAt: '09:00' }, segment: { where: { all: [{ field: 'profile.daysSinceLastOrder', is: 28 }, { field: 'profile.tags', contains: 'vip' }] } } });

  /** A store that counts the reads a run makes. */
  function counting(store: MemoryStore) {
    const calls: Record<string, number> = {};
    const proxy = new Proxy(store, {
      get: (t, p, r) => {
        const v = Reflect.get(t, p, r);
        if (typeof v !== 'function') return v;
        return (...a: unknown[]) => {
          calls[String(p)] = (calls[String(p)] ?? 0) + 1;
          return v.apply(t, a);
        };
      },
    });
    return { proxy, calls };
  }

  it('reads only the days it bounds, tests each customer there, and reads consent only because it tests it', async () => {
    const memory = new MemoryStore();
    const w = world([refill], memory);
    await acceptEvents([order('o-1', 'ala@example.pl', '150.00', T, true), order('o-2', 'ola@example.pl', '60.00', T, true), order('o-3', 'ela@example.pl', '150.00', T, false)], w.deps);
    w.at(plus(1));
    await acceptEvents([order('o-4', 'iza@example.pl', '150.00', plus(1), true)], w.deps);
    w.at(plus(10));
    await acceptEvents([order('o-5', 'ewa@example.pl', '150.00', plus(10), true)], w.deps);
    const { proxy, calls } = counting(memory);
    const runAt = new Date(plus(29).getTime() - 3_600_000);
    const result = await selectSegment(refill, runAt, { ...w.deps, store: proxy, clock: { now: () => runAt } });
    expect(result).toMatchObject({ examined: 4, matched: 2, started: 2, days: ['2026-06-02', '2026-06-01'] });
    expect(w.started('coffee-refill').map((i) => i.customerId).sort()).toEqual([idOf('ala@example.pl'), idOf('iza@example.pl')].sort());
    expect(calls['customersByLastOrderDay']).toBe(2);
    expect(calls['getConsent']).toBe(4);
    // The index carries orders and spend: no profile was read.
    expect(calls['getCustomer']).toBeUndefined();
  });

  it('reads the profile for what the index does not carry', async () => {
    const memory = new MemoryStore();
    const w = world([vips], memory);
    await acceptEvents([order('o-1', 'ala@example.pl', '150.00'), order('o-2', 'ola@example.pl', '150.00')], w.deps);
    await memory.updateProfile('default', idOf('ola@example.pl'), { tag: 'vip' }, T.toISOString());
    const { proxy, calls } = counting(memory);
    const runAt = plus(28);
    expect(await selectSegment(vips, runAt, { ...w.deps, store: proxy, clock: { now: () => runAt } })).toMatchObject({ examined: 2, matched: 1, started: 1 });
    expect(w.started('vips').map((i) => i.customerId)).toEqual([idOf('ola@example.pl')]);
    expect(calls['getCustomer']).toBe(2);
    expect(calls['getConsent']).toBeUndefined();
  });
});
