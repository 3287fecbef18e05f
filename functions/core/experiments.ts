import { type ArmCounts, compareArms, type Comparison } from './lift.ts';
import { counter, NONE, SHOP_CURRENCY, type StatsRow, unitsPer } from './measurement.ts';
import type { ArmStats, ExperimentStats, RevenueDifference, Verdict } from './stats-types.ts';

/**
 * A journey's experiments as the Stats JSON reports them (core/stats.ts), from its counter rows:
 * which experiments there are, each arm's counts and what became of its messages, and the comparison of the compared arm with the
 * baseline by conversion rate and by revenue per recipient (core/lift.ts). Pure.
 */

/** The arm of a holdout experiment that was messaged (its members carry no holdout variant). */
export const MESSAGED = 'messaged';
/** The variant a holdout node gives its members: enrolled and measured, never messaged. */
export const HOLDOUT = 'holdout';

/** A journey as its experiments are found: the split and holdout nodes of its graph, when it has one. */
export interface ExperimentJourney {
  nodes?: readonly { id: string; split?: { variants: readonly { name: string }[] }; holdout?: { percent: number } }[];
}

interface ExperimentSpec {
  node: string;
  kind: 'split' | 'holdout';
  /** The baseline first. */
  variants: string[];
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

function sum(rows: readonly StatsRow[], name: string): number {
  let total = 0;
  for (const r of rows) total += r.counts[name] ?? 0;
  return total;
}

/**
 * The experiments of a journey: its graph's split and holdout nodes; for a journey without a graph,
 * what its counters show (the variants seen, as one split named `split`, and holdout members as a
 * holdout named `holdout`).
 */
function experimentsOf(journey: ExperimentJourney, rows: readonly StatsRow[]): ExperimentSpec[] {
  if (journey.nodes?.some((n) => n.split || n.holdout)) {
    return journey.nodes.flatMap((n): ExperimentSpec[] => {
      if (n.split) return [{ node: n.id, kind: 'split', variants: n.split.variants.map((v) => v.name) }];
      // A holdout of 0% holds nobody out: no experiment, unless it held members out before.
      if (n.holdout && (n.holdout.percent > 0 || rows.some((r) => r.variant === HOLDOUT))) return [{ node: n.id, kind: 'holdout', variants: [HOLDOUT, MESSAGED] }];
      return [];
    });
  }
  const seen = [...new Set(rows.map((r) => r.variant))].filter((v) => v !== NONE).sort();
  const out: ExperimentSpec[] = [];
  const arms = seen.filter((v) => v !== HOLDOUT);
  if (arms.length > 0) out.push({ node: 'split', kind: 'split', variants: arms });
  if (seen.includes(HOLDOUT)) out.push({ node: HOLDOUT, kind: 'holdout', variants: [HOLDOUT, MESSAGED] });
  return out;
}

/**
 * An arm's rows: a split arm's are those of its variant (decisions, conversions, and the engagement
 * of messages tagged with it); a holdout's messaged arm's every node's row but the holdout's.
 */
function armRows(rows: readonly StatsRow[], variant: string): StatsRow[] {
  return variant === MESSAGED ? rows.filter((r) => r.variant !== HOLDOUT && r.node !== NONE) : rows.filter((r) => r.variant === variant);
}

/**
 * An arm's counts. A split's arm: the recipients, conversions and revenue of its variant. A
 * holdout's messaged arm: the executions that reached a decision other than a holdout, and the
 * conversions credited to a message that was not a holdout's would-be send.
 */
function armCounts(rows: readonly StatsRow[], variant: string): ArmCounts {
  const of = armRows(rows, variant);
  const recipients = variant === MESSAGED ? sum(rows, 'messaged') : sum(of, 'recipients');
  return {
    recipients,
    conversions: sum(of, 'converted'),
    // Revenue in whole units of the shop's currency (Welch's interval needs no exactness).
    revenue: { n: recipients, sum: sum(of, counter.revenue(SHOP_CURRENCY)) / 10_000, sumOfSquares: sum(of, counter.revenueSquares(SHOP_CURRENCY)) },
  };
}

/** An amount in whole units as the shop's currency writes it, "-0.00" never. */
function money(x: number): string {
  const text = x.toFixed(2);
  return text === '-0.00' ? '0.00' : text;
}

/**
 * The revenue side of a comparison: the difference in revenue per recipient, and Welch's interval
 * with its verdict when one can be had (two recipients or more in each arm, and some variation).
 */
function revenueDifference(arm: ArmCounts, baseline: ArmCounts, compared: Comparison): RevenueDifference {
  const perRecipient = arm.revenue.sum / arm.recipients - baseline.revenue.sum / baseline.recipients;
  const i = compared.revenue;
  if (!i) return { perRecipient: money(perRecipient), low: null, high: null, verdict: 'not_enough_data' };
  const verdict: Verdict = i.low > 0 ? 'better' : i.high < 0 ? 'worse' : 'not_enough_data';
  return { perRecipient: money(i.difference), low: money(i.low), high: money(i.high), verdict };
}

/**
 * One experiment: each arm's rate and revenue per recipient; the difference compared is the holdout's
 * messaged arm against its holdout, or a split's best other arm (by rate) against its first.
 */
function experiment(spec: ExperimentSpec, rows: readonly StatsRow[], countsOpens: boolean): ExperimentStats {
  const counts = spec.variants.map((v) => [v, armCounts(rows, v)] as const);
  const arms = counts.map(([variant, c]): ArmStats => {
    const of = armRows(rows, variant);
    const clicked = sum(of, 'clicked');
    return {
      variant,
      recipients: c.recipients,
      conversions: c.conversions,
      rate: c.recipients > 0 ? round(c.conversions / c.recipients) : 0,
      revenuePerRecipient: unitsPer(c.revenue.sum * 10_000, c.recipients),
      delivered: sum(of, 'delivered'),
      clicked,
      clickRate: c.recipients > 0 ? round(clicked / c.recipients) : 0,
      bounced: sum(of, 'bounced'),
      complained: sum(of, 'complained'),
      ...(countsOpens ? { opened: { count: sum(of, 'opened'), reliable: false as const } } : {}),
    };
  });
  const [baseline, ...others] = counts;
  const rateOf = (c: ArmCounts) => (c.recipients > 0 ? c.conversions / c.recipients : -1);
  const best = others.reduce<(typeof counts)[number] | undefined>((b, o) => (!b || rateOf(o[1]) > rateOf(b[1]) ? o : b), undefined);
  const compared: Comparison = baseline && best ? compareArms(best[1], baseline[1]) : { verdict: 'not_enough_data' };
  return {
    node: spec.node,
    kind: spec.kind,
    arms,
    difference:
      compared.rate && best && baseline
        ? { rate: round(compared.rate.difference), low: round(compared.rate.low), high: round(compared.rate.high), revenue: revenueDifference(best[1], baseline[1], compared) }
        : null,
    verdict: compared.verdict,
    neededPerArm: compared.neededPerArm ?? null,
  };
}

/** Every experiment of a journey, compared; each arm's opens given once the journey's are counted. */
export function journeyExperiments(journey: ExperimentJourney, rows: readonly StatsRow[], countsOpens: boolean): ExperimentStats[] {
  return experimentsOf(journey, rows).map((spec) => experiment(spec, rows, countsOpens));
}
