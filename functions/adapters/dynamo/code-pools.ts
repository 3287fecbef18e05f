import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CodeClaim, CodePoolRepository } from '../../app/ports.ts';
import { isConditionFailure, type Table, type TransactItem } from './base.ts';
import { items } from './keys.ts';

/** Codes loaded in one transaction: the pool's counter and, for each code, its slot and its loaded mark (100 writes at most). */
const LOAD_CHUNK = 40;
/** Rounds of a load's chunk or a claim's counter against concurrent writes to the pool item. */
const ATTEMPTS = 25;

const pause = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** attempt) * Math.random()));
const isConflict = (e: unknown) => (e as Error)?.name === 'TransactionConflictException';

/**
 * Code pools on DynamoDB. Codes are numbered in load order: the pool item (`items.codePool`) holds
 * `loaded`, how many were numbered, and `claimed`, the counter claims take the next number from.
 * - A load numbers a chunk of codes from `loaded` on and writes, in one transaction, the pool item
 *   (conditional on `loaded` being what it read, so two loads never number alike), a slot per code
 *   (`items.codeSlot`, one partition each) and a mark per code (`items.codeLoaded`, put only when
 *   absent: a code loaded before cancels the chunk, which goes again without it). Slots are written
 *   with the count that covers them, so every number below `loaded` has its code.
 * - A claim first reads its own record (`items.codeClaim`, under the customer): a retried step gets
 *   the code it was given. Otherwise it adds one to `claimed` on condition `claimed < loaded`, an
 *   atomic counter: each number goes to one claim only, however many claim at once, and the pool
 *   item is the one write they share (on-demand takes about a thousand a second on one item), the
 *   slots are read each in its own partition. It then keeps the code as its record, put only when
 *   absent. Two attempts of the same claim at once: the first record stands and the other number
 *   stays unused, as does the number of a claim that dies before keeping its record.
 */
export class DynamoCodePools implements CodePoolRepository {
  constructor(private readonly t: Table) {}

  async loadCodes(tenant: string, pool: string, codes: readonly string[], at: string): Promise<{ added: number; duplicates: number }> {
    const distinct = [...new Set(codes)];
    let duplicates = codes.length - distinct.length;
    let added = 0;
    let pending = distinct;
    const expiresAt = this.t.expiry(at);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= ATTEMPTS * Math.ceil(distinct.length / LOAD_CHUNK)) throw new Error(`code pool ${pool}: ${attempt} attempts met concurrent writes`);
      const chunk = pending.slice(0, LOAD_CHUNK);
      const current = await this.t.get<{ loaded: number }>(items.codePool(tenant, pool));
      const from = current?.loaded ?? 0;
      const counter: TransactItem = {
        Update: {
          TableName: this.t.name,
          Key: items.codePool(tenant, pool),
          UpdateExpression: 'SET loaded = :n, claimed = if_not_exists(claimed, :zero), #at = :at, expiresAt = :exp',
          ConditionExpression: current ? 'loaded = :from' : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':n': from + chunk.length, ':zero': 0, ':at': at, ':exp': expiresAt, ...(current ? { ':from': from } : {}) },
        },
      };
      const writes = chunk.flatMap((code, i): TransactItem[] => [
        { Put: { TableName: this.t.name, Item: { ...items.codeLoaded(tenant, pool, code), seq: from + i, at, expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: this.t.name, Item: { ...items.codeSlot(tenant, pool, String(from + i)), code, at, expiresAt } } },
      ]);
      const refused = await this.t.transact([counter, ...writes]);
      if (!refused) {
        added += chunk.length;
        pending = pending.slice(chunk.length);
        continue;
      }
      const known = chunk.filter((_, i) => refused[1 + 2 * i] === 'ConditionalCheckFailed');
      if (known.length > 0) {
        duplicates += known.length;
        pending = pending.filter((c) => !known.includes(c));
        continue;
      }
      // Another load numbered codes first, or a claim was writing the pool item: read it again.
      await pause(attempt);
    }
    return { added, duplicates };
  }

  async codePool(tenant: string, pool: string): Promise<{ loaded: number; claimed: number; left: number }> {
    const item = await this.t.get<{ loaded: number; claimed: number }>(items.codePool(tenant, pool));
    const loaded = Number(item?.loaded ?? 0);
    const claimed = Number(item?.claimed ?? 0);
    return { loaded, claimed, left: loaded - claimed };
  }

  async claimCode(tenant: string, pool: string, claim: CodeClaim): Promise<{ code: string } | { empty: true }> {
    const key = items.codeClaim(tenant, claim.customerId, claim.executionName, claim.node);
    const kept = await this.t.get<{ code: string }>(key);
    if (kept) return { code: kept.code };
    let seq: number | undefined;
    for (let attempt = 0; seq === undefined; attempt++) {
      try {
        const out = await this.t.db.send(
          new UpdateCommand({
            TableName: this.t.name,
            Key: items.codePool(tenant, pool),
            UpdateExpression: 'SET claimed = claimed + :one',
            ConditionExpression: 'claimed < loaded',
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        seq = Number(out.Attributes?.['claimed']) - 1;
      } catch (e) {
        if (isConditionFailure(e)) return { empty: true };
        // A load's transaction holds the pool item for a moment.
        if (!isConflict(e) || attempt >= ATTEMPTS) throw e;
        await pause(attempt);
      }
    }
    const slot = await this.t.get<{ code: string }>(items.codeSlot(tenant, pool, String(seq)));
    if (!slot) throw new Error(`code pool ${pool}: number ${seq} has no code`);
    const record = { ...key, pool, node: claim.node, executionName: claim.executionName, code: slot.code, seq, at: claim.at, expiresAt: this.t.expiry(claim.at) };
    if (await this.t.putIfAbsent(record)) return { code: slot.code };
    const won = await this.t.get<{ code: string }>(key);
    if (!won) throw new Error(`code pool ${pool}: the claim's record went as it was written`);
    return { code: won.code };
  }
}
