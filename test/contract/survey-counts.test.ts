import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import type { AnswerChange } from '../../functions/core/survey-stats.ts';
import { contractBackends, t } from './backends.ts';

/**
 * StatsRepository.countAnswer: a survey answer becomes its enrolment's current one only in place of
 * the one read, and the counters move with it in the same write, so a customer changing their
 * score counts once and two answers racing count one.
 */
const TENANT = 'shop-a';
const ID = 'c_1';
const JOURNEY = 'order-follow-up';
const V = 'aaaaaaaaaaaa';

describe.each(contractBackends())('survey answer counts on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
    await store.createEnrolment(TENANT, ID, { journey: JOURNEY, key: 'o-1', executionName: 'order-follow-up-x1', startedAt: t(0), version: V });
  });

  const change = (score: number, at: string, previous?: AnswerChange['previous']): AnswerChange => ({ question: 'nps', answer: { score, at }, version: V, ...(previous ? { previous } : {}) });
  const counters = async () => (await store.journeyCounters(TENANT, JOURNEY)).map((r) => [r.day, r.version, r.counts]);

  it('puts the first answer on the enrolment and counts it; a second only in place of the one it read', async () => {
    expect(await store.countAnswer(TENANT, ID, JOURNEY, 'o-1', change(9, t(60)))).toBe(true);
    expect((await store.getEnrolment(TENANT, ID, JOURNEY, 'o-1'))?.npsAnswer).toEqual({ score: 9, at: t(60) });
    // As if there were none, or another one: refused, nothing counted.
    expect(await store.countAnswer(TENANT, ID, JOURNEY, 'o-1', change(3, t(70)))).toBe(false);
    expect(await store.countAnswer(TENANT, ID, JOURNEY, 'o-1', change(3, t(70), { score: 8, at: t(60) }))).toBe(false);
    expect(await counters()).toEqual([['2026-03-02', V, { 'nps:9': 1 }]]);
    // In place of the one there: the 9 taken back from its day, the 3 counted under its own.
    expect(await store.countAnswer(TENANT, ID, JOURNEY, 'o-1', change(3, t(60 * 24 + 70), { score: 9, at: t(60) }))).toBe(true);
    expect(await counters()).toEqual([
      ['2026-03-02', V, { 'nps:9': 0 }],
      ['2026-03-03', V, { 'nps:3': 1 }],
    ]);
    // CSAT is held apart from NPS.
    expect(await store.countAnswer(TENANT, ID, JOURNEY, 'o-1', { question: 'csat', answer: { score: 5, at: t(61) }, version: V })).toBe(true);
    expect(await store.getEnrolment(TENANT, ID, JOURNEY, 'o-1')).toMatchObject({ npsAnswer: { score: 3, at: t(60 * 24 + 70) }, csatAnswer: { score: 5, at: t(61) } });
  });

  it('two answers racing from the same read: one is counted', async () => {
    const results = await Promise.all([9, 4, 7].map((score) => store.countAnswer(TENANT, ID, JOURNEY, 'o-1', change(score, t(60 + score)))));
    expect(results.filter(Boolean)).toHaveLength(1);
    const rows = await store.journeyCounters(TENANT, JOURNEY);
    expect(rows.flatMap((r) => Object.values(r.counts)).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('counts nothing for an enrolment that is gone (erased)', async () => {
    await store.eraseCustomer(TENANT, ID, t(10));
    expect(await store.countAnswer(TENANT, ID, JOURNEY, 'o-1', change(9, t(60)))).toBe(false);
    expect(await store.getEnrolment(TENANT, ID, JOURNEY, 'o-1')).toBeUndefined();
    expect(await store.journeyCounters(TENANT, JOURNEY)).toEqual([]);
  });
});
