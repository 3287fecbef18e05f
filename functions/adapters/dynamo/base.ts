import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from './keys.ts';

/** One write of a transaction. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export function isConditionFailure(e: unknown): boolean {
  return e instanceof ConditionalCheckFailedException || (e as Error)?.name === 'ConditionalCheckFailedException';
}

/** A transaction cancelled because one of its conditions did not hold (not a conflict or a throttle). */
export function isTransactionConditionFailure(e: unknown): boolean {
  const reasons = (e as { name?: string; CancellationReasons?: { Code?: string }[] })?.CancellationReasons;
  return (e as Error)?.name === 'TransactionCanceledException' && (reasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
}

export function epoch(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/**
 * What every repository of the single table shares: the client, the table, reads by key, the
 * conditional write and the retention of marketing data. Every write that a replay could repeat is
 * guarded by a condition expression, so a redelivered event never doubles anything.
 */
export class Table {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly name: string,
    /** Marketing data (profile, carts, orders, enrolments, decisions) expires this long after its last write. @default 3 years */
    private readonly retentionDays = 1095,
  ) {}

  /** TTL for marketing data written at `at`. */
  expiry(at: string): number {
    return Math.floor(Date.parse(at) / 1000) + this.retentionDays * 86_400;
  }

  async get<T>(key: ItemKey): Promise<T | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.name, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }));
    return out.Item as T | undefined;
  }

  /**
   * Reads several items in consistent requests (one per hundred distinct keys, and their retries for
   * unprocessed keys), by `pk`, NUL, `sk`.
   */
  async getMany(keys: ItemKey[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const distinct = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, { pk: k.pk, sk: k.sk }])).values()];
    for (let i = 0; i < distinct.length; i += 100) {
      let pending: Record<string, unknown>[] = distinct.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        if (attempt > 8) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
        const out = await this.db.send(new BatchGetCommand({ RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.name] ?? []) found.set(`${item['pk']}\u0000${item['sk']}`, item);
        pending = out.UnprocessedKeys?.[this.name]?.Keys ?? [];
      }
    }
    return found;
  }

  /** Every item of one partition, a page at a time. */
  queryAll(pk: string): Promise<Record<string, unknown>[]> {
    return this.query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } });
  }

  /**
   * Every item a consistent query matches, page after page: a page ends after 1 MB read, before the
   * filter, so one request alone can miss items (decisions, enrolments and tasks grow without bound).
   */
  async query(input: { KeyConditionExpression: string; ExpressionAttributeValues: Record<string, unknown>; FilterExpression?: string; ExpressionAttributeNames?: Record<string, string> }): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(new QueryCommand({ TableName: this.name, ...input, ConsistentRead: true, ExclusiveStartKey }));
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  /** Writes an item unless one with its key exists; false when it did. */
  async putIfAbsent(item: Record<string, unknown> & ItemKey): Promise<boolean> {
    return this.conditional(new PutCommand({ TableName: this.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  /** Sends a conditional write; false when its condition did not hold (a replay, an older event, a full window). */
  async conditional(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      if (command instanceof PutCommand) await this.db.send(command);
      else if (command instanceof UpdateCommand) await this.db.send(command);
      else await this.db.send(command);
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /**
   * Writes several items all or none. Undefined when they were written; otherwise why each one was
   * not, in order (`ConditionalCheckFailed`, `TransactionConflict` with a concurrent write, `None`).
   */
  async transact(writes: TransactItem[]): Promise<string[] | undefined> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: writes }));
      return undefined;
    } catch (e) {
      if (!(e instanceof TransactionCanceledException || (e as Error)?.name === 'TransactionCanceledException')) throw e;
      return ((e as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    }
  }

  async delete(key: ItemKey): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.name, Key: { pk: key.pk, sk: key.sk } }));
  }
}
