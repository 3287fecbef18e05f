import { Z_95 } from './lift.ts';
import { type Counts, counter, NONE, type StatsKey, statsDay } from './measurement.ts';
import type { CsatStats, NpsStats, SurveyStats } from './stats-types.ts';

/** The survey questions: NPS (0-10, would you recommend us?) and CSAT (1-5, how satisfied are you?). */
export type Question = 'nps' | 'csat';

/** A survey answer as its enrolment holds it: the customer's current one to its question. */
export interface HeldAnswer {
  score: number;
  at: string;
}

/**
 * A survey answer becoming the current one of its question on an enrolment, in place of `previous`
 * (none: the first). `version` is the enrolment's definition version (NONE when it has none).
 */
export interface AnswerChange {
  question: Question;
  answer: HeldAnswer;
  previous?: HeldAnswer;
  version: string;
}

/** The attribute of an enrolment that holds its current answer to a question. */
export function answerField(question: Question): 'npsAnswer' | 'csatAnswer' {
  return question === 'nps' ? 'npsAnswer' : 'csatAnswer';
}

/**
 * What an answer replacing another does to the counters: its score counted under its own day, the
 * replaced score taken back from the day it was counted under, so each customer's answer about a
 * subject counts once, as they last gave it. Nothing for an answer the same as the one it replaces.
 */
export function answerCounts(change: AnswerChange): { key: StatsKey; counts: Counts }[] {
  const key = (at: string): StatsKey => ({ day: statsDay(at), version: change.version, node: NONE, variant: NONE });
  const out = new Map<string, { key: StatsKey; counts: Counts }>();
  const add = (at: string, score: number, n: 1 | -1) => {
    const k = key(at);
    const entry = out.get(k.day) ?? { key: k, counts: {} };
    const name = counter.answer(change.question, score);
    entry.counts[name] = (entry.counts[name] ?? 0) + n;
    out.set(k.day, entry);
  };
  add(change.answer.at, change.answer.score, 1);
  if (change.previous) add(change.previous.at, change.previous.score, -1);
  return [...out.values()]
    .map((e) => ({ key: e.key, counts: Object.fromEntries(Object.entries(e.counts).filter(([, n]) => n !== 0)) }))
    .filter((e) => Object.keys(e.counts).length > 0);
}

/**
 * NPS and CSAT from a journey's answer counters (`nps:{score}`, `csat:{score}`: the current answers
 * with each score), pure. Below FEW_ANSWERS answers no interval is given: the normal approximation
 * it rests on does not hold, and with all of a handful of answers alike it would claim no
 * uncertainty at all; the figures say `few` instead, and a reader sees n.
 */
export const FEW_ANSWERS = 30;

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

function histogram(counts: Counts, question: Question, from: number, to: number): number[] {
  const out: number[] = [];
  for (let score = from; score <= to; score++) out[score] = Math.max(0, counts[counter.answer(question, score)] ?? 0);
  return out;
}

const sum = (xs: number[], from: number, to: number) => xs.slice(from, to + 1).reduce((a, b) => a + (b ?? 0), 0);

export function npsOf(counts: Counts): NpsStats | undefined {
  const h = histogram(counts, 'nps', 0, 10);
  const responses = sum(h, 0, 10);
  if (responses === 0) return undefined;
  const promoters = sum(h, 9, 10);
  const detractors = sum(h, 0, 6);
  const p = promoters / responses;
  const d = detractors / responses;
  const few = responses < FEW_ANSWERS;
  // Each answer scores +1, 0 or -1; the score is their mean, its variance p + d - (p - d)².
  const margin = few ? null : round1(100 * Z_95 * Math.sqrt(Math.max(0, p + d - (p - d) ** 2) / responses));
  return { responses, promoters, passives: responses - promoters - detractors, detractors, score: round1(100 * (p - d)), margin, few };
}

export function csatOf(counts: Counts): CsatStats | undefined {
  const h = histogram(counts, 'csat', 1, 5);
  const responses = sum(h, 1, 5);
  if (responses === 0) return undefined;
  const satisfied = sum(h, 4, 5);
  const p = satisfied / responses;
  const few = responses < FEW_ANSWERS;
  const total = h.reduce((a, n, score) => a + (n ?? 0) * score, 0);
  return { responses, satisfied, score: round1(100 * p), mean: round2(total / responses), margin: few ? null : round1(100 * Z_95 * Math.sqrt((p * (1 - p)) / responses)), few };
}

/** The survey figures of some counters: each question's, where it has answers. */
export function surveysOf(counts: Counts): SurveyStats {
  const nps = npsOf(counts);
  const csat = csatOf(counts);
  return { ...(nps ? { nps } : {}), ...(csat ? { csat } : {}) };
}
