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
      suppressed: { frequency_cap: 2, no_consent: 1 },
      converted: 2,
      revenue: { PLN: '299.99', EUR: '50.00' },
      cost: { transitions: 12, invocations: 3, emails: 2, smsParts: 2, usd: 0.091701 },
      days: [
        { day: '2026-11-23', entered: 3, sent: 2, converted: 0, revenue: { PLN: '0.00' } },
        { day: '2026-11-24', entered: 0, sent: 1, converted: 2, revenue: { PLN: '299.99', EUR: '50.00' } },
      ],
      nodes: [
        { node: 'first-reminder', sent: 2, suppressed: 3, converted: 1 },
        { node: 'second-reminder', sent: 1, suppressed: 0, converted: 1 },
      ],
      experiments: [],
    });
    // 12 transitions, 3 invocations, 2 e-mails and 2 SMS parts at list prices, to a millionth of a dollar.
    expect(s.cost.usd).toBeCloseTo(12 * 0.000025 + 3 * 0.0000002 + 2 * 0.0001 + 2 * 0.0456, 6);
  });

  it('is zero, with the shop currency, for a journey nothing happened in', () => {
    expect(journeyStats(CART, [], PRICES)).toMatchObject({ entered: 0, active: 0, revenue: { PLN: '0.00' }, days: [], nodes: [], experiments: [] });
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
        { variant: 'a', recipients: 100, conversions: 10, rate: 0.1, revenuePerRecipient: '10.00' },
        { variant: 'b', recipients: 100, conversions: 15, rate: 0.15, revenuePerRecipient: '15.00' },
      ],
      difference: { rate: 0.05, low: expect.any(Number), high: expect.any(Number) },
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
          { variant: 'holdout', recipients: 80, conversions: 48, rate: 0.6, revenuePerRecipient: '30.00' },
          { variant: 'messaged', recipients: 70, conversions: 56, rate: 0.8, revenuePerRecipient: '40.00' },
        ],
        // Newcombe's example (a): 56/70 against 48/80.
        difference: { rate: 0.2, low: 0.052431, high: 0.333873 },
        verdict: 'better',
        neededPerArm: null,
      },
    ]);
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
});
