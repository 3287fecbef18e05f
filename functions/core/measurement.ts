import type { GoalEvent } from '../../workflows/src/journey.ts';
import { DEFAULT_TIME_ZONE } from '../../workflows/src/quiet-hours.ts';
import { dateTimeFormat } from '../../workflows/src/intl.ts';
import { memoBy } from '../../workflows/src/memo.ts';
import type { Decision, Enrolment } from './model.ts';

/**
 * What a journey achieved, as facts and counters, pure: which goal events are conversions of which
 * journey (attribution), and what each recorded fact adds to the journey's counters. The counters
 * are kept per journey, day, definition version, node and variant (functions/app/ports.ts,
 * StatsRepository); core/stats.ts turns them into the stats a shop reads.
 */

/** The key part of a counter whose value is not known (an enrolment has no node, a line journey no variant). */
export const NONE = '-';

/** Where a counter is kept inside its journey: the day (in the shop's zone), version, node and variant. */
export interface StatsKey {
  day: string;
  version: string;
  node: string;
  variant: string;
}

/** Counter name → amount to add (negative to take away). */
export type Counts = Record<string, number>;

/** One counter item as stored: its key and every counter it holds. */
export interface StatsRow extends StatsKey {
  counts: Counts;
}

/**
 * Counter names. Revenue is kept per currency in ten-thousandths (an integer, added exactly);
 * `revenueSq` is the sum of squared revenue per conversion in whole units, for Welch's interval.
 */
export const counter = {
  suppressed: (reason: string) => `suppressed:${reason}`,
  revenue: (currency: string) => `revenue:${currency}`,
  revenueSquares: (currency: string) => `revenueSq:${currency}`,
  /** Enrolments that went along a journey graph's edge (see `edgeId`). */
  edge: (edge: string) => `edge:${edge}`,
  /** Current survey answers with this score: `nps:0`…`nps:10`, `csat:1`…`csat:5`. */
  answer: (question: 'nps' | 'csat', score: number) => `${question}:${score}`,
} as const;


/** Where a journey graph begins and ends, as edges name them (never a node id: those are lower-case words). */
export const EDGE_START = '(start)';
export const EDGE_END = '(end)';

/** An edge of a journey graph as counted and kept on the enrolment: `{from}>{to}`. */
export function edgeId(from: string, to: string): string {
  return `${from}>${to}`;
}

/** The node an edge leads to. */
export function edgeTarget(edge: string): string {
  return edge.slice(edge.indexOf('>') + 1);
}

/**
 * The edges a new enrolment of a journey graph starts with: from the start to its first node, gone
 * along at once; and, when that node is a wait, the edge out of it, gone along when the wait ends.
 */
export function openingEdges(nodes: readonly { id: string; wait?: unknown; next?: string }[] | undefined): { passed: string[]; pending?: string[] } | undefined {
  const first = nodes?.[0];
  if (!first) return undefined;
  const passed = [edgeId(EDGE_START, first.id)];
  if (first.wait === undefined) return { passed };
  const next = first.next ?? nodes[1]?.id;
  return { passed, pending: [edgeId(first.id, next === undefined || next === 'end' ? EDGE_END : next)] };
}

/** The shop's currency: revenue in it is what experiments compare. */
export const SHOP_CURRENCY = 'PLN';

/** The calendar day of an instant in the shop's zone (Europe/Warsaw): the day a counter is kept under. */
export function statsDay(at: string | Date, timeZone = DEFAULT_TIME_ZONE): string {
  return dayOf(new Date(at).getTime(), timeZone);
}

/** By instant and zone: every counter a step adds is kept under the day of the same instant. */
const dayOf = memoBy(10_000, (ms: number, timeZone: string) => `${ms}\u0000${timeZone}`, (ms: number, timeZone: string): string => {
  const parts = dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
});

/** Ten-thousandths of an amount given as a decimal string ("199.99" → 1999900), exactly. */
export function amountUnits(amount: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(amount.trim());
  if (!m) throw new TypeError(`"${amount}" is not an amount with at most four decimals`);
  const units = BigInt(m[2]!) * 10_000n + BigInt((m[3] ?? '').padEnd(4, '0'));
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`"${amount}" is too large to count`);
  return Number(m[1] ? -units : units);
}

/** The digits a currency is written with (PLN 2, JPY 0). */
function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Ten-thousandths back to a decimal string, with the currency's digits and any finer ones kept ("1999900" → "199.99"). */
export function unitsAmount(units: number, currency = SHOP_CURRENCY): string {
  const n = BigInt(Math.round(units));
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const whole = abs / 10_000n;
  let fraction = (abs % 10_000n).toString().padStart(4, '0');
  const digits = currencyDigits(currency);
  while (fraction.length > digits && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** `units` (ten-thousandths) divided by `n`, rounded half up to the currency's digits: a mean per recipient. */
export function unitsPer(units: number, n: number, currency = SHOP_CURRENCY): string {
  if (n <= 0) return unitsAmount(0, currency);
  const step = 10n ** BigInt(4 - Math.min(4, currencyDigits(currency)));
  const total = BigInt(Math.round(units));
  const divisor = BigInt(n) * step;
  const sign = total < 0n ? -1n : 1n;
  const rounded = (sign * total * 2n + divisor) / (2n * divisor);
  return unitsAmount(Number(sign * rounded * step), currency);
}

/** The square of an amount in ten-thousandths, in whole units, as the decimal it is (199.99² = 39996.0001, not 39996.000100000005). */
function squaredAmount(units: number): number {
  const text = (BigInt(Math.abs(units)) ** 2n).toString().padStart(9, '0');
  return Number(`${text.slice(0, -8)}.${text.slice(-8)}`);
}

/** A decision that counts as a message for attribution: a send, or a holdout member's would-be send. */
export function isMessage(d: Pick<Decision, 'outcome' | 'reason'>): boolean {
  return d.outcome === 'sent' || (d.outcome === 'suppressed' && d.reason === 'holdout');
}

/** A decision that ends a step's work (a deferral is followed by the real one; a stale trigger started no execution). */
export function isFinalDecision(d: Pick<Decision, 'outcome' | 'reason'>): boolean {
  return d.outcome !== 'deferred' && d.reason !== 'stale_trigger';
}

/** Estimated use per executed step on AWS: a Wait, the Task and the Choice after it (infra/journey-definition.ts), and one Lambda invocation. */
export const ESTIMATED_TRANSITIONS_PER_STEP = 3;

/**
 * What a decision logged for the first time adds to its journey's counters: sends (with the e-mails
 * or SMS parts they cost), suppressions by reason, staff tasks and, when `estimateUsage` (on AWS,
 * where Step Functions does not report them per journey), the transitions and invocation of the
 * step. Undefined for a deferral, which the step's own decision follows.
 */
export function decisionCounts(d: Decision, estimateUsage: boolean): { key: StatsKey; counts: Counts } | undefined {
  if (d.outcome === 'deferred') return undefined;
  const key: StatsKey = { day: statsDay(d.at), version: d.version ?? NONE, node: d.step, variant: d.variant ?? NONE };
  const counts: Counts = {};
  if (d.outcome === 'sent') {
    counts['sent'] = 1;
    if (d.channel === 'sms') counts['smsParts'] = d.segments ?? 1;
    else counts['emails'] = 1;
  } else if (d.outcome === 'task') {
    counts['tasks'] = 1;
  } else {
    counts[counter.suppressed(d.reason ?? 'unknown')] = 1;
  }
  if (estimateUsage && isFinalDecision(d)) {
    counts['transitions'] = ESTIMATED_TRANSITIONS_PER_STEP;
    counts['invocations'] = 1;
  }
  return { key, counts };
}

/** Why a goal event is a journey's conversion. */
export type ConversionReason = 'checkout_token' | 'same_customer';

/** A goal event as attribution sees it. */
export interface GoalFact {
  goal: GoalEvent;
  /** What was bought or paid: the order id, or the invoice id. */
  subject: string;
  /** The order's checkout token: a cart journey enrolled under it is the one that led here. */
  checkoutToken?: string;
  at: string;
  eventKey: string;
  /** The order's total or the payment's amount, a decimal string. */
  revenue: string;
  currency: string;
}

/** A conversion as stored under its customer: the goal, the journey it is credited to and the message that earned it. */
export interface Conversion {
  journey: string;
  goal: GoalEvent;
  subject: string;
  at: string;
  eventKey: string;
  reason: ConversionReason;
  revenue: string;
  currency: string;
  /** The last message before the goal (or a holdout member's would-be send): its execution, time, node, variant and definition version. */
  executionName: string;
  messageAt: string;
  step: string;
  variant?: string;
  version?: string;
  /** Set once an order's cancellation or refund took its revenue back. */
  reversedAt?: string;
  reversedBy?: 'order.cancelled' | 'order.refunded';
}

/** The counters a conversion adds (or, with `sign` -1, takes back: a refund keeps the conversion, not its revenue). */
export function conversionCounts(c: Conversion, sign: 1 | -1 = 1): { key: StatsKey; counts: Counts } {
  const units = amountUnits(c.revenue);
  const counts: Counts = { [counter.revenue(c.currency)]: sign * units, [counter.revenueSquares(c.currency)]: sign * squaredAmount(units) };
  if (sign === 1) counts['converted'] = 1;
  return { key: { day: statsDay(c.at), version: c.version ?? NONE, node: c.step, variant: c.variant ?? NONE }, counts };
}

/** A journey as attribution needs it. */
export interface AttributedJourney {
  id: string;
  trigger: string;
  goal: GoalEvent;
  attributionDays: number;
}

/** What the use case read for one goal event. */
export interface AttributionFacts {
  /** The decision log of the customer the goal is about (who ordered, whose invoice was paid). */
  own: readonly Decision[];
  /** Cart journeys' enrolments under the order's checkout token, with the decision log of their customer (who may be another). */
  byToken: readonly { enrolment: Enrolment; decisions: readonly Decision[] }[];
  /** The customer's enrolments this goal ends: active ones it is an exit of, or ones it ended already (goal reached). */
  ending: readonly Enrolment[];
}

/** The last message of `journey` (of one execution, when named) at or before `at` and not before `since`. */
export function lastMessage(decisions: readonly Decision[], journey: string, at: string, o: { executionName?: string; since?: string } = {}): Decision | undefined {
  let last: Decision | undefined;
  const until = Date.parse(at);
  const since = o.since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(o.since);
  for (const d of decisions) {
    if (d.journey !== journey || !isMessage(d) || (o.executionName !== undefined && d.executionName !== o.executionName)) continue;
    const t = Date.parse(d.at);
    if (t > until || t < since) continue;
    if (!last || t > Date.parse(last.at)) last = d;
  }
  return last;
}

/**
 * The conversions one goal event is, at most one per journey whose goal it is:
 * 1. `checkout_token`: an order whose checkout token is a cart journey's enrolment key, when that
 *    enrolment messaged its customer within the window, or messaged them at all and was still
 *    running (or ended by reaching its goal);
 * 2. `same_customer`: the journey's last message to this customer lies within `attributionDays`
 *    before the event;
 * 3. an enrolment of the customer's that this event ends (or that has reached its goal) and that
 *    messaged them, however long ago.
 * A holdout member's would-be send counts as a message, so holdouts convert too. The conversion is
 * credited to the last message's node, variant and definition version.
 */
export function attribute(goal: GoalFact, journeys: readonly AttributedJourney[], facts: AttributionFacts): Conversion[] {
  const out: Conversion[] = [];
  const make = (journey: string, reason: ConversionReason, m: Decision): Conversion => ({
    journey,
    goal: goal.goal,
    subject: goal.subject,
    at: goal.at,
    eventKey: goal.eventKey,
    reason,
    revenue: goal.revenue,
    currency: goal.currency,
    executionName: m.executionName,
    messageAt: m.at,
    step: m.step,
    ...(m.variant !== undefined ? { variant: m.variant } : {}),
    ...(m.version !== undefined ? { version: m.version } : {}),
  });
  for (const j of journeys) {
    if (j.goal !== goal.goal) continue;
    const since = new Date(Date.parse(goal.at) - j.attributionDays * 86_400_000).toISOString();
    const running = (e: Enrolment) => e.status === 'active' || e.status === 'goal-reached';
    const byToken = j.trigger === 'checkout' && goal.checkoutToken !== undefined ? facts.byToken.find((t) => t.enrolment.journey === j.id && t.enrolment.key === goal.checkoutToken) : undefined;
    if (byToken) {
      const m = lastMessage(byToken.decisions, j.id, goal.at, { executionName: byToken.enrolment.executionName });
      if (m && (Date.parse(m.at) >= Date.parse(since) || running(byToken.enrolment))) {
        out.push(make(j.id, 'checkout_token', m));
        continue;
      }
    }
    const recent = lastMessage(facts.own, j.id, goal.at, { since });
    if (recent) {
      out.push(make(j.id, 'same_customer', recent));
      continue;
    }
    let earned: Decision | undefined;
    for (const e of facts.ending.filter((e) => e.journey === j.id && running(e))) {
      const m = lastMessage(facts.own, j.id, goal.at, { executionName: e.executionName });
      if (m && (!earned || Date.parse(m.at) > Date.parse(earned.at))) earned = m;
    }
    if (earned) out.push(make(j.id, 'same_customer', earned));
  }
  return out;
}
