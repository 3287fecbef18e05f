import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import { contractBackends, data, retained, t, task } from './backends.ts';

const DAY = 86_400_000;

/** OperationsRepository: event claims, rate-limit leases, the daily SMS cap, staff tasks. */
describe.each(contractBackends())('OperationsRepository on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  describe('claimEvent', () => {
    const now = new Date('2026-03-02T09:00:00.500Z');
    const later = (ms: number) => new Date(now.getTime() + ms);

    it('claims an event key once per shop; a release lets the retry claim it', async () => {
      expect(await store.claimEvent('shop-a', 'shopify:1', now)).toBe(true);
      expect(await store.claimEvent('shop-a', 'shopify:1', later(1000))).toBe(false);
      expect(await store.claimEvent('shop-b', 'shopify:1', now)).toBe(true);
      expect(await store.claimEvent('shop-a', 'shopify:2', now)).toBe(true);
      await store.releaseEvent('shop-a', 'shopify:1');
      expect(await store.claimEvent('shop-a', 'shopify:1', later(2000))).toBe(true);
      expect(await store.claimEvent('shop-b', 'shopify:1', later(2000))).toBe(false);
      await store.releaseEvent('shop-a', 'never-claimed');
    });

    it('holds a claim for 8 days to the second, then takes an expired claim as gone', async () => {
      expect(await store.claimEvent('shop-a', 'ev', now)).toBe(true);
      // expiresAt is whole seconds: 8 days after 09:00:00 (the .5 s is cut).
      expect(await store.claimEvent('shop-a', 'ev', later(8 * DAY - 500))).toBe(false);
      expect(await store.claimEvent('shop-a', 'ev', later(8 * DAY + 499))).toBe(false);
      expect(await store.claimEvent('shop-a', 'ev', later(8 * DAY + 500))).toBe(true);
      // The new claim runs 8 days from its own time.
      expect(await store.claimEvent('shop-a', 'ev', later(16 * DAY))).toBe(false);
      expect(await store.claimEvent('shop-a', 'ev', later(16 * DAY + 1500))).toBe(true);
    });
  });

  describe('takeRate', () => {
    it('leases `n` of `limit` per bucket and window; refuses a lease that does not fit, whole', async () => {
      expect(await store.takeRate('shop-a#key', 100, 10, 4)).toBe(true);
      expect(await store.takeRate('shop-a#key', 100, 10, 4)).toBe(true);
      expect(await store.takeRate('shop-a#key', 100, 10, 4)).toBe(false);
      expect(await store.takeRate('shop-a#key', 100, 10, 2)).toBe(true);
      expect(await store.takeRate('shop-a#key', 100, 10)).toBe(false);
      expect(await store.takeRate('shop-a#key', 101, 10)).toBe(true);
      expect(await store.takeRate('shop-b#key', 100, 10, 10)).toBe(true);
      expect(await store.takeRate('shop-b#key', 100, 10, 1)).toBe(false);
    });

    it('refuses more than the limit at once, and counts one by default', async () => {
      expect(await store.takeRate('b', 7, 3, 4)).toBe(false);
      expect(await store.takeRate('b', 7, 3)).toBe(true);
      expect(await store.takeRate('b', 7, 3)).toBe(true);
      expect(await store.takeRate('b', 7, 3)).toBe(true);
      expect(await store.takeRate('b', 7, 3)).toBe(false);
      // A larger limit on the same window sees what was taken.
      expect(await store.takeRate('b', 7, 5, 2)).toBe(true);
      expect(await store.takeRate('b', 7, 5, 1)).toBe(false);
    });
  });

  describe('countSms', () => {
    it('counts billed parts up to the cap per shop and day', async () => {
      expect(await store.countSms('shop-a', '2026-03-02', 2, 1)).toBe(true);
      expect(await store.countSms('shop-a', '2026-03-02', 2, 1)).toBe(true);
      expect(await store.countSms('shop-a', '2026-03-02', 2, 1)).toBe(false);
      expect(await store.countSms('shop-a', '2026-03-02', 3, 1)).toBe(true);
      expect(await store.countSms('shop-a', '2026-03-03', 2, 1)).toBe(true);
      expect(await store.countSms('shop-b', '2026-03-02', 2, 1)).toBe(true);
    });

    it('a 3-part message takes 3 of the cap, and one that does not fit whole counts nothing', async () => {
      expect(await store.countSms('shop-a', '2026-03-02', 5, 3)).toBe(true);
      expect(await store.countSms('shop-a', '2026-03-02', 5, 3)).toBe(false);
      expect(await store.countSms('shop-a', '2026-03-02', 5, 2)).toBe(true);
      expect(await store.countSms('shop-a', '2026-03-02', 5, 1)).toBe(false);
      // More parts than the whole cap: never, not even as the day's first.
      expect(await store.countSms('shop-b', '2026-03-02', 2, 3)).toBe(false);
      expect(await store.countSms('shop-b', '2026-03-02', 2, 2)).toBe(true);
      expect(await store.countSms('shop-b', '2026-03-02', 2, 1)).toBe(false);
    });

    it('a cap of 0 lets no paid SMS through, not even the first of the day', async () => {
      expect(await store.countSms('shop-a', '2026-03-02', 0, 1)).toBe(false);
      expect(await store.countSms('shop-a', '2026-03-02', 0, 1)).toBe(false);
      // Nothing was counted: a cap raised later in the day starts from zero.
      expect(await store.countSms('shop-a', '2026-03-02', 1, 1)).toBe(true);
      expect(await store.countSms('shop-a', '2026-03-02', 1, 1)).toBe(false);
    });
  });

  describe('tasks', () => {
    it('creates a task once per time and id, and lists a shop’s tasks in that order', async () => {
      expect(await store.createTask('shop-a', task('t-2', t(5), 'c_1'))).toBe(true);
      expect(await store.createTask('shop-a', task('t-1', t(9), 'c_2'))).toBe(true);
      expect(await store.createTask('shop-a', task('t-3', t(5), 'c_1'))).toBe(true);
      expect(await store.createTask('shop-a', task('t-2', t(5), 'c_1', { text: 'again' }))).toBe(false);
      expect(await store.createTask('shop-a', task('t-2', t(6), 'c_1'))).toBe(true);
      expect(await store.createTask('shop-b', task('t-2', t(5), 'c_1'))).toBe(true);
      // A task carries a TTL: retention after it was made.
      const kept = (id: string, at: string, customerId: string) => ({ ...task(id, at, customerId), expiresAt: retained(at) });
      expect(data(await store.listTasks('shop-a'))).toStrictEqual([kept('t-2', t(5), 'c_1'), kept('t-3', t(5), 'c_1'), kept('t-2', t(6), 'c_1'), kept('t-1', t(9), 'c_2')]);
      expect(data(await store.listTasks('shop-b'))).toStrictEqual([kept('t-2', t(5), 'c_1')]);
      expect(await store.listTasks('shop-c')).toEqual([]);
    });

    it('hands out copies', async () => {
      const given = task('t-1', t(0), 'c_1');
      await store.createTask('shop-a', given);
      given.status = 'done';
      const [listed] = await store.listTasks('shop-a');
      listed!.text = 'changed';
      expect(data(await store.listTasks('shop-a'))).toStrictEqual([{ ...task('t-1', t(0), 'c_1'), expiresAt: retained(t(0)) }]);
    });
  });
});
