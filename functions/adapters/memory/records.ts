import type { AddressChannel } from '../../core/identity.ts';
import { addressHash } from '../dynamo/keys.ts';

/**
 * What every memory module shares: how an item is copied in and out, how keys sort and how
 * conditions compare, all as the DynamoDB backend (functions/adapters/dynamo/) sees them.
 * Keys are built from the same parts joined the same way, so two inputs that share an item
 * there share one here.
 */

export type Item = Record<string, unknown>;

/**
 * A deep copy without undefined members (the document client's `removeUndefinedValues`): what goes
 * in and what comes out are never the caller's objects or the store's.
 */
export function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) if (v !== undefined) out.push(copy(v));
    return out as T;
  }
  // Own enumerable string keys, in Object.entries' order, without building the entries.
  const out: Item = {};
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    const v = (value as Item)[k];
    if (v !== undefined) out[k] = copy(v);
  }
  return out as T;
}

/**
 * String order as DynamoDB sorts and compares: by UTF-8 bytes, which is code-point order.
 * UTF-16 units differ from it only where a surrogate meets U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** A comparison in a condition expression: false when either side is missing or the types differ. */
function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'string' && typeof b === 'string') return compareKeys(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return undefined;
}

export function le(a: unknown, b: unknown): boolean {
  const c = compare(a, b);
  return c !== undefined && c <= 0;
}

export function lt(a: unknown, b: unknown): boolean {
  const c = compare(a, b);
  return c !== undefined && c < 0;
}

/** A number as DynamoDB holds it: a decimal (mantissa × 10^-scale), not a binary float. */
function decimal(n: number): { units: bigint; scale: number } {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n));
  if (!m) throw new Error(`not a number DynamoDB can store: ${n}`);
  const fraction = m[3] ?? '';
  const exponent = Number(m[4] ?? 0) - fraction.length;
  let units = BigInt(`${m[1]}${m[2]}${fraction}`);
  if (exponent > 0) units *= 10n ** BigInt(exponent);
  return { units, scale: Math.max(0, -exponent) };
}

/** `ADD` on a number attribute: decimal arithmetic, so 0.1 + 0.2 is 0.3 as on DynamoDB. */
export function add(a: unknown, b: number): number {
  // Whole numbers add exactly as binary floats while the sum stays a safe integer (every counter);
  // `|| 0` because a decimal has no negative zero.
  const whole = typeof a === 'number' ? a : 0;
  if (Number.isSafeInteger(whole) && Number.isSafeInteger(b) && Number.isSafeInteger(whole + b)) return whole + b || 0;
  const x = decimal(typeof a === 'number' ? a : 0);
  const y = decimal(b);
  const scale = Math.max(x.scale, y.scale);
  const sum = x.units * 10n ** BigInt(scale - x.scale) + y.units * 10n ** BigInt(scale - y.scale);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return Number(`${negative ? '-' : ''}${text}`);
}

/** TTL (epoch seconds) for marketing data written at `at`, as the DynamoDB backend computes it. */
export function expiry(at: string, retentionDays: number): number {
  const seconds = Math.floor(Date.parse(at) / 1000) + retentionDays * 86_400;
  // DynamoDB cannot hold NaN: the write fails before anything is stored.
  if (!Number.isFinite(seconds)) throw new Error(`Special numeric value ${seconds} is not allowed`);
  return seconds;
}

export function epochSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/**
 * Suppression entries and phone references are keyed by the hash of the normalised address that
 * the DynamoDB keys use (dynamo/keys.ts holds no AWS SDK), so both backends match addresses alike.
 */
export function addressKey(channel: AddressChannel, address: string): string {
  return addressHash(channel, address);
}

/** The customer partition (`CUST#{tenant}#{customerId}` on DynamoDB). */
export function customerKey(tenant: string, customerId: string): string {
  return `${tenant}#${customerId}`;
}

/** Two key attributes kept apart, as a partition and sort key are (no join can make them collide). */
export function pairKey(a: string, b: string): string {
  return JSON.stringify([a, b]);
}

/**
 * Items under a partition key, each under a sort key, read back as a DynamoDB Query returns
 * them: in sort-key order, optionally only the keys that begin with a prefix.
 */
export class Partitions<T extends Item = Item> {
  private readonly partitions = new Map<string, Map<string, T>>();

  get(partition: string, sort: string): T | undefined {
    return this.partitions.get(partition)?.get(sort);
  }

  put(partition: string, sort: string, item: T): void {
    const p = this.partitions.get(partition) ?? new Map<string, T>();
    p.set(sort, item);
    this.partitions.set(partition, p);
  }

  /** `attribute_not_exists(pk)`: false (and no write) when the item exists. */
  putIfAbsent(partition: string, sort: string, item: T): boolean {
    if (this.get(partition, sort) !== undefined) return false;
    this.put(partition, sort, item);
    return true;
  }

  delete(partition: string, sort: string): void {
    const p = this.partitions.get(partition);
    p?.delete(sort);
    if (p?.size === 0) this.partitions.delete(partition);
  }

  deletePartition(partition: string): void {
    this.partitions.delete(partition);
  }

  query(partition: string, prefix = ''): [string, T][] {
    const p = this.partitions.get(partition);
    if (!p) return [];
    return [...p.entries()].filter(([sort]) => sort.startsWith(prefix)).sort(([a], [b]) => compareKeys(a, b));
  }
}
