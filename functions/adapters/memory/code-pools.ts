import type { CodeClaim, CodePoolRepository } from '../../app/ports.ts';
import { copy, customerKey, expiry, type Item, Partitions } from './records.ts';

/**
 * Code pools in memory, as on DynamoDB (dynamo/code-pools.ts): codes numbered in load order, a
 * pool's `loaded` and `claimed` counts, each claim's code kept under its customer (`{execution}#{node}`),
 * a code the pool has held never loaded twice. Every method runs to its end without awaiting, so
 * concurrent claims take numbers one after the other, as the atomic counter gives them there.
 */
export class MemoryCodePools implements CodePoolRepository {
  /** `{tenant}#{pool}` → the codes by number, the count claimed, and every code held. */
  private readonly pools = new Map<string, { codes: string[]; claimed: number; held: Set<string> }>();
  private readonly claims = new Partitions();

  constructor(private readonly retentionDays: number) {}

  async loadCodes(tenant: string, pool: string, codes: readonly string[], _at: string): Promise<{ added: number; duplicates: number }> {
    const key = `${tenant}#${pool}`;
    const p = this.pools.get(key) ?? { codes: [], claimed: 0, held: new Set<string>() };
    this.pools.set(key, p);
    let added = 0;
    for (const code of codes) {
      if (p.held.has(code)) continue;
      p.held.add(code);
      p.codes.push(code);
      added++;
    }
    return { added, duplicates: codes.length - added };
  }

  async codePool(tenant: string, pool: string): Promise<{ loaded: number; claimed: number; left: number }> {
    const p = this.pools.get(`${tenant}#${pool}`);
    const loaded = p?.codes.length ?? 0;
    const claimed = p?.claimed ?? 0;
    return { loaded, claimed, left: loaded - claimed };
  }

  async claimCode(tenant: string, pool: string, claim: CodeClaim): Promise<{ code: string } | { empty: true }> {
    const k = customerKey(tenant, claim.customerId);
    const sort = `${claim.executionName}#${claim.node}`;
    const kept = this.claims.get(k, sort);
    if (kept) return { code: String(kept['code']) };
    const p = this.pools.get(`${tenant}#${pool}`);
    if (!p || p.claimed >= p.codes.length) return { empty: true };
    const seq = p.claimed++;
    const code = p.codes[seq]!;
    this.claims.put(k, sort, { pool, node: claim.node, executionName: claim.executionName, code, seq, at: claim.at, expiresAt: expiry(claim.at, this.retentionDays) });
    return { code };
  }

  /** The customer's claims, for the export. */
  exportOf(tenant: string, customerId: string): Item[] {
    return this.claims.query(customerKey(tenant, customerId)).map(([, c]) => copy(c));
  }

  erase(tenant: string, customerId: string): void {
    this.claims.deletePartition(customerKey(tenant, customerId));
  }
}
