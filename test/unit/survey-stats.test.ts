import { describe, expect, it } from 'vitest';
import type { Counts } from '../../functions/core/measurement.ts';
import { journeyStats } from '../../functions/core/stats.ts';
import { answerCounts, csatOf, FEW_ANSWERS, npsOf } from '../../functions/core/survey-stats.ts';

/** NPS and CSAT from the answer counters, and what an answer replacing another does to them. */
const nps = (byScore: Record<number, number>): Counts => Object.fromEntries(Object.entries(byScore).map(([s, n]) => [`nps:${s}`, n]));
const csat = (byScore: Record<number, number>): Counts => Object.fromEntries(Object.entries(byScore).map(([s, n]) => [`csat:${s}`, n]));

describe('NPS', () => {
  it('is % promoters (9-10) minus % detractors (0-6), with a 95% margin in points once there are enough answers', () => {
    // 60 answers: 30 promoters, 18 passives, 12 detractors: 50% - 20% = 30.
    const s = npsOf(nps({ 10: 20, 9: 10, 8: 10, 7: 8, 6: 6, 3: 4, 0: 2 }))!;
    expect(s).toEqual({ responses: 60, promoters: 30, passives: 18, detractors: 12, score: 30, margin: 19.8, few: false });
    // The margin is 1.96 standard errors of the mean of +1/0/-1 answers: sqrt((0.5 + 0.2 - 0.3²) / 60).
    expect(s.margin).toBeCloseTo(100 * 1.96 * Math.sqrt(0.61 / 60), 1);
  });

  it('gives no margin below the threshold, however alike the answers: a handful of opinions is said to be one', () => {
    expect(npsOf(nps({ 10: 5 }))).toEqual({ responses: 5, promoters: 5, passives: 0, detractors: 0, score: 100, margin: null, few: true });
    expect(npsOf(nps({ 9: FEW_ANSWERS - 1 }))!.few).toBe(true);
    expect(npsOf(nps({ 9: FEW_ANSWERS }))).toMatchObject({ few: false, margin: 0 });
    expect(npsOf(nps({ 0: 1, 6: 2 }))).toMatchObject({ score: -100, detractors: 3 });
  });

  it('is absent without answers, and counts no score outside 0-10', () => {
    expect(npsOf({})).toBeUndefined();
    expect(npsOf({ 'nps:11': 4, 'nps:-1': 2, 'csat:5': 3 })).toBeUndefined();
  });
});

describe('CSAT', () => {
  it('is the % of 4 and 5 answers, with the mean answer and, once there are enough, the margin', () => {
    // 40 answers: 30 satisfied (75%), mean (5·18 + 4·12 + 3·6 + 2·2 + 1·2) / 40 = 4.05.
    const s = csatOf(csat({ 5: 18, 4: 12, 3: 6, 2: 2, 1: 2 }))!;
    expect(s).toEqual({ responses: 40, satisfied: 30, score: 75, mean: 4.05, margin: 13.4, few: false });
    expect(csatOf(csat({ 4: 1, 2: 2 }))).toEqual({ responses: 3, satisfied: 1, score: 33.3, mean: 2.67, margin: null, few: true });
    expect(csatOf(nps({ 9: 3 }))).toBeUndefined();
  });
});

describe('an answer replacing another', () => {
  const base = { question: 'nps' as const, version: 'aaaaaaaaaaaa' };
  const key = (day: string) => ({ day, version: 'aaaaaaaaaaaa', node: '-', variant: '-' });

  it('counts its score and takes back the one it replaces, each under its own day (Europe/Warsaw)', () => {
    expect(answerCounts({ ...base, answer: { score: 9, at: '2026-06-01T10:00:00Z' } })).toEqual([{ key: key('2026-06-01'), counts: { 'nps:9': 1 } }]);
    expect(answerCounts({ ...base, answer: { score: 3, at: '2026-06-01T12:00:00Z' }, previous: { score: 9, at: '2026-06-01T10:00:00Z' } })).toEqual([{ key: key('2026-06-01'), counts: { 'nps:3': 1, 'nps:9': -1 } }]);
    // 23:30 UTC on 1 June is already 2 June in Warsaw.
    expect(answerCounts({ ...base, answer: { score: 3, at: '2026-06-01T23:30:00Z' }, previous: { score: 9, at: '2026-06-01T10:00:00Z' } })).toEqual([
      { key: key('2026-06-02'), counts: { 'nps:3': 1 } },
      { key: key('2026-06-01'), counts: { 'nps:9': -1 } },
    ]);
    // The same score again the same day: nothing moves.
    expect(answerCounts({ ...base, answer: { score: 9, at: '2026-06-01T12:00:00Z' }, previous: { score: 9, at: '2026-06-01T10:00:00Z' } })).toEqual([]);
  });

  it('leaves the journey, each version and each day with one answer per customer, as last given', () => {
    const rows = [
      ...answerCounts({ ...base, answer: { score: 9, at: '2026-06-01T10:00:00Z' } }),
      ...answerCounts({ ...base, answer: { score: 2, at: '2026-06-02T10:00:00Z' }, previous: { score: 9, at: '2026-06-01T10:00:00Z' } }),
      ...answerCounts({ ...base, question: 'csat', answer: { score: 4, at: '2026-06-02T10:00:00Z' } }),
    ].map((r) => ({ ...r.key, counts: r.counts }));
    const s = journeyStats({ id: 'order-follow-up', name: 'Follow-up' }, rows, { stepFunctionsStandardPerTransition: 0, lambdaPerRequest: 0, sesPerEmail: 0, smsPerPartPoland: 0 });
    expect(s.nps).toEqual({ responses: 1, promoters: 0, passives: 0, detractors: 1, score: -100, margin: null, few: true });
    expect(s.csat).toEqual({ responses: 1, satisfied: 1, score: 100, mean: 4, margin: null, few: true });
    expect(s.versions).toEqual([expect.objectContaining({ version: 'aaaaaaaaaaaa', nps: s.nps, csat: s.csat })]);
    // The first day's answer was replaced: that day has none left.
    expect(s.days.map((d) => [d.day, d.nps?.responses, d.csat?.responses])).toEqual([['2026-06-02', 1, 1]]);
  });
});
