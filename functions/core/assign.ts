/**
 * Stable assignment for splits and holdouts: the same shop, customer, journey and node always
 * land in the same bucket, on every run and in the simulator, with no state to keep. Pure.
 */

/** 32-bit FNV-1a over the UTF-16 units, finished with murmur3's avalanche so nearby inputs spread. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A bucket in 0..9999 for this shop, customer, journey and node. */
export function bucket(tenant: string, customerId: string, journey: string, node: string): number {
  return hash32(`${tenant}\u0000${customerId}\u0000${journey}\u0000${node}`) % 10_000;
}

/** The split arm a bucket falls in: weights in percent, in the order written. */
export function pickVariant<V extends { weight: number }>(variants: readonly V[], b: number): V {
  let upper = 0;
  for (const v of variants) {
    upper += v.weight * 100;
    if (b < upper) return v;
  }
  return variants[variants.length - 1]!;
}

/** Whether a bucket is in a holdout of `percent`. */
export function inHoldout(percent: number, b: number): boolean {
  return b < percent * 100;
}
