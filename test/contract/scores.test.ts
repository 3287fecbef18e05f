import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import { contractBackends, data, retained, t } from './backends.ts';

/** CustomerRepository's survey answers: NPS and CSAT scores kept under the customer, the latest of each on the profile. */
describe.each(contractBackends())('survey answers on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  describe('recordScore', () => {
    it('keeps each answer once and the latest recorded score on the profile', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { firstName: 'Zofia' }, t(0));
      await store.recordScore('shop-a', 'c_1', { journey: 'nps', subject: 'o-1', score: 9, at: t(5) });
      await store.recordScore('shop-a', 'c_1', { journey: 'nps', subject: 'o-1', score: 2, at: t(5) });
      await store.recordScore('shop-a', 'c_1', { journey: 'nps', subject: 'o-2', score: 7, at: t(3) });
      expect(data((await store.exportCustomer('shop-a', 'c_1'))['surveyAnswers'])).toStrictEqual([
        { journey: 'nps', subject: 'o-2', score: 7, at: t(3), expiresAt: retained(t(3)) },
        { journey: 'nps', subject: 'o-1', score: 9, at: t(5), expiresAt: retained(t(5)) },
      ]);
      // The last call wins on the profile, a replay and an older answer included.
      expect(data(await store.getCustomer('shop-a', 'c_1'))).toStrictEqual({
        customerId: 'c_1',
        firstName: 'Zofia',
        updatedAt: t(0),
        createdAt: t(0),
        expiresAt: retained(t(0)),
        lastScore: 7,
        lastScoreAt: t(3),
      });
    });

    it('keeps a CSAT answer beside the NPS ones, its latest on the profile apart from the latest NPS score', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { firstName: 'Zofia' }, t(0));
      await store.recordScore('shop-a', 'c_1', { journey: 'follow-up', subject: 'o-1', score: 9, at: t(5) });
      await store.recordScore('shop-a', 'c_1', { journey: 'follow-up', subject: 'o-1', score: 2, at: t(6), question: 'csat' });
      expect(data((await store.exportCustomer('shop-a', 'c_1'))['surveyAnswers'])).toStrictEqual([
        { journey: 'follow-up', subject: 'o-1', score: 9, at: t(5), expiresAt: retained(t(5)) },
        { journey: 'follow-up', subject: 'o-1', score: 2, at: t(6), question: 'csat', expiresAt: retained(t(6)) },
      ]);
      expect(await store.getCustomer('shop-a', 'c_1')).toMatchObject({ lastScore: 9, lastScoreAt: t(5), lastCsat: 2, lastCsatAt: t(6) });
    });

    it('records nothing for a customer without a profile, so an answer racing an erasure brings nothing back', async () => {
      await store.recordScore('shop-a', 'c_1', { journey: 'nps', subject: 'o-1', score: 10, at: t(5) });
      expect(await store.getCustomer('shop-a', 'c_1')).toBeUndefined();
      expect((await store.exportCustomer('shop-a', 'c_1'))['surveyAnswers']).toEqual([]);
      await store.upsertCustomer('shop-a', 'c_1', { firstName: 'Zofia' }, t(1));
      await store.eraseCustomer('shop-a', 'c_1', t(6));
      await store.recordScore('shop-a', 'c_1', { journey: 'nps', subject: 'o-1', score: 10, at: t(7) });
      expect(await store.getCustomer('shop-a', 'c_1')).toBeUndefined();
      expect((await store.exportCustomer('shop-a', 'c_1'))['surveyAnswers']).toEqual([]);
    });
  });
});
