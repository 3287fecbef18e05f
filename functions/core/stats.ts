import { type ArmCounts, compareArms } from './lift.ts';
import { type Counts, counter, NONE, SHOP_CURRENCY, type StatsRow, unitsAmount, unitsPer } from './measurement.ts';

/**
 * A journey's stats as GET /v1/journeys/{id}/stats answers them and the simulator's summary prints
 * them: one builder for both, from the journey's counter rows (one Query), pure.
 */

/** The prices cost is reckoned with (bench/prices.json). */
export interface CostPrices {
  stepFunctionsStandardPerTransition: number;
  lambdaPerRequest: number;
  sesPerEmail: number;
  smsPerPartPoland: number;
}

/** The arm of a holdout experiment that was messaged (its members carry no holdout variant). */
export const MESSAGED = 'messaged';
/** The variant a holdout node gives its members: enrolled and measured, never messaged. */
export const HOLDOUT = 'holdout';

/** A journey as the stats name and order it, with the experiment nodes of its graph when it has one. */
export interface StatsJourney {
  id: string;
  name: string;
  steps?: readonly { id: string }[];
  /** A journey graph's nodes (split and holdout nodes are its experiments). */
  nodes?: readonly { id: string; split?: { variants: readonly { name: string }[] }; holdout?: { percent: number } }[];
}

export interface ArmStats {
  variant: string;
  recipients: number;
  conversions: number;
  rate: number;
  revenuePerRecipient: string;
}

export interface ExperimentStats {
  node: string;
  kind: 'split' | 'holdout';
  arms: ArmStats[];
  difference: { rate: number; low: number; high: number } | null;
  verdict: 'better' | 'worse' | 'not_enough_data';
  neededPerArm: number | null;
}

export interface JourneyStats {
  journey: string;
  name: string;
  entered: number;
  active: number;
  finished: number;
  sent: number;
  delivered: number;
  clicked: number;
  suppressed: Record<string, number>;
  converted: number;
  revenue: Record<string, string>;
  cost: { transitions: number; invocations: number; emails: number; smsParts: number; usd: number };
  days: { day: string; entered: number; sent: number; converted: number; revenue: Record<string, string> }[];
  nodes: { node: string; sent: number; suppressed: number; converted: number }[];
  experiments: ExperimentStats[];
}

export interface Stats {
  generatedAt: string;
  journeys: JourneyStats[];
}

function sum(rows: readonly StatsRow[], name: string): number {
  let total = 0;
  for (const r of rows) total += r.counts[name] ?? 0;
  return total;
}

/** Every counter of the rows added up. */
function totals(rows: readonly StatsRow[]): Counts {
  const out: Counts = {};
  for (const r of rows) for (const [k, v] of Object.entries(r.counts)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Revenue per currency as decimal strings, the shop's currency always, others when they have any. */
function revenueOf(counts: Counts): Record<string, string> {
  const out: Record<string, string> = { [SHOP_CURRENCY]: unitsAmount(counts[counter.revenue(SHOP_CURRENCY)] ?? 0, SHOP_CURRENCY) };
  const prefix = counter.revenue('');
  for (const name of Object.keys(counts).sort()) {
    const currency = name.slice(prefix.length);
    if (!name.startsWith(prefix) || currency === SHOP_CURRENCY || !counts[name]) continue;
    out[currency] = unitsAmount(counts[name]!, currency);
  }
  return out;
}

function suppressedOf(counts: Counts): Record<string, number> {
  const prefix = counter.suppressed('');
  const out: Record<string, number> = {};
  for (const name of Object.keys(counts).sort()) if (name.startsWith(prefix) && counts[name]) out[name.slice(prefix.length)] = counts[name]!;
  return out;
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

interface ExperimentSpec {
  node: string;
  kind: 'split' | 'holdout';
  /** The baseline first. */
  variants: string[];
}

/**
 * The experiments of a journey: its graph's split and holdout nodes; for a journey without a graph,
 * what its counters show (the variants seen, as one split named `split`, and holdout members as a
 * holdout named `holdout`).
 */
function experimentsOf(journey: StatsJourney, rows: readonly StatsRow[]): ExperimentSpec[] {
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
 * An arm's counts. A split's arm: the recipients, conversions and revenue of its variant. A
 * holdout's messaged arm: the executions that reached a decision other than a holdout, and the
 * conversions credited to a message that was not a holdout's would-be send.
 */
function armCounts(rows: readonly StatsRow[], variant: string): ArmCounts {
  const messaged = variant === MESSAGED;
  const of = messaged ? rows.filter((r) => r.variant !== HOLDOUT && r.node !== NONE) : rows.filter((r) => r.variant === variant);
  const recipients = messaged ? sum(rows, 'messaged') : sum(of, 'recipients');
  return {
    recipients,
    conversions: sum(of, 'converted'),
    // Revenue in whole units of the shop's currency (Welch's interval needs no exactness).
    revenue: { n: recipients, sum: sum(of, counter.revenue(SHOP_CURRENCY)) / 10_000, sumOfSquares: sum(of, counter.revenueSquares(SHOP_CURRENCY)) },
  };
}

/**
 * One experiment: each arm's rate and revenue per recipient; the difference compared is the holdout's
 * messaged arm against its holdout, or a split's best other arm against its first.
 */
function experiment(spec: ExperimentSpec, rows: readonly StatsRow[]): ExperimentStats {
  const counts = spec.variants.map((v) => [v, armCounts(rows, v)] as const);
  const arms = counts.map(([variant, c]) => ({
    variant,
    recipients: c.recipients,
    conversions: c.conversions,
    rate: c.recipients > 0 ? round(c.conversions / c.recipients) : 0,
    revenuePerRecipient: unitsPer(c.revenue.sum * 10_000, c.recipients),
  }));
  const [baseline, ...others] = counts;
  const rateOf = (c: ArmCounts) => (c.recipients > 0 ? c.conversions / c.recipients : -1);
  const best = others.reduce<(typeof counts)[number] | undefined>((b, o) => (!b || rateOf(o[1]) > rateOf(b[1]) ? o : b), undefined);
  const compared = baseline && best ? compareArms(best[1], baseline[1]) : { verdict: 'not_enough_data' as const };
  return {
    node: spec.node,
    kind: spec.kind,
    arms,
    difference: 'rate' in compared && compared.rate ? { rate: round(compared.rate.difference), low: round(compared.rate.low), high: round(compared.rate.high) } : null,
    verdict: compared.verdict,
    neededPerArm: 'neededPerArm' in compared && compared.neededPerArm !== undefined ? compared.neededPerArm : null,
  };
}

/** A journey's stats from its counter rows. */
export function journeyStats(journey: StatsJourney, rows: readonly StatsRow[], prices: CostPrices): JourneyStats {
  const all = totals(rows);
  const n = (name: string) => all[name] ?? 0;
  const byDay = new Map<string, StatsRow[]>();
  for (const r of rows) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
  const order = [...(journey.nodes ?? journey.steps ?? []).map((s) => s.id)];
  const nodeIds = [...new Set(rows.map((r) => r.node).filter((id) => id !== NONE))].sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || a.localeCompare(b);
  });
  const cost = { transitions: n('transitions'), invocations: n('invocations'), emails: n('emails'), smsParts: n('smsParts') };
  return {
    journey: journey.id,
    name: journey.name,
    entered: n('entered'),
    active: Math.max(0, n('entered') - n('finished')),
    finished: n('finished'),
    sent: n('sent'),
    delivered: n('delivered'),
    clicked: n('clicked'),
    suppressed: suppressedOf(all),
    converted: n('converted'),
    revenue: revenueOf(all),
    cost: {
      ...cost,
      usd: round(
        cost.transitions * prices.stepFunctionsStandardPerTransition +
          cost.invocations * prices.lambdaPerRequest +
          cost.emails * prices.sesPerEmail +
          cost.smsParts * prices.smsPerPartPoland,
      ),
    },
    days: [...byDay.keys()].sort().flatMap((day) => {
      const c = totals(byDay.get(day)!);
      const entry = { day, entered: c['entered'] ?? 0, sent: c['sent'] ?? 0, converted: c['converted'] ?? 0, revenue: revenueOf(c) };
      return Object.values(c).some((v) => v !== 0) ? [entry] : [];
    }),
    nodes: nodeIds.map((node) => {
      const c = totals(rows.filter((r) => r.node === node));
      return { node, sent: c['sent'] ?? 0, suppressed: Object.values(suppressedOf(c)).reduce((a, b) => a + b, 0), converted: c['converted'] ?? 0 };
    }),
    experiments: experimentsOf(journey, rows).map((spec) => experiment(spec, rows)),
  };
}
