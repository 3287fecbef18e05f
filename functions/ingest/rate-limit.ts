import type { OperationsRepository } from '../app/ports.ts';

interface Lease {
  window: number;
  left: number;
  /** A whole block no longer fits this window: take single requests. */
  tight: boolean;
  /** The window is full: counts only grow, so no need to ask again until the next one. */
  full: boolean;
  /** The lease being taken: concurrent requests wait for it rather than each taking one. */
  refill?: Promise<void>;
}

/**
 * Per-credential requests per minute, counted in the state table so every ingest instance
 * shares one budget. Each instance takes a small block of the window at once and spends it
 * locally, so a busy credential costs one write per block instead of one per request. The
 * table's count never passes the limit: what an instance leased and did not spend is simply
 * not accepted elsewhere, and near the end of a window leases shrink to single requests.
 */
export class RateLimiter {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly store: Pick<OperationsRepository, 'takeRate'>,
    /** Largest block taken at once. */
    private readonly maxBlock = 50,
  ) {}

  /** The block for a limit: a fiftieth of it, so a handful of instances cannot starve the rest. */
  blockFor(limit: number): number {
    return Math.max(1, Math.min(this.maxBlock, Math.floor(limit / 50)));
  }

  /** Counts one request for `bucket` in the minute `window`; false when the window is full. */
  async take(bucket: string, window: number, limit: number): Promise<boolean> {
    let lease = this.leases.get(bucket);
    if (!lease || lease.window !== window) {
      lease = { window, left: 0, tight: false, full: false };
      this.leases.set(bucket, lease);
    }
    for (;;) {
      if (lease.left > 0) {
        lease.left--;
        return true;
      }
      if (lease.full) return false;
      if (!lease.refill) {
        const current = lease;
        current.refill = this.refill(current, bucket, limit).finally(() => {
          current.refill = undefined;
        });
      }
      await lease.refill;
    }
  }

  private async refill(lease: Lease, bucket: string, limit: number): Promise<void> {
    const block = this.blockFor(limit);
    if (!lease.tight && block > 1) {
      if (await this.store.takeRate(bucket, lease.window, limit, block)) {
        lease.left += block;
        return;
      }
      lease.tight = true;
    }
    if (await this.store.takeRate(bucket, lease.window, limit, 1)) lease.left += 1;
    else lease.full = true;
  }
}

const limiters = new WeakMap<object, RateLimiter>();

/** One limiter per store: it lives as long as the process's store does (a Lambda container, the local stack). */
export function rateLimiterFor(store: Pick<OperationsRepository, 'takeRate'>): RateLimiter {
  let limiter = limiters.get(store);
  if (!limiter) {
    limiter = new RateLimiter(store);
    limiters.set(store, limiter);
  }
  return limiter;
}
