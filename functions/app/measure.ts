import { type Counts, counter, decisionCounts, isFinalDecision, NONE, statsDay } from '../core/measurement.ts';
import { answerField, type Question } from '../core/survey-stats.ts';
import type { Decision, SurveyAnswer } from '../core/model.ts';
import { HOLDOUT } from '../core/stats.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import type { StateStore } from './ports.ts';

/**
 * Journey counters kept beside the facts they count. `withStats` wraps a store so that each fact
 * recorded for the first time adds to its journey's counters: an enrolment created (entered, and a
 * graph's edge from the start, under the definition version it started on), an enrolment ended
 * (finished, under the same version), a decision logged (sent, suppressed by reason, e-mails, SMS
 * parts, tasks, an experiment arm's recipients), a survey answer (its score, in place of the
 * customer's earlier answer about the same subject, so each counts once as last given). A repeated write returns false and counts nothing, so a
 * retried step or redelivered event never counts twice. A counter that cannot be written is logged
 * and lost; the fact stands and the request goes on (counting is at most once).
 */

/** A journey as counting needs it: a graph with split or holdout nodes has experiments. */
export interface MeasuredJourney {
  id: string;
  nodes?: readonly { split?: unknown; holdout?: unknown }[];
}

export interface StatsOptions {
  journeys: readonly MeasuredJourney[];
  log: Log;
  /**
   * Add the estimated Step Functions transitions and Lambda invocation of every executed step
   * (core/measurement.ts): on AWS, where they are not reported per journey. The local engine
   * counts the real ones instead. @default false
   */
  estimateUsage?: boolean;
}

/**
 * What a new decision adds to its experiment arms, from the customer's decision log (which now
 * holds it): `recipients` when it is the execution's first decision with its variant, `messaged`
 * when it is the execution's first that is not a holdout's.
 */
async function armCounts(store: StateStore, tenant: string, customerId: string, d: Decision): Promise<Counts> {
  const label = (x: Decision) => x.variant ?? NONE;
  const earlier = (await store.listDecisions(tenant, customerId)).filter(
    (x) => x.executionName === d.executionName && isFinalDecision(x) && !(x.at === d.at && x.step === d.step),
  );
  const counts: Counts = {};
  if (!earlier.some((x) => label(x) === label(d))) counts['recipients'] = 1;
  if (d.variant !== HOLDOUT && !earlier.some((x) => x.variant !== HOLDOUT)) counts['messaged'] = 1;
  return counts;
}

/** How often an answer is put again after another answer to the same survey got there first. */
const ANSWER_ATTEMPTS = 3;

/**
 * Makes a survey answer the current one of its enrolment (the journey and subject it names) and
 * moves the counters with it, unless a later answer is current already (an older one arriving
 * late is kept as history, counted nowhere). An answer about an enrolment that is gone counts nothing.
 */
async function countAnswer(store: StateStore, tenant: string, customerId: string, a: SurveyAnswer): Promise<void> {
  const question: Question = a.question ?? 'nps';
  for (let attempt = 0; attempt < ANSWER_ATTEMPTS; attempt++) {
    const enrolment = await store.getEnrolment(tenant, customerId, a.journey, a.subject);
    if (!enrolment) return;
    const previous = enrolment[answerField(question)];
    if (previous && Date.parse(previous.at) >= Date.parse(a.at)) return;
    const change = { question, answer: { score: a.score, at: a.at }, version: enrolment.version ?? NONE, ...(previous ? { previous } : {}) };
    if (await store.countAnswer(tenant, customerId, a.journey, a.subject, change)) return;
  }
  throw new Error(`survey answer: the enrolment's answer kept changing for ${ANSWER_ATTEMPTS} attempts`);
}

export function withStats(store: StateStore, o: StatsOptions): StateStore {
  const experiments = new Set(o.journeys.filter((j) => j.nodes?.some((n) => n.split !== undefined || n.holdout !== undefined)).map((j) => j.id));
  const count = async (tenant: string, journey: string, what: () => Promise<{ key: Parameters<StateStore['addCounts']>[2]; counts: Counts } | undefined>) => {
    try {
      const change = await what();
      if (change) await store.addCounts(tenant, journey, change.key, change.counts);
    } catch (e) {
      o.log.warn(LogCode.StatsNotCounted, { journey, error: (e as Error).name });
    }
  };
  const none = (at: string) => ({ day: statsDay(at), version: NONE, node: NONE, variant: NONE });
  const counting: Partial<StateStore> = {
    async createEnrolment(tenant, customerId, enrolment) {
      const created = await store.createEnrolment(tenant, customerId, enrolment);
      // A journey graph's enrolment has gone along its first edge, from the start.
      const edges = Object.fromEntries((enrolment.passed ?? []).map((e) => [counter.edge(e), 1]));
      if (created) await count(tenant, enrolment.journey, async () => ({ key: { ...none(enrolment.startedAt), version: enrolment.version ?? NONE }, counts: { entered: 1, ...edges } }));
      return created;
    },
    async endEnrolment(tenant, customerId, journey, enrolKey, status, reason, at) {
      const ended = await store.endEnrolment(tenant, customerId, journey, enrolKey, status, reason, at);
      // Finished under the version the enrolment started on, as it entered: read once, as it ends.
      if (ended) await count(tenant, journey, async () => ({ key: { ...none(at), version: (await store.getEnrolment(tenant, customerId, journey, enrolKey))?.version ?? NONE }, counts: { finished: 1 } }));
      return ended;
    },
    async recordScore(tenant, customerId, answer) {
      await store.recordScore(tenant, customerId, answer);
      try {
        await countAnswer(store, tenant, customerId, answer);
      } catch (e) {
        o.log.warn(LogCode.StatsNotCounted, { journey: answer.journey, error: (e as Error).name });
      }
    },
    async recordDecision(tenant, customerId, decision) {
      const recorded = await store.recordDecision(tenant, customerId, decision);
      if (recorded) {
        await count(tenant, decision.journey, async () => {
          const change = decisionCounts(decision, o.estimateUsage === true);
          if (!change || !isFinalDecision(decision)) return change;
          if (decision.variant === undefined && !experiments.has(decision.journey)) return change;
          return { key: change.key, counts: { ...change.counts, ...(await armCounts(store, tenant, customerId, decision)) } };
        });
      }
      return recorded;
    },
  };
  // Each method of the store bound once, on first use, rather than at every call.
  const bound = new Map<PropertyKey, { of: unknown; fn: unknown }>();
  return new Proxy(store, {
    get(target, name, receiver) {
      if (typeof name === 'string' && Object.hasOwn(counting, name)) return counting[name as keyof StateStore];
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const known = bound.get(name);
      if (known?.of === value) return known.fn;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      bound.set(name, { of: value, fn });
      return fn;
    },
  });
}
