import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandInput, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ExecutionRecord, ExecutionStore, StoredDefinition } from './executions.ts';

/** Sparse index of queued executions by wake time: only an item with `queue` is in it. */
export const WAKE_INDEX = 'byWake';
/** Executions by status, for finding those a crash left RUNNING. */
export const STATUS_INDEX = 'byStatus';
/** Key of the item holding the time a persisted virtual clock reached; not an execution. */
const CLOCK_KEY = { pk: 'CLOCK', sk: 'CLOCK' };
const EXEC = 'EXEC';
const DEF = 'DEF';

type Item = ExecutionRecord & { pk: string; sk: string; queue?: 'Q' };

function key(journey: string, name: string) {
  return { pk: `EXEC#${journey}#${name}`, sk: EXEC };
}

function record(item: Record<string, unknown>): ExecutionRecord {
  const { pk: _pk, sk: _sk, queue: _queue, ...rest } = item as unknown as Item;
  return rest;
}

/**
 * The executions in one DynamoDB table (local/tables.ts creates it): an item per execution, one
 * per definition version, and the clock item. Every transition is one conditional write.
 */
export class DynamoExecutionStore implements ExecutionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Sends a conditional write; false when its condition did not hold (another transition won). */
  private async guarded(command: PutCommand | UpdateCommand): Promise<boolean> {
    try {
      if (command instanceof PutCommand) await this.db.send(command);
      else await this.db.send(command);
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  create(r: ExecutionRecord): Promise<boolean> {
    const item: Item = { ...key(r.journey, r.name), ...r, ...(r.wakeAt !== undefined ? { queue: 'Q' as const } : {}) };
    return this.guarded(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async get(journey: string, name: string): Promise<ExecutionRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(journey, name), ConsistentRead: true }));
    return out.Item ? record(out.Item) : undefined;
  }

  stop(journey: string, name: string, reason: string): Promise<boolean> {
    return this.guarded(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(journey, name),
        UpdateExpression: 'SET #status = :stopped, stopReason = :reason REMOVE #queue, wakeAt',
        ConditionExpression: '#status IN (:running, :waiting)',
        ExpressionAttributeNames: { '#status': 'status', '#queue': 'queue' },
        ExpressionAttributeValues: { ':stopped': 'STOPPED', ':reason': reason, ':running': 'RUNNING', ':waiting': 'WAITING' },
      }),
    );
  }

  suspend(journey: string, name: string, at: { state: string; input: string; wakeAt: string; transitions: number }): Promise<boolean> {
    return this.guarded(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(journey, name),
        UpdateExpression: 'SET #status = :waiting, #state = :state, #input = :input, #queue = :q, wakeAt = :wakeAt ADD transitions :n',
        // A stop that arrived while the segment ran wins.
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { '#status': 'status', '#state': 'state', '#input': 'input', '#queue': 'queue' },
        ExpressionAttributeValues: { ':waiting': 'WAITING', ':state': at.state, ':input': at.input, ':q': 'Q', ':wakeAt': at.wakeAt, ':running': 'RUNNING', ':n': at.transitions },
      }),
    );
  }

  complete(journey: string, name: string, end: { status: 'SUCCEEDED' | 'FAILED'; endedAt: string; error?: string; transitions: number }): Promise<boolean> {
    const error = end.error !== undefined;
    return this.guarded(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(journey, name),
        UpdateExpression: `SET #status = :status, endedAt = :at${error ? ', #error = :error' : ''} REMOVE #queue, wakeAt ADD transitions :n`,
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { '#status': 'status', '#queue': 'queue', ...(error ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: { ':status': end.status, ':at': end.endedAt, ':running': 'RUNNING', ':n': end.transitions, ...(error ? { ':error': end.error } : {}) },
      }),
    );
  }

  due(until: string, limit?: number): Promise<ExecutionRecord[]> {
    return this.query(
      {
        IndexName: WAKE_INDEX,
        KeyConditionExpression: '#queue = :q AND wakeAt <= :until',
        ExpressionAttributeNames: { '#queue': 'queue' },
        ExpressionAttributeValues: { ':q': 'Q', ':until': until },
      },
      limit,
    );
  }

  /** Every execution a query on an index matches, page after page; with a limit, the first page only. */
  private async query(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>, limit?: number): Promise<ExecutionRecord[]> {
    const items: ExecutionRecord[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(new QueryCommand({ TableName: this.tableName, ...input, ExclusiveStartKey, Limit: limit }));
      items.push(...(out.Items ?? []).map(record));
      ExclusiveStartKey = limit ? undefined : out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  claim(journey: string, name: string): Promise<boolean> {
    return this.guarded(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(journey, name),
        UpdateExpression: 'SET #status = :running REMOVE #queue, wakeAt',
        ConditionExpression: '#status = :waiting',
        ExpressionAttributeNames: { '#status': 'status', '#queue': 'queue' },
        ExpressionAttributeValues: { ':running': 'RUNNING', ':waiting': 'WAITING' },
      }),
    );
  }

  running(): Promise<ExecutionRecord[]> {
    return this.query({
      IndexName: STATUS_INDEX,
      KeyConditionExpression: '#status = :running',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':running': 'RUNNING' },
    });
  }

  requeue(journey: string, name: string, at: string): Promise<boolean> {
    return this.guarded(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(journey, name),
        UpdateExpression: 'SET #status = :waiting, #queue = :q, wakeAt = :now',
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { '#status': 'status', '#queue': 'queue' },
        ExpressionAttributeValues: { ':waiting': 'WAITING', ':q': 'Q', ':now': at, ':running': 'RUNNING' },
      }),
    );
  }

  async latestRecorded(): Promise<string | undefined> {
    let latest: string | undefined;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :exec',
          ProjectionExpression: 'startedAt, endedAt',
          ExpressionAttributeValues: { ':exec': EXEC },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      for (const item of out.Items ?? []) {
        for (const at of [item['startedAt'], item['endedAt']]) if (typeof at === 'string' && (latest === undefined || at > latest)) latest = at;
      }
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return latest;
  }

  async readClock(): Promise<string | undefined> {
    const saved = await this.db.send(new GetCommand({ TableName: this.tableName, Key: CLOCK_KEY, ConsistentRead: true }));
    return typeof saved.Item?.['now'] === 'string' ? (saved.Item['now'] as string) : undefined;
  }

  keepClock(at: string): Promise<boolean> {
    return this.guarded(
      new UpdateCommand({
        TableName: this.tableName,
        Key: CLOCK_KEY,
        UpdateExpression: 'SET #now = :now',
        ConditionExpression: 'attribute_not_exists(#now) OR #now < :now',
        ExpressionAttributeNames: { '#now': 'now' },
        ExpressionAttributeValues: { ':now': at },
      }),
    );
  }

  async putDefinition(d: StoredDefinition): Promise<void> {
    // The definition as a JSON string: kept byte for byte, whatever DynamoDB makes of empty
    // strings, sets or number precision inside it.
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `${DEF}#${d.version}`, sk: DEF, version: d.version, journey: d.journey, definition: JSON.stringify(d.definition), taskHandlers: d.taskHandlers },
      }),
    );
  }

  async getDefinition(version: string): Promise<StoredDefinition | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk: `${DEF}#${version}`, sk: DEF }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const i = out.Item as { version: string; journey: string; definition: string; taskHandlers: Record<string, string> };
    return { version: i.version, journey: i.journey, definition: JSON.parse(i.definition), taskHandlers: i.taskHandlers };
  }
}
