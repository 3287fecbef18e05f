import { type ExperimentJourney, journeyExperiments } from './experiments.ts';
import { type Counts, counter, EDGE_END, EDGE_START, NONE, SHOP_CURRENCY, type StatsRow, unitsAmount } from './measurement.ts';
import type { EdgeStats, Engagement, JourneyStats, VersionStats } from './stats-types.ts';
import { surveysOf } from './survey-stats.ts';

export { HOLDOUT, MESSAGED } from './experiments.ts';
export type * from './stats-types.ts';

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

/** A journey as the stats name and order it, with the experiment nodes of its graph when it has one. */
export interface StatsJourney extends ExperimentJourney {
  id: string;
  name: string;
  steps?: readonly { id: string }[];
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

/** Bounces, complaints and, once any are counted, opens (labelled unreliable), of some counters. */
function engagementOf(counts: Counts, countsOpens: boolean): Engagement {
  return {
    bounced: counts['bounced'] ?? 0,
    complained: counts['complained'] ?? 0,
    ...(countsOpens ? { opened: { count: counts['opened'] ?? 0, reliable: false as const } } : {}),
  };
}

/** The counters a version's figures are made of: a version with none of them (only costs, say) is left out. */
const VERSION_COUNTERS = ['entered', 'finished', 'sent', 'delivered', 'clicked', 'bounced', 'complained', 'opened', 'converted'];

/** The figures of each definition version that started, ended, sent, saw engagement or earned anything, in the order they were first seen. */
function versionsOf(rows: readonly StatsRow[], countsOpens: boolean): VersionStats[] {
  const byVersion = new Map<string, StatsRow[]>();
  for (const r of rows) byVersion.set(r.version, [...(byVersion.get(r.version) ?? []), r]);
  const out: VersionStats[] = [];
  for (const [version, of] of byVersion) {
    const c = totals(of);
    const n = (name: string) => c[name] ?? 0;
    const measured = (k: string) => k.startsWith(counter.revenue('')) || k.startsWith('nps:') || k.startsWith('csat:');
    if (VERSION_COUNTERS.every((k) => !c[k]) && Object.keys(c).every((k) => !measured(k) || !c[k])) continue;
    const days = of.map((r) => r.day).sort();
    out.push({
      version: version === NONE ? null : version,
      firstDay: days[0]!,
      lastDay: days.at(-1)!,
      entered: n('entered'),
      finished: n('finished'),
      sent: n('sent'),
      delivered: n('delivered'),
      clicked: n('clicked'),
      ...engagementOf(c, countsOpens),
      converted: n('converted'),
      revenue: revenueOf(c),
      ...surveysOf(c),
    });
  }
  return out.sort((a, b) => a.firstDay.localeCompare(b.firstDay) || (a.version ?? '').localeCompare(b.version ?? ''));
}

/** Every edge some enrolment went along, in the graph's order (the start first, the end last). */
function edgesOf(all: Counts, order: readonly string[]): EdgeStats[] {
  const prefix = counter.edge('');
  const rank = (id: string) => (id === EDGE_START ? -1 : id === EDGE_END ? order.length + 1 : order.includes(id) ? order.indexOf(id) : order.length);
  return Object.entries(all)
    .filter(([name, n]) => name.startsWith(prefix) && n > 0)
    .map(([name, executions]) => {
      const [from = '', to = ''] = name.slice(prefix.length).split('>');
      return { from, to, executions };
    })
    .sort((a, b) => rank(a.from) - rank(b.from) || a.from.localeCompare(b.from) || rank(a.to) - rank(b.to) || a.to.localeCompare(b.to));
}

/** A journey's stats from its counter rows. */
export function journeyStats(journey: StatsJourney, rows: readonly StatsRow[], prices: CostPrices): JourneyStats {
  const all = totals(rows);
  const n = (name: string) => all[name] ?? 0;
  const countsOpens = 'opened' in all;
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
    ...engagementOf(all, countsOpens),
    suppressed: suppressedOf(all),
    converted: n('converted'),
    revenue: revenueOf(all),
    ...surveysOf(all),
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
      const entry = { day, entered: c['entered'] ?? 0, sent: c['sent'] ?? 0, converted: c['converted'] ?? 0, revenue: revenueOf(c), ...surveysOf(c) };
      return Object.values(c).some((v) => v !== 0) ? [entry] : [];
    }),
    nodes: nodeIds.map((node) => {
      const c = totals(rows.filter((r) => r.node === node));
      return {
        node,
        sent: c['sent'] ?? 0,
        suppressed: Object.values(suppressedOf(c)).reduce((a, b) => a + b, 0),
        converted: c['converted'] ?? 0,
        delivered: c['delivered'] ?? 0,
        clicked: c['clicked'] ?? 0,
        ...engagementOf(c, countsOpens),
      };
    }),
    experiments: journeyExperiments(journey, rows, countsOpens),
    versions: versionsOf(rows, countsOpens),
    edges: edgesOf(all, order),
  };
}
