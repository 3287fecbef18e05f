import { describe, expect, it } from 'vitest';
import type { StatsRow } from '../../functions/core/measurement.ts';
import { journeyStats } from '../../functions/core/stats.ts';

const PRICES = { stepFunctionsStandardPerTransition: 0.000025, lambdaPerRequest: 0.0000002, sesPerEmail: 0.0001, smsPerPartPoland: 0.0456 };
const CART = { id: 'abandoned-cart', name: 'Abandoned-cart recovery', steps: [{ id: 'first-reminder' }, { id: 'second-reminder' }] };
const row = (day: string, node: string, variant: string, counts: Record<string, number>, version = '-'): StatsRow => ({ day, version, node, variant, counts });

describe('a journey’s stats from its counters', () => {
  it('adds up totals, active enrolments, suppressions by reason, revenue per currency, cost, days and nodes', () => {
    const rows = [
      row('2026-11-23', '-', '-', { entered: 3, finished: 1, transitions: 3 }),
      row('2026-11-23', 'first-reminder', '-', { sent: 2, emails: 2, 'suppressed:no_consent': 1, delivered: 2, clicked: 1, transitions: 9, invocations: 3 }),
      row('2026-11-24', 'second-reminder', '-', { sent: 1, smsParts: 2, converted: 1, 'revenue:PLN': 1_999_900, 'revenue:EUR': 500_000 }, 'v2'),
      row('2026-11-24', 'first-reminder', '-', { converted: 1, 'revenue:PLN': 1_000_000, 'suppressed:frequency_cap': 2 }),
    ];
    const s = journeyStats(CART, rows, PRICES);
    expect(s).toEqual({
      journey: 'abandoned-cart',
      name: 'Abandoned-cart recovery',
      entered: 3,
      active: 2,
      finished: 1,
      sent: 3,
      delivered: 2,
      clicked: 1,
      bounced: 0,
      complained: 0,
      suppressed: { frequency_cap: 2, no_consent: 1 },
      converted: 2,
      revenue: { PLN: '299.99', EUR: '50.00' },
      cost: { transitions: 12, invocations: 3, emails: 2, smsParts: 2, usd: 0.091701 },
      days: [
        { day: '2026-11-23', entered: 3, sent: 2, converted: 0, revenue: { PLN: '0.00' } },
        { day: '2026-11-24', entered: 0, sent: 1, converted: 2, revenue: { PLN: '299.99', EUR: '50.00' } },
      ],
      nodes: [
        { node: 'first-reminder', sent: 2, suppressed: 3, converted: 1, delivered: 2, clicked: 1, bounced: 0, complained: 0 },
        { node: 'second-reminder', sent: 1, suppressed: 0, converted: 1, delivered: 0, clicked: 0, bounced: 0, complained: 0 },
      ],
      experiments: [],
      versions: [
        { version: null, firstDay: '2026-11-23', lastDay: '2026-11-24', entered: 3, finished: 1, sent: 2, delivered: 2, clicked: 1, bounced: 0, complained: 0, converted: 1, revenue: { PLN: '100.00' } },
        { version: 'v2', firstDay: '2026-11-24', lastDay: '2026-11-24', entered: 0, finished: 0, sent: 1, delivered: 0, clicked: 0, bounced: 0, complained: 0, converted: 1, revenue: { PLN: '199.99', EUR: '50.00' } },
      ],
      edges: [],
    });
    // 12 transitions, 3 invocations, 2 e-mails and 2 SMS parts at list prices, to a millionth of a dollar.
    expect(s.cost.usd).toBeCloseTo(12 * 0.000025 + 3 * 0.0000002 + 2 * 0.0001 + 2 * 0.0456, 6);
  });

  it('is zero, with the shop currency, for a journey nothing happened in', () => {
    expect(journeyStats(CART, [], PRICES)).toMatchObject({ entered: 0, active: 0, bounced: 0, complained: 0, revenue: { PLN: '0.00' }, days: [], nodes: [], experiments: [], versions: [], edges: [] });
    expect(journeyStats(CART, [], PRICES)).not.toHaveProperty('opened');
  });

  it('a refund leaves the conversion and takes its revenue back from the day it was made', () => {
    const rows = [row('2026-11-24', 'first-reminder', '-', { converted: 1, 'revenue:PLN': 0, 'revenueSq:PLN': 0 })];
    expect(journeyStats(CART, rows, PRICES)).toMatchObject({ converted: 1, revenue: { PLN: '0.00' }, days: [{ day: '2026-11-24', converted: 1, revenue: { PLN: '0.00' } }] });
  });

  it('compares the arms of a split seen in the counters: rate, revenue per recipient, the interval and what is still needed', () => {
    const rows = [
      row('2026-11-23', 'reminder-a', 'a', { recipients: 100, messaged: 100, sent: 100, converted: 10, 'revenue:PLN': 10 * 1_000_000, 'revenueSq:PLN': 10 * 10_000 }),
      row('2026-11-23', 'reminder-b', 'b', { recipients: 100, messaged: 100, sent: 100, converted: 15, 'revenue:PLN': 15 * 1_000_000, 'revenueSq:PLN': 15 * 10_000 }),
    ];
    const [split] = journeyStats(CART, rows, PRICES).experiments;
    expect(split).toEqual({
      node: 'split',
      kind: 'split',
      arms: [
        { variant: 'a', recipients: 100, conversions: 10, rate: 0.1, revenuePerRecipient: '10.00', delivered: 0, clicked: 0, clickRate: 0, bounced: 0, complained: 0 },
        { variant: 'b', recipients: 100, conversions: 15, rate: 0.15, revenuePerRecipient: '15.00', delivered: 0, clicked: 0, clickRate: 0, bounced: 0, complained: 0 },
      ],
      // Every conversion 100 zł, so revenue per recipient differs exactly as the rate does (no variation
      // beyond it): Welch's interval from the sums of revenue and of its squares.
      difference: { rate: 0.05, low: expect.any(Number), high: expect.any(Number), revenue: { perRecipient: '5.00', low: expect.any(String), high: expect.any(String), verdict: 'not_enough_data' } },
      verdict: 'not_enough_data',
      neededPerArm: 686,
    });
    expect(split!.difference!.low).toBeLessThan(0);
    expect(split!.difference!.high).toBeGreaterThan(0.05);
  });

  it('measures a holdout: its members against everyone messaged, by the graph’s node when the journey has one', () => {
    const graph = { ...CART, nodes: [{ id: 'keep-out', holdout: { percent: 10 } }, { id: 'first-reminder' }] };
    const rows = [
      row('2026-11-23', 'first-reminder', 'holdout', { recipients: 80, 'suppressed:holdout': 80, converted: 48, 'revenue:PLN': 48 * 500_000 }),
      row('2026-11-23', 'first-reminder', '-', { recipients: 70, messaged: 70, sent: 70, converted: 56, 'revenue:PLN': 56 * 500_000 }),
    ];
    const s = journeyStats(graph, rows, PRICES);
    expect(s.suppressed).toEqual({ holdout: 80 });
    expect(s.experiments).toEqual([
      {
        node: 'keep-out',
        kind: 'holdout',
        arms: [
          { variant: 'holdout', recipients: 80, conversions: 48, rate: 0.6, revenuePerRecipient: '30.00', delivered: 0, clicked: 0, clickRate: 0, bounced: 0, complained: 0 },
          { variant: 'messaged', recipients: 70, conversions: 56, rate: 0.8, revenuePerRecipient: '40.00', delivered: 0, clicked: 0, clickRate: 0, bounced: 0, complained: 0 },
        ],
        // Newcombe's example (a): 56/70 against 48/80. The counters hold no squares of revenue here: no
        // variation to build an interval on, so revenue has its difference and no verdict.
        difference: { rate: 0.2, low: 0.052431, high: 0.333873, revenue: { perRecipient: '10.00', low: null, high: null, verdict: 'not_enough_data' } },
        verdict: 'better',
        neededPerArm: null,
      },
    ]);
  });

  it('gives each arm what became of its messages, counted under the arm they were sent under, and clicks per recipient', () => {
    const graph = { ...CART, nodes: [{ id: 'keep-out', holdout: { percent: 10 } }, { id: 'subject-test', split: { variants: [{ name: 'a' }, { name: 'b' }] } }] };
    const rows = [
      row('2026-11-23', 'mail-a', 'a', { recipients: 40, messaged: 40, sent: 40, converted: 4 }),
      row('2026-11-23', 'mail-b', 'b', { recipients: 50, messaged: 50, sent: 50, converted: 5 }),
      row('2026-11-23', 'mail-a', 'holdout', { recipients: 10, 'suppressed:holdout': 10, converted: 1 }),
      // Engagement of each arm's messages, a day later: under the arm each message carried.
      row('2026-11-24', 'mail-a', 'a', { delivered: 38, clicked: 10, bounced: 2, opened: 30 }),
      row('2026-11-24', 'mail-b', 'b', { delivered: 49, clicked: 20, complained: 1, opened: 41 }),
      // A message sent before the split, or one whose tag named no arm: the journey's and its node's, no arm's.
      row('2026-11-24', 'mail-a', '-', { delivered: 3, clicked: 1 }),
    ];
    const s = journeyStats(graph, rows, PRICES);
    const [holdout, split] = s.experiments;
    const opened = (count: number) => ({ count, reliable: false });
    expect(split!.arms).toEqual([
      { variant: 'a', recipients: 40, conversions: 4, rate: 0.1, revenuePerRecipient: '0.00', delivered: 38, clicked: 10, clickRate: 0.25, bounced: 2, complained: 0, opened: opened(30) },
      { variant: 'b', recipients: 50, conversions: 5, rate: 0.1, revenuePerRecipient: '0.00', delivered: 49, clicked: 20, clickRate: 0.4, bounced: 0, complained: 1, opened: opened(41) },
    ]);
    // The holdout's members were sent nothing; everyone else's messages are the messaged arm's, arms or none.
    expect(holdout!.arms).toEqual([
      { variant: 'holdout', recipients: 10, conversions: 1, rate: 0.1, revenuePerRecipient: '0.00', delivered: 0, clicked: 0, clickRate: 0, bounced: 0, complained: 0, opened: opened(0) },
      { variant: 'messaged', recipients: 90, conversions: 9, rate: 0.1, revenuePerRecipient: '0.00', delivered: 90, clicked: 31, clickRate: 0.344444, bounced: 2, complained: 1, opened: opened(71) },
    ]);
    expect(s).toMatchObject({ delivered: 90, clicked: 31 });
    // No opens counted: none on the arms either.
    const [, closed] = journeyStats(graph, rows.map((r) => ({ ...r, counts: Object.fromEntries(Object.entries(r.counts).filter(([k]) => k !== 'opened')) })), PRICES).experiments;
    expect(closed!.arms.map((a) => 'opened' in a)).toEqual([false, false]);
  });

  it('names a split by its graph node and lists its arms in the graph’s order, the first as the baseline', () => {
    const graph = { ...CART, nodes: [{ id: 'subject-test', split: { variants: [{ name: 'long' }, { name: 'short' }, { name: 'emoji' }] } }] };
    const rows = [
      row('2026-11-23', 'mail-long', 'long', { recipients: 70, converted: 56 }),
      row('2026-11-23', 'mail-short', 'short', { recipients: 80, converted: 48 }),
      row('2026-11-23', 'mail-emoji', 'emoji', { recipients: 80, converted: 20 }),
    ];
    const [split] = journeyStats(graph, rows, PRICES).experiments;
    expect(split!.node).toBe('subject-test');
    expect(split!.arms.map((a) => a.variant)).toEqual(['long', 'short', 'emoji']);
    // The best other arm (short, 0.6) against the baseline (long, 0.8): worse.
    expect(split!.difference!.rate).toBeCloseTo(-0.2, 6);
    expect(split!.verdict).toBe('worse');
  });

  it('gives revenue per recipient its own 95% interval (Welch) and verdict beside the rate’s', () => {
    // Arm a: 200 recipients, 20 orders of 100 zł (mean 10, variance 180000/199); arm b: 60 orders (mean 30,
    // variance 420000/199). Welch: difference 20, standard error 3.8827, 343.1 degrees of freedom,
    // t = 1.9669: 20 ± 7.637.
    const rows = [
      row('2026-11-23', 'reminder-a', 'a', { recipients: 200, converted: 20, 'revenue:PLN': 20 * 1_000_000, 'revenueSq:PLN': 20 * 10_000 }),
      row('2026-11-23', 'reminder-b', 'b', { recipients: 200, converted: 60, 'revenue:PLN': 60 * 1_000_000, 'revenueSq:PLN': 60 * 10_000 }),
    ];
    const [split] = journeyStats(CART, rows, PRICES).experiments;
    expect(split!.verdict).toBe('better');
    expect(split!.difference!.revenue).toEqual({ perRecipient: '20.00', low: '12.36', high: '27.64', verdict: 'better' });
    // The same with b worse: the interval mirrors, and so does the verdict.
    const worse = journeyStats(CART, [rows[0]!, row('2026-11-23', 'reminder-b', 'b', { recipients: 200, converted: 18, 'revenue:PLN': 18 * 200_000, 'revenueSq:PLN': 18 * 400 })], PRICES).experiments[0]!;
    expect(worse.difference!.revenue.verdict).toBe('worse');
    expect(Number(worse.difference!.revenue.high)).toBeLessThan(0);
  });

  it('says “not enough data” for revenue while an arm has fewer than two recipients, and still gives the difference', () => {
    const rows = [
      row('2026-11-23', 'reminder-a', 'a', { recipients: 1, converted: 1, 'revenue:PLN': 1_500_000, 'revenueSq:PLN': 22_500 }),
      row('2026-11-23', 'reminder-b', 'b', { recipients: 3, converted: 1, 'revenue:PLN': 3_000_000, 'revenueSq:PLN': 90_000 }),
    ];
    const [split] = journeyStats(CART, rows, PRICES).experiments;
    expect(split!.difference!.revenue).toEqual({ perRecipient: '-50.00', low: null, high: null, verdict: 'not_enough_data' });
    // No recipient at all in an arm: no difference of any kind.
    expect(journeyStats(CART, [rows[0]!], PRICES).experiments[0]!.difference).toBeNull();
  });

  it('reports bounces and complaints per journey and node, and opens only once counted, labelled unreliable', () => {
    const rows = [
      row('2026-11-23', 'first-reminder', '-', { sent: 10, delivered: 8, bounced: 1, complained: 1, clicked: 2 }),
      row('2026-11-24', 'second-reminder', '-', { sent: 5, delivered: 5, bounced: 1 }),
    ];
    const without = journeyStats(CART, rows, PRICES);
    expect(without).toMatchObject({ sent: 15, delivered: 13, clicked: 2, bounced: 2, complained: 1 });
    expect(without).not.toHaveProperty('opened');
    expect(without.nodes[0]).toEqual({ node: 'first-reminder', sent: 10, suppressed: 0, converted: 0, delivered: 8, clicked: 2, bounced: 1, complained: 1 });
    const opened = journeyStats(CART, [...rows, row('2026-11-24', 'first-reminder', '-', { opened: 7 })], PRICES);
    expect(opened.opened).toEqual({ count: 7, reliable: false });
    expect(opened.nodes.map((n) => [n.node, n.opened])).toEqual([
      ['first-reminder', { count: 7, reliable: false }],
      ['second-reminder', { count: 0, reliable: false }],
    ]);
  });

  it('splits a journey’s figures by definition version, in the order the versions were first seen, and they add up to the journey’s', () => {
    const rows = [
      row('2026-11-20', '-', '-', { entered: 4 }, 'a1b2'),
      row('2026-11-21', 'first-reminder', '-', { sent: 3, converted: 1, 'revenue:PLN': 1_000_000 }, 'a1b2'),
      row('2026-11-21', 'first-reminder', '-', { delivered: 3, clicked: 2, complained: 1 }, 'a1b2'),
      row('2026-11-22', '-', '-', { entered: 2, finished: 3 }, 'c3d4'),
      row('2026-11-23', 'first-reminder', '-', { sent: 2, converted: 2, 'revenue:PLN': 2_500_000 }, 'c3d4'),
      row('2026-11-23', 'first-reminder', '-', { delivered: 1, bounced: 1 }, 'c3d4'),
      // Delivered before messages carried their version, and finished before enrolments' ends were counted under one.
      row('2026-11-23', 'first-reminder', '-', { delivered: 5, clicked: 1 }),
      row('2026-11-23', '-', '-', { finished: 3 }),
      // Only costs: not a version anyone started on or was measured under.
      row('2026-11-23', 'first-reminder', '-', { transitions: 3 }, 'e5f6'),
    ];
    const s = journeyStats(CART, rows, PRICES);
    expect(s.versions).toEqual([
      { version: 'a1b2', firstDay: '2026-11-20', lastDay: '2026-11-21', entered: 4, finished: 0, sent: 3, delivered: 3, clicked: 2, bounced: 0, complained: 1, converted: 1, revenue: { PLN: '100.00' } },
      { version: 'c3d4', firstDay: '2026-11-22', lastDay: '2026-11-23', entered: 2, finished: 3, sent: 2, delivered: 1, clicked: 0, bounced: 1, complained: 0, converted: 2, revenue: { PLN: '250.00' } },
      { version: null, firstDay: '2026-11-23', lastDay: '2026-11-23', entered: 0, finished: 3, sent: 0, delivered: 5, clicked: 1, bounced: 0, complained: 0, converted: 0, revenue: { PLN: '0.00' } },
    ]);
    for (const k of ['entered', 'finished', 'sent', 'delivered', 'clicked', 'bounced', 'complained', 'converted'] as const) {
      expect(s.versions.reduce((n, v) => n + v[k], 0), k).toBe(s[k]);
    }
    // Opens, once counted, per version too.
    const opened = journeyStats(CART, [...rows, row('2026-11-23', 'first-reminder', '-', { opened: 2 }, 'c3d4')], PRICES);
    expect(opened.versions.map((v) => v.opened)).toEqual([
      { count: 0, reliable: false },
      { count: 2, reliable: false },
      { count: 0, reliable: false },
    ]);
  });

  it('lists the edges enrolments went along, in the graph’s order from the start to the end', () => {
    const graph = { ...CART, nodes: [{ id: 'wait' }, { id: 'value' }, { id: 'big' }, { id: 'small' }] };
    const rows = [
      row('2026-11-23', '-', '-', { entered: 5, 'edge:(start)>wait': 5, 'edge:wait>value': 4, 'edge:value>small': 3 }, 'v1'),
      row('2026-11-24', '-', '-', { 'edge:value>big': 1, 'edge:small>(end)': 2, 'edge:big>(end)': 1, 'edge:value>small': 0 }, 'v2'),
    ];
    expect(journeyStats(graph, rows, PRICES).edges).toEqual([
      { from: '(start)', to: 'wait', executions: 5 },
      { from: 'wait', to: 'value', executions: 4 },
      { from: 'value', to: 'big', executions: 1 },
      { from: 'value', to: 'small', executions: 3 },
      { from: 'big', to: '(end)', executions: 1 },
      { from: 'small', to: '(end)', executions: 2 },
    ]);
  });
});
