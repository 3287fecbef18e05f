import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../functions/ingest/rate-limit.ts';

/** The table's counter, with the same condition as Store.takeRate: never past the limit. */
function sharedCounter() {
  const counts = new Map<string, number>();
  let writes = 0;
  return {
    get writes() {
      return writes;
    },
    count: (bucket: string, window: number) => counts.get(`${bucket}/${window}`) ?? 0,
    async takeRate(bucket: string, window: number, limit: number, n = 1) {
      writes++;
      const k = `${bucket}/${window}`;
      const now = counts.get(k) ?? 0;
      if (n > limit || now > limit - n) return false;
      counts.set(k, now + n);
      return true;
    },
  };
}

async function takeMany(limiter: RateLimiter, n: number, window = 1, limit = 1200) {
  let ok = 0;
  for (let i = 0; i < n; i++) if (await limiter.take('shop#key', window, limit)) ok++;
  return ok;
}

describe('rate limiter', () => {
  it('accepts exactly the limit from one instance, with one write per block', async () => {
    const table = sharedCounter();
    const limiter = new RateLimiter(table);
    expect(await takeMany(limiter, 1300)).toBe(1200);
    // 1200 / 24 blocks, plus the refusals that found the window full (then it stops asking).
    expect(table.writes).toBeLessThanOrEqual(52);
    const after = table.writes;
    expect(await takeMany(limiter, 100)).toBe(0);
    expect(table.writes).toBe(after);
  });

  it('never lets several instances together pass the limit, and wastes little', async () => {
    const table = sharedCounter();
    const a = new RateLimiter(table);
    const b = new RateLimiter(table);
    const c = new RateLimiter(table);
    let ok = 0;
    for (let i = 0; i < 1500; i++) if (await [a, b, c][i % 3]!.take('shop#key', 7, 1000)) ok++;
    expect(table.count('shop#key', 7)).toBeLessThanOrEqual(1000);
    expect(ok).toBeLessThanOrEqual(1000);
    // Unspent leases when the window fills: at most a block per instance.
    expect(ok).toBeGreaterThanOrEqual(1000 - 3 * a.blockFor(1000));
  });

  it('starts afresh in the next window and counts each bucket on its own', async () => {
    const table = sharedCounter();
    const limiter = new RateLimiter(table);
    expect(await takeMany(limiter, 10, 1, 5)).toBe(5);
    expect(await takeMany(limiter, 10, 2, 5)).toBe(5);
    expect(await limiter.take('other#key', 2, 5)).toBe(true);
  });

  it('takes concurrent leases without losing any of them', async () => {
    const table = sharedCounter();
    const limiter = new RateLimiter(table);
    const results = await Promise.all(Array.from({ length: 1300 }, () => limiter.take('shop#key', 3, 1200)));
    expect(results.filter(Boolean)).toHaveLength(1200);
  });
});
