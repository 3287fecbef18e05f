import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { conditionReads, eventSubject, inSegment, passesFilter, withOrder } from '../../functions/core/filters.ts';
import type { CustomerProfile } from '../../functions/core/model.ts';
import { describeCondition } from '../../workflows/src/conditions.ts';
import { successors } from '../../workflows/src/flow.ts';
import { ConfigError, loadJourneys, WORKFLOWS_DIR } from '../../workflows/src/load.ts';
import type { Condition } from '../../workflows/src/nodes.ts';
import { dailyRun, dateCandidates, dateOccurrence, segmentDays } from '../../workflows/src/triggers.ts';

/**
 * What decides a journey's entry besides its trigger: the trigger's filter, a waitFor's filter, a
 * segment written as conditions (and the last-order days its run reads), all checked when the
 * journey loads with file:line and the likely name meant.
 */
const NOW = new Date('2026-06-01T10:00:00Z');
const zofia: CustomerProfile = { customerId: 'c_1', email: 'zofia@example.pl', updatedAt: '', orderCount: 1, spentPln: 120, lastOrderAt: '2026-05-30T12:00:00Z', tags: ['vip'], attributes: { roast: 'dark' } };
const days = (field: Record<string, unknown>): Condition => ({ field: 'profile.daysSinceLastOrder', ...field }) as Condition;

describe('the days a segment reads', () => {
  it('takes is, in, an upper bound and ranges, inside all and any', () => {
    expect(segmentDays(days({ is: 180 }))).toEqual([180]);
    expect(segmentDays(days({ in: [30, 60, 90] }))).toEqual([30, 60, 90]);
    expect(segmentDays(days({ lte: 3 }))).toEqual([0, 1, 2, 3]);
    expect(segmentDays({ all: [days({ gte: 90 }), days({ lt: 93 }), { field: 'profile.tags', contains: 'vip' }] })).toEqual([90, 91, 92]);
    expect(segmentDays({ any: [days({ is: 30 }), { all: [days({ gt: 59 }), days({ lte: 61 })] }] })).toEqual([30, 60, 61]);
    expect(segmentDays({ all: [days({ in: [10, 20, 30] }), days({ gte: 15 })] })).toEqual([20, 30]);
  });

  it('leaves a segment open when nothing bounds the days from above, or under not or any with an open arm', () => {
    expect(segmentDays(days({ gte: 180 }))).toBeUndefined();
    expect(segmentDays({ field: 'profile.lifetimeSpend', gte: 1000 })).toBeUndefined();
    expect(segmentDays({ not: days({ is: 3 }) })).toBeUndefined();
    expect(segmentDays({ any: [days({ is: 30 }), { field: 'profile.tags', contains: 'vip' }] })).toBeUndefined();
  });
});

describe('filters as pure decisions', () => {
  it('a trigger passes or fails over its subject, the profile, its properties and consent', () => {
    const cart: DomainEvent = { key: 'k', source: 'api', occurredAt: NOW.toISOString(), customer: {}, type: 'checkout.updated', checkout: { token: 't', items: [{ title: 'Kubek', quantity: 3, price: '10.00', category: 'ceramics' }], total: '30.00', currency: 'PLN', completed: false } };
    const big: Condition = { all: [{ field: 'cart.total', gte: 25 }, { field: 'cart.categories', contains: 'ceramics' }] };
    expect(passesFilter(big, { customer: zofia, subject: eventSubject(cart), now: NOW })).toBe(true);
    expect(passesFilter({ field: 'cart.itemCount', gt: 3 }, { customer: zofia, subject: eventSubject(cart), now: NOW })).toBe(false);
    expect(passesFilter(undefined, { customer: undefined, now: NOW })).toBe(true);
    expect(passesFilter({ field: 'consent.email', is: true }, { customer: zofia, consent: { email: { granted: true, at: '', source: 'api' } }, now: NOW })).toBe(true);
    expect(passesFilter({ field: 'consent.email', is: true }, { customer: zofia, now: NOW })).toBe(false);
    expect(passesFilter({ field: 'event.score', gte: 50 }, { customer: zofia, properties: { score: 72 }, now: NOW })).toBe(true);
  });

  it('an event naming its order by id alone is about the order as stored; a payment about its amount', () => {
    const delivered: DomainEvent = { key: 'k', source: 'shopify', occurredAt: NOW.toISOString(), customer: {}, type: 'order.delivered', order: { id: 'o-1' } };
    expect(eventSubject(delivered)).toEqual({});
    expect(eventSubject(delivered, { id: 'o-1', total: '250.00', currency: 'PLN', items: [], placedAt: '' })).toEqual({ order: expect.objectContaining({ total: '250.00' }) });
    const paid: DomainEvent = { key: 'k', source: 'stripe', occurredAt: NOW.toISOString(), customer: {}, type: 'payment.succeeded', payment: { invoiceId: 'in_1', amount: '49.00', currency: 'PLN' } };
    expect(passesFilter({ field: 'invoice.amount', lt: 50 }, { customer: undefined, subject: eventSubject(paid), now: NOW })).toBe(true);
  });

  it('counts an order just stored on the profile the ingest read before it', () => {
    const after = withOrder(zofia, { total: '80.00', currency: 'PLN' }, '2026-06-01T09:00:00Z');
    expect(after).toMatchObject({ orderCount: 2, spentPln: 200, lastOrderAt: '2026-06-01T09:00:00Z' });
    expect(withOrder(zofia, { total: '80.00', currency: 'EUR' }, '2026-05-01T09:00:00Z')).toMatchObject({ orderCount: 2, spentPln: 120, lastOrderAt: zofia.lastOrderAt });
  });

  it('reads a profile for a segment only beyond the index’s facts, and consent only where tested', () => {
    expect(conditionReads({ all: [days({ is: 30 }), { field: 'profile.lifetimeSpend', gte: 100 }] })).toEqual({ consent: [], profile: false });
    expect(conditionReads({ all: [days({ is: 30 }), { field: 'profile.tags', contains: 'vip' }, { field: 'consent.sms', is: true }] })).toEqual({ consent: ['sms'], profile: true });
  });

  it('a segment counts the days since the last order as the index files it, not from the hour', () => {
    const where: Condition = { all: [days({ is: 2 }), { field: 'profile.attributes.roast', is: 'dark' }] };
    expect(inSegment(where, { customer: zofia, days: 2, now: NOW })).toBe(true);
    expect(inSegment(where, { customer: { ...zofia, attributes: { roast: 'light' } }, days: 2, now: NOW })).toBe(false);
  });
});

describe('the moment of a date trigger', () => {
  const from = new Date('2026-05-17T00:00:00Z');
  const until = new Date('2026-05-18T00:00:00Z');
  const spec = { attribute: 'birthday', yearly: true };

  it('is the waits’ own computation: 09:00 on the day in the customer’s zone, moved by the offset, in the run’s window', () => {
    expect(dateOccurrence(spec, { attributes: { birthday: '1990-05-17' } }, from, until)).toEqual({ at: new Date('2026-05-17T07:00:00Z'), day: '2026-05-17', period: '2026' });
    expect(dateOccurrence(spec, { attributes: { birthday: '1990-05-17' }, timeZone: 'America/Los_Angeles' }, from, until)).toEqual({ at: new Date('2026-05-17T16:00:00Z'), day: '2026-05-17', period: '2026' });
    expect(dateOccurrence({ ...spec, offset: '-P7D', at: '18:30' }, { attributes: { birthday: '1990-05-24' } }, from, until)).toEqual({ at: new Date('2026-05-17T16:30:00Z'), day: '2026-05-24', period: '2026' });
    expect(dateOccurrence(spec, { attributes: { birthday: '1990-05-18' } }, from, until)).toBeUndefined();
    // Once, not yearly: the date itself is the occurrence.
    expect(dateOccurrence({ attribute: 'birthday' }, { attributes: { birthday: '2026-05-17' } }, from, until)).toMatchObject({ period: '2026-05-17' });
    expect(dateOccurrence(spec, { attributes: {} }, from, until)).toBeUndefined();
    expect(dateOccurrence(spec, { attributes: { birthday: 'soon' } }, from, until)).toBeUndefined();
  });

  it('reads the days of the year any zone can put in the window, 29 February with the 28th', () => {
    expect(dateCandidates(spec, from, until)).toEqual(['05-16', '05-17', '05-18']);
    expect(dateCandidates({ ...spec, offset: '-P7D' }, from, until)).toEqual(['05-23', '05-24', '05-25']);
    expect(dateCandidates(spec, new Date('2027-02-28T00:00:00Z'), new Date('2027-03-01T00:00:00Z'))).toEqual(['02-27', '02-28', '03-01', '02-29']);
  });
});

describe('the graph and the daily run', () => {
  it('labels a filtered waitFor with its condition', () => {
    const node = { id: 'again', waitFor: { event: 'order.placed', filter: { field: 'order.total', gte: 100 }, timeout: 'P30D', onEvent: 'done', onTimeout: 'nudge' } };
    expect(successors(node).map((e) => e.label)).toEqual([`order.placed (${describeCondition({ field: 'order.total', gte: 100 })}) first`, 'no order.placed (order.total ≥ 100) in P30D']);
  });

  it('runs a date journey daily at midnight UTC unless it says when', () => {
    expect(dailyRun({ trigger: 'date', schedule: undefined })).toEqual({ dailyAt: '00:00', timeZone: 'UTC' });
    expect(dailyRun({ trigger: 'date', schedule: { dailyAt: '06:00', timeZone: 'Europe/Warsaw' } })).toEqual({ dailyAt: '06:00', timeZone: 'Europe/Warsaw' });
    expect(dailyRun({ trigger: 'order.placed', schedule: undefined })).toBeUndefined();
  });
});

function problems(files: Record<string, string[]>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'triggers-'));
  for (const d of ['events', 'templates']) cpSync(join(WORKFLOWS_DIR, d), join(dir, d), { recursive: true });
  mkdirSync(join(dir, 'journeys'));
  for (const [id, lines] of Object.entries(files)) writeFileSync(join(dir, 'journeys', `${id}.yaml`), [`id: ${id}`, `name: ${id}`, ...lines].join('\n'));
  try {
    loadJourneys(join(dir, 'journeys'));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => p.replace(/^.*\/journeys\//, '')).sort();
    throw e;
  }
}

const SEND = ['nodes:', '  - id: hello', '    send: { channel: email, template: welcome-hello }'];

describe('loading triggers, filters and segments', () => {
  it('loads a filtered trigger, a filtered waitFor, a segment of conditions and a date trigger', () => {
    expect(
      problems({
        big: ['trigger: order.placed', 'topic: marketing', 'filter: { all: [{ field: order.total, gte: 500 }, { field: profile.ordersCount, is: 1 }] }', ...SEND],
        quiz: ['trigger: quiz.completed', 'topic: marketing', 'filter: { field: event.result, in: [espresso, filter] }', ...SEND],
        again: [
          'trigger: customer.created',
          'topic: marketing',
          'nodes:',
          '  - id: wait-order',
          '    waitFor: { event: order.placed, filter: { field: order.total, gte: 100 }, timeout: P30D, onEvent: done, onTimeout: nudge }',
          '  - id: nudge',
          '    send: { channel: email, template: welcome-tips }',
          '    next: end',
          '  - id: done',
          '    exit: true',
        ],
        refill: ['trigger: schedule', 'topic: marketing', 'schedule: { dailyAt: "09:00" }', 'segment:', '  where: { all: [{ field: profile.daysSinceLastOrder, is: 28 }, { field: profile.attributes.roast, exists: true }] }', ...SEND],
        birthday: ['trigger: date', 'topic: marketing', 'date: { attribute: birthday, offset: -P1D, at: "10:00", yearly: true }', 'filter: { field: consent.email, is: true }', ...SEND],
      }),
    ).toEqual([]);
  });

  it('names the line, the field and the likely one meant', () => {
    expect(
      problems({
        big: ['trigger: order.placed', 'topic: marketing', 'filter: { all: [{ field: order.totl, gte: 500 }, { field: cart.total, gte: 1 }] }', ...SEND],
        onschedule: ['trigger: schedule', 'topic: marketing', 'schedule: { dailyAt: "09:00" }', 'segment: { noPurchaseForDays: 30 }', 'filter: { field: profile.ordersCount, gte: 1 }', ...SEND],
        again: [
          'trigger: customer.created',
          'topic: marketing',
          'nodes:',
          '  - id: wait-quiz',
          '    waitFor:',
          '      event: quiz.completed',
          '      filter: { field: event.scor, gte: 50 }',
          '      timeout: P3D',
          '      onEvent: done',
          '      onTimeout: done',
          '  - id: done',
          '    exit: true',
        ],
        open: ['trigger: schedule', 'topic: marketing', 'schedule: { dailyAt: "09:00" }', 'segment:', '  where:', '    all:', '      - { field: profile.daysSinceLastOrder, gte: 30 }', '      - { field: profile.tag, contains: vip }', ...SEND],
        wide: ['trigger: schedule', 'topic: marketing', 'schedule: { dailyAt: "09:00" }', 'segment:', '  where: { field: profile.daysSinceLastOrder, lte: 90 }', '  minOrders: 2', ...SEND],
        unbounded: ['trigger: schedule', 'topic: marketing', 'schedule: { dailyAt: "09:00" }', 'segment:', '  where: { field: profile.lifetimeSpend, gte: 1000 }', ...SEND],
        birthday: ['trigger: date', 'topic: marketing', 'date: { attribute: birthdy }', ...SEND],
        nodate: ['trigger: date', 'topic: marketing', ...SEND],
      }),
    ).toEqual(
      [
        'big.yaml:5: filter.all.0.field: no field "order.totl" in this journey (did you mean "order.total"?)',
        'big.yaml:5: filter.all.1.field: no field "cart.total" in this journey',
        'onschedule.yaml:7: filter: a scheduled journey picks its customers with `segment`; `filter` is for journeys started by an event or a date',
        'again.yaml:9: nodes.0.waitFor.filter.field: no field "event.scor" of quiz.completed (did you mean "event.score"?)',
        'open.yaml:10: segment.where.all.1.field: no field "profile.tag" in a segment (did you mean "profile.tags"?)',
        'wide.yaml:8: segment.minOrders: minOrders goes with noPurchaseForDays; in `where`, test profile.ordersCount or profile.lifetimeSpend',
        'unbounded.yaml:7: segment.where: a run reads customers by the day of their last order, never every customer: bound profile.daysSinceLastOrder with is, in or lte (with gte), at most 31 days',
        'birthday.yaml:5: date.attribute: no date attribute "birthdy" in workflows/events/attributes.yaml (did you mean "birthday"?)',
        'nodate.yaml:3: trigger: a journey with trigger: date needs `date: { attribute, offset, at, yearly }`',
      ].sort(),
    );
    expect(problems({ wide: ['trigger: schedule', 'topic: marketing', 'schedule: { dailyAt: "09:00" }', 'segment:', '  where: { field: profile.daysSinceLastOrder, lte: 90 }', ...SEND] })).toEqual([
      'wide.yaml:7: segment.where: this segment spans 91 days since the last order, a query each run: bound profile.daysSinceLastOrder with is, in or lte (with gte), at most 31 days',
    ]);
  });
});
