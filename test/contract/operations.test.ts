import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import { contractBackends, data, retained, t, task } from './backends.ts';

const DAY = 86_400_000;

/** OperationsRepository: event claims (leases), rate-limit leases, the daily SMS cap, staff tasks. */
describe.each(contractBackends())('OperationsRepository on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  describe('claimEvent: a lease, then done', () => {
    const now = new Date('2026-03-02T09:00:00.500Z');
    const later = (ms: number) => new Date(now.getTime() + ms);
    const LEASE = 100;
    const claimed = (since: Date, at = since) => ({ state: 'claimed', lease: at.toISOString(), since: since.toISOString() });

    it('claims an event key once per shop; a running lease is `processing` until it runs out, a done one a duplicate', async () => {
      expect(await store.claimEvent('shop-a', 'shopify:1', now, LEASE)).toEqual(claimed(now));
      // expiresAt and leaseUntil are whole seconds: the lease ends at 09:01:40, the .5 s is cut.
      expect(await store.claimEvent('shop-a', 'shopify:1', later(1000), LEASE)).toEqual({ state: 'processing', until: '2026-03-02T09:01:40.000Z' });
      expect(await store.claimEvent('shop-b', 'shopify:1', now, LEASE)).toEqual(claimed(now));
      expect(await store.claimEvent('shop-a', 'shopify:2', now, LEASE)).toEqual(claimed(now));
      await store.completeEvent('shop-a', 'shopify:1', later(2000));
      expect(await store.claimEvent('shop-a', 'shopify:1', later(3000), LEASE)).toEqual({ state: 'done' });
      // Long after the lease: done is done.
      expect(await store.claimEvent('shop-a', 'shopify:1', later(LEASE * 5000), LEASE)).toEqual({ state: 'done' });
      expect(await store.claimEvent('shop-b', 'shopify:1', later(3000), LEASE)).toMatchObject({ state: 'processing' });
    });

    it('a lease that ran out (its attempt crashed) is taken over, keeping when the key was first claimed', async () => {
      expect(await store.claimEvent('shop-a', 'ev', now, LEASE)).toEqual(claimed(now));
      expect(await store.claimEvent('shop-a', 'ev', later(LEASE * 1000 - 500), LEASE)).toMatchObject({ state: 'processing' });
      expect(await store.claimEvent('shop-a', 'ev', later(LEASE * 1000 + 499), LEASE)).toMatchObject({ state: 'processing' });
      const retry = later(LEASE * 1000 + 500);
      expect(await store.claimEvent('shop-a', 'ev', retry, LEASE)).toEqual(claimed(now, retry));
      // The new lease runs from its own time.
      expect(await store.claimEvent('shop-a', 'ev', later(LEASE * 1000 + 1000), LEASE)).toEqual({ state: 'processing', until: '2026-03-02T09:03:21.000Z' });
      // The crashed attempt's lease can no longer be given back; the new one can.
      await store.releaseEvent('shop-a', 'ev', now.toISOString());
      expect(await store.claimEvent('shop-a', 'ev', later(LEASE * 1000 + 1500), LEASE)).toMatchObject({ state: 'processing' });
      await store.releaseEvent('shop-a', 'ev', retry.toISOString());
      expect(await store.claimEvent('shop-a', 'ev', later(LEASE * 1000 + 2000), LEASE)).toEqual(claimed(now, later(LEASE * 1000 + 2000)));
    });

    it('a release gives a failed attempt’s lease back at once, keeping when the key was first claimed, never a claim that is done', async () => {
      expect(await store.claimEvent('shop-a', 'ev', now, LEASE)).toEqual(claimed(now));
      await store.releaseEvent('shop-a', 'ev', now.toISOString());
      // The next attempt applies the event on the clock of the first, which may have applied part of it.
      expect(await store.claimEvent('shop-a', 'ev', later(1000), LEASE)).toEqual(claimed(now, later(1000)));
      await store.completeEvent('shop-a', 'ev', later(2000));
      await store.releaseEvent('shop-a', 'ev', later(1000).toISOString());
      expect(await store.claimEvent('shop-a', 'ev', later(3000), LEASE)).toEqual({ state: 'done' });
      await store.releaseEvent('shop-a', 'never-claimed', now.toISOString());
    });

    it('a claim is done for 8 days after it is done, to the second, then an expired claim counts as gone', async () => {
      expect(await store.claimEvent('shop-a', 'ev', now, LEASE)).toEqual(claimed(now));
      await store.completeEvent('shop-a', 'ev', now);
      expect(await store.claimEvent('shop-a', 'ev', later(8 * DAY - 500), LEASE)).toEqual({ state: 'done' });
      expect(await store.claimEvent('shop-a', 'ev', later(8 * DAY + 499), LEASE)).toEqual({ state: 'done' });
      expect(await store.claimEvent('shop-a', 'ev', later(8 * DAY + 500), LEASE)).toEqual(claimed(later(8 * DAY + 500)));
    });

    it('resume takes over only a lease that ran out, and never claims a new key', async () => {
      expect(await store.claimEvent('shop-a', 'run', now, LEASE, { resume: true })).toEqual({ state: 'absent' });
      expect(await store.claimEvent('shop-a', 'run', now, LEASE)).toEqual(claimed(now));
      expect(await store.claimEvent('shop-a', 'run', later(1000), LEASE, { resume: true })).toMatchObject({ state: 'processing' });
      const resumed = later(LEASE * 1000 + 500);
      expect(await store.claimEvent('shop-a', 'run', resumed, LEASE, { resume: true })).toEqual(claimed(now, resumed));
      await store.completeEvent('shop-a', 'run', resumed);
      expect(await store.claimEvent('shop-a', 'run', later(DAY), LEASE, { resume: true })).toEqual({ state: 'done' });
      expect(await store.claimEvent('shop-b', 'run', later(DAY), LEASE, { resume: true })).toEqual({ state: 'absent' });
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

    it('marks an open task done once, in its own shop, keeping the rest of it', async () => {
      await store.createTask('shop-a', task('t-1', t(0), 'c_1'));
      await store.createTask('shop-b', task('t-1', t(0), 'c_1'));
      expect(await store.completeTask('shop-a', t(0), 't-1', t(3))).toBe(true);
      // A second click, a task that is not there (another time, another id, another shop): nothing.
      expect(await store.completeTask('shop-a', t(0), 't-1', t(4))).toBe(false);
      expect(await store.completeTask('shop-a', t(1), 't-1', t(4))).toBe(false);
      expect(await store.completeTask('shop-a', t(0), 't-9', t(4))).toBe(false);
      expect(await store.completeTask('shop-c', t(0), 't-1', t(4))).toBe(false);
      expect(data(await store.listTasks('shop-a'))).toStrictEqual([{ ...task('t-1', t(0), 'c_1'), status: 'done', doneAt: t(3), expiresAt: retained(t(0)) }]);
      expect(data(await store.listTasks('shop-b'))).toStrictEqual([{ ...task('t-1', t(0), 'c_1'), expiresAt: retained(t(0)) }]);
      expect(data(await store.listTasks('shop-c'))).toStrictEqual([]);
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
