import { beforeEach, describe, expect, it } from 'vitest';
import { withStats } from '../../functions/app/measure.ts';
import { countEngagement } from '../../functions/app/record-engagement.ts';
import type { StateStore } from '../../functions/app/ports.ts';
import type { Conversion, StatsKey } from '../../functions/core/measurement.ts';
import { journeyStats } from '../../functions/core/stats.ts';
import { COST_PRICES } from '../../functions/shared/prices.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { contractBackends, data, retained, t } from './backends.ts';

/** StatsRepository: journey counters (atomic additions, one query per journey) and conversions under the customer. */
const TENANT = 'shop-a';
const ID = 'c_1';
const KEY: StatsKey = { day: '2026-03-02', version: 'v1', node: 'first-reminder', variant: '-' };

function conversion(extra: Partial<Conversion> = {}): Conversion {
  return {
    journey: 'abandoned-cart',
    goal: 'order.placed',
    subject: 'o-1',
    at: t(60),
    eventKey: 'api:ev-o-1',
    reason: 'checkout_token',
    revenue: '199.99',
    currency: 'PLN',
    executionName: 'abandoned-cart-x1',
    messageAt: t(30),
    step: 'first-reminder',
    variant: 'b',
    version: 'v1',
    ...extra,
  };
}

describe.each(contractBackends())('stats on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  it('adds counters atomically: concurrent additions all count, decimals add exactly', async () => {
    await Promise.all(Array.from({ length: 25 }, () => store.addCounts(TENANT, 'abandoned-cart', KEY, { sent: 1, emails: 1, 'revenueSq:PLN': 0.1 })));
    await store.addCounts(TENANT, 'abandoned-cart', KEY, { 'suppressed:no_consent': 2, sent: 0 });
    const rows = await store.journeyCounters(TENANT, 'abandoned-cart');
    expect(rows).toEqual([{ ...KEY, counts: { sent: 25, emails: 25, 'revenueSq:PLN': 2.5, 'suppressed:no_consent': 2 } }]);
  });

  it('keeps one item per day, version, node and variant, per shop and journey, read in one query in key order', async () => {
    await store.addCounts(TENANT, 'abandoned-cart', { ...KEY, day: '2026-03-03' }, { sent: 1 });
    await store.addCounts(TENANT, 'abandoned-cart', { ...KEY, variant: 'a' }, { recipients: 1 });
    await store.addCounts(TENANT, 'abandoned-cart', KEY, { sent: 2 });
    await store.addCounts(TENANT, 'win-back', KEY, { sent: 7 });
    await store.addCounts('shop-b', 'abandoned-cart', KEY, { sent: 9 });
    // Nothing to add: no item.
    await store.addCounts(TENANT, 'dunning', KEY, { sent: 0 });
    expect(await store.journeyCounters(TENANT, 'abandoned-cart')).toEqual([
      { ...KEY, counts: { sent: 2 } },
      { ...KEY, variant: 'a', counts: { recipients: 1 } },
      { ...KEY, day: '2026-03-03', counts: { sent: 1 } },
    ]);
    expect(await store.journeyCounters('shop-b', 'abandoned-cart')).toEqual([{ ...KEY, counts: { sent: 9 } }]);
    expect(await store.journeyCounters(TENANT, 'dunning')).toEqual([]);
  });

  it('records a conversion once per journey and subject, counting it with its revenue in the same write', async () => {
    expect(await store.recordConversion(TENANT, ID, conversion())).toBe(true);
    expect(await store.recordConversion(TENANT, ID, conversion({ eventKey: 'shopify:orders/paid:9' }))).toBe(false);
    expect(await store.recordConversion(TENANT, ID, conversion({ journey: 'win-back', step: 'come-back', variant: undefined }))).toBe(true);
    expect(await store.listConversions(TENANT, ID)).toEqual([conversion(), conversion({ journey: 'win-back', step: 'come-back', variant: undefined })].map(data));
    expect(await store.journeyCounters(TENANT, 'abandoned-cart')).toEqual([
      { day: '2026-03-02', version: 'v1', node: 'first-reminder', variant: 'b', counts: { converted: 1, 'revenue:PLN': 1_999_900, 'revenueSq:PLN': 39996.0001 } },
    ]);
    expect(await store.journeyCounters(TENANT, 'win-back')).toMatchObject([{ node: 'come-back', variant: '-', counts: { converted: 1 } }]);
  });

  it('takes a cancelled or refunded order’s revenue back once, keeping the conversion', async () => {
    await store.recordConversion(TENANT, ID, conversion());
    expect(await store.reverseConversion(TENANT, ID, 'abandoned-cart', 'o-1', t(120), 'order.refunded')).toBe(true);
    expect(await store.reverseConversion(TENANT, ID, 'abandoned-cart', 'o-1', t(121), 'order.cancelled')).toBe(false);
    expect(await store.reverseConversion(TENANT, ID, 'abandoned-cart', 'o-unknown', t(121), 'order.cancelled')).toBe(false);
    expect(await store.listConversions(TENANT, ID)).toEqual([{ ...conversion(), reversedAt: t(120), reversedBy: 'order.refunded' }]);
    const [row] = await store.journeyCounters(TENANT, 'abandoned-cart');
    expect(row!.counts['converted']).toBe(1);
    expect(row!.counts['revenue:PLN']).toBe(0);
    expect(row!.counts['revenueSq:PLN']).toBe(0);
  });

  it("exports the customer's conversions and erases them with the customer; the counters, no one's data, stay", async () => {
    await store.recordConversion(TENANT, ID, conversion());
    const exported = data(await store.exportCustomer(TENANT, ID)) as { conversions: unknown[] };
    expect(exported.conversions).toEqual([{ ...conversion(), customerId: ID, expiresAt: retained(t(60)) }]);
    await store.eraseCustomer(TENANT, ID, t(200));
    expect(await store.listConversions(TENANT, ID)).toEqual([]);
    expect((await store.journeyCounters(TENANT, 'abandoned-cart'))[0]!.counts['converted']).toBe(1);
    // Erased, the conversion can be recorded again (a customer coming back is new).
    expect(await store.recordConversion(TENANT, ID, conversion())).toBe(true);
  });

  it('gives every counter item a TTL: retention after its day', async () => {
    await store.addCounts(TENANT, 'abandoned-cart', KEY, { sent: 1 });
    const table = await backend.scan(store);
    if (table === undefined) return;
    expect(table.filter((i) => String(i['pk']).startsWith('STATS#'))).toEqual([
      expect.objectContaining({ journey: 'abandoned-cart', day: KEY.day, node: KEY.node, expiresAt: retained('2026-03-02T00:00:00.000Z') }),
    ]);
  });

  it('counts an enrolment entered and finished under the definition version it started on, the version read back as it ends', async () => {
    const counting = withStats(store, { journeys: [], log: silentLog });
    await counting.createEnrolment(TENANT, ID, { journey: 'abandoned-cart', key: 'tok-1', executionName: 'abandoned-cart-x1', startedAt: t(0), version: 'aaaaaaaaaaaa' });
    await counting.createEnrolment(TENANT, 'c_2', { journey: 'abandoned-cart', key: 'tok-2', executionName: 'abandoned-cart-x2', startedAt: t(0) });
    expect(await counting.endEnrolment(TENANT, ID, 'abandoned-cart', 'tok-1', 'completed', 'last-step', t(30))).toBe(true);
    expect(await counting.endEnrolment(TENANT, ID, 'abandoned-cart', 'tok-1', 'stopped', 'erasure', t(31))).toBe(false);
    expect(await counting.endEnrolment(TENANT, 'c_2', 'abandoned-cart', 'tok-2', 'completed', 'last-step', t(30))).toBe(true);
    const rows = await store.journeyCounters(TENANT, 'abandoned-cart');
    expect(rows.map((r) => [r.version, r.counts])).toEqual([
      ['-', { entered: 1, finished: 1 }],
      ['aaaaaaaaaaaa', { entered: 1, finished: 1 }],
    ]);
  });

  it('counts a message’s deliveries and clicks under the arm it carries, in its decision’s item: one query gives an arm’s recipients and engagement', async () => {
    const counting = withStats(store, { journeys: [], log: silentLog });
    const sent = (customerId: string, executionName: string, variant: string) =>
      counting.recordDecision(TENANT, customerId, { at: t(30), journey: 'abandoned-cart', step: 'first-reminder', executionName, channel: 'email', outcome: 'sent', topic: 'marketing', template: 'cart-reminder-1', locale: 'pl', variant, version: 'aaaaaaaaaaaa' });
    await sent(ID, 'abandoned-cart-x1', 'b');
    await sent('c_2', 'abandoned-cart-x2', 'a');
    const deps = { store, clock: { now: () => new Date(t(45)) }, log: silentLog };
    const message = (id: string, variant: string) => ({ channel: 'email' as const, id, tags: { journey: 'abandoned-cart', step: 'first-reminder', shop: TENANT, version: 'aaaaaaaaaaaa', variant } });
    expect(await countEngagement('delivered', message('m-1', 'b'), deps)).toBe(true);
    expect(await countEngagement('clicked', message('m-1', 'b'), deps)).toBe(true);
    // Redelivered: counted once.
    expect(await countEngagement('clicked', message('m-1', 'b'), deps)).toBe(false);
    // A tag no arm could have written (holdout members are sent nothing; SES's '_' for a character it refused): under none.
    expect(await countEngagement('delivered', message('m-3', 'holdout'), deps)).toBe(true);
    expect(await countEngagement('delivered', message('m-4', 'b_x'), deps)).toBe(true);
    const rows = await store.journeyCounters(TENANT, 'abandoned-cart');
    expect(rows.map((r) => [r.variant, r.counts])).toEqual([
      ['-', { delivered: 2 }],
      ['a', { sent: 1, emails: 1, recipients: 1, messaged: 1 }],
      ['b', { sent: 1, emails: 1, recipients: 1, messaged: 1, delivered: 1, clicked: 1 }],
    ]);
    const [split] = journeyStats({ id: 'abandoned-cart', name: 'Cart' }, rows, COST_PRICES).experiments;
    expect(split!.arms.map((a) => [a.variant, a.recipients, a.delivered, a.clicked, a.clickRate])).toEqual([
      ['a', 1, 0, 0, 0],
      ['b', 1, 1, 1, 1],
    ]);
  });

  it('records a journey graph’s edges on the enrolment once each and counts those recorded now; a retried walk counts nothing', async () => {
    const key: StatsKey = { ...KEY, node: '-' };
    await store.createEnrolment(TENANT, ID, { journey: 'abandoned-cart', key: 'tok-1', executionName: 'abandoned-cart-x1', startedAt: t(0) });
    const walk = { edges: ['first-wait>holdout', 'holdout>cart-value', 'cart-value>subject-test'], known: [], pending: ['second-wait>second-reminder'] };
    expect(await store.passEdges(TENANT, ID, 'abandoned-cart', 'tok-1', walk, key)).toEqual(walk.edges);
    // The same walk again, as read before the first one wrote (a retry running beside it): nothing.
    expect(await store.passEdges(TENANT, ID, 'abandoned-cart', 'tok-1', walk, key)).toEqual([]);
    // A later walk: what it read is known; only its new edge counts, once however often it repeats.
    const later = { edges: ['second-wait>second-reminder', 'second-reminder>(end)', 'second-reminder>(end)'], known: walk.edges, pending: [] };
    expect(await store.passEdges(TENANT, ID, 'abandoned-cart', 'tok-1', later, key)).toEqual(later.edges.slice(0, 2));
    expect(await store.getEnrolment(TENANT, ID, 'abandoned-cart', 'tok-1')).toMatchObject({ passed: [...walk.edges, ...later.edges.slice(0, 2)], pending: [] });
    // Only where it waits next: written, nothing counted.
    expect(await store.passEdges(TENANT, ID, 'abandoned-cart', 'tok-1', { edges: [], known: [], pending: ['help-wait>subject-test'] }, key)).toEqual([]);
    expect((await store.getEnrolment(TENANT, ID, 'abandoned-cart', 'tok-1'))?.pending).toEqual(['help-wait>subject-test']);
    expect(await store.journeyCounters(TENANT, 'abandoned-cart')).toEqual([
      {
        ...key,
        counts: {
          'edge:first-wait>holdout': 1,
          'edge:holdout>cart-value': 1,
          'edge:cart-value>subject-test': 1,
          'edge:second-wait>second-reminder': 1,
          'edge:second-reminder>(end)': 1,
        },
      },
    ]);
    // An enrolment that is gone (erased) is neither written again nor counted.
    await store.eraseCustomer(TENANT, ID, t(10));
    expect(await store.passEdges(TENANT, ID, 'abandoned-cart', 'tok-1', { edges: ['holdout>help-channel'], known: [] }, key)).toEqual([]);
    expect(await store.getEnrolment(TENANT, ID, 'abandoned-cart', 'tok-1')).toBeUndefined();
    expect((await store.journeyCounters(TENANT, 'abandoned-cart'))[0]!.counts['edge:holdout>help-channel']).toBeUndefined();
  });
});
