import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { documentClient } from '../../functions/adapters/dynamo/client.ts';
import { Store } from '../../functions/adapters/dynamo/store.ts';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { ConsentInput, StateStore } from '../../functions/app/ports.ts';
import type { Checkout, Order } from '../../functions/core/domain.ts';
import type { Decision, SendIntent, StaffTask } from '../../functions/core/model.ts';
import { DEFAULT_REGION } from '../../infra/settings.ts';
import type { SynthesizedApp } from '../../local/definitions.ts';
import { type DynamoDbLocal, LOCAL_CREDENTIALS, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { createStateTable } from '../../local/tables.ts';

/**
 * The two storage backends every contract suite runs against: the DynamoDB `Store` on DynamoDB
 * Local (one per test file, a new table for every store) and `MemoryStore`. Each suite is
 * written once, as `describe.each(contractBackends())`, and asserts values, never one backend's
 * answer against the other's, so a drift in either turns a test red.
 */
export interface Backend {
  readonly name: 'dynamodb' | 'memory';
  /** An empty store. */
  fresh(): Promise<StateStore>;
  /** Every item of the store as DynamoDB holds it (a scan), to look for what no port shows; undefined on memory. */
  scan(store: StateStore): Promise<Record<string, unknown>[] | undefined>;
}

/** When data held under the customer id was last erased: its erasure marker, read through the port. */
export async function erasedAt(store: StateStore, tenant: string, customerId: string): Promise<string | undefined> {
  return (await store.identify(tenant, { customerIds: [customerId] }, t(0))).erasedAt;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The state table as CDK declares it (keys, the last-order index and its projection). Only the
 * data stack is synthesized (the engine stack adds nothing to the table and takes longer), once per
 * version of infra/data-stack.ts and aws-cdk-lib: the answer is kept in node_modules/.cache.
 * TTL is left off, so nothing disappears mid-test: reads see an expired item as they do on
 * DynamoDB until its TTL sweep (which AWS documents as taking up to days).
 */
async function stateTable(): Promise<SynthesizedApp['table']> {
  const cdkVersion = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('aws-cdk-lib/package.json'), 'utf8')) as { version: string }).version;
  const stamp = createHash('sha256').update(readFileSync(join(ROOT, 'infra', 'data-stack.ts'))).update(cdkVersion).digest('hex').slice(0, 16);
  const cached = join(ROOT, 'node_modules', '.cache', 'koszyk', `state-table-${stamp}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as SynthesizedApp['table'];

  // Loaded only here: aws-cdk-lib takes seconds to import.
  const [{ App }, { DataStack }] = await Promise.all([import('aws-cdk-lib'), import('../../infra/data-stack.ts')]);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new DataStack(app, 'KoszykData', { env: { region: DEFAULT_REGION } });
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const resource = Object.values(template.Resources).find((r) => r.Type === 'AWS::DynamoDB::GlobalTable' || r.Type === 'AWS::DynamoDB::Table');
  if (!resource) throw new Error('no DynamoDB table in the data stack');
  const p = resource.Properties as SynthesizedApp['table'];
  const table = {
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })),
  };
  try {
    mkdirSync(dirname(cached), { recursive: true });
    const staging = `${cached}.${process.pid}`;
    writeFileSync(staging, JSON.stringify(table));
    renameSync(staging, cached);
  } catch {
    // A read-only node_modules: synthesize every time.
  }
  return table;
}

export function contractBackends(): Backend[] {
  let ddb: DynamoDbLocal | undefined;
  let client: DynamoDBClient;
  let db: DynamoDBDocumentClient;
  let table: SynthesizedApp['table'];

  beforeAll(async () => {
    const [schema, started] = await Promise.allSettled([stateTable(), startDynamoDbLocal()]);
    if (started.status === 'fulfilled') ddb = started.value;
    if (schema.status === 'rejected') throw schema.reason;
    if (started.status === 'rejected') throw started.reason;
    table = schema.value;
    const config = { endpoint: started.value.endpoint, region: DEFAULT_REGION, credentials: LOCAL_CREDENTIALS };
    client = new DynamoDBClient(config);
    db = documentClient(config);
  });
  afterAll(async () => {
    client?.destroy();
    db?.destroy();
    await ddb?.stop();
  });

  const dynamodb: Backend = {
    name: 'dynamodb',
    async fresh() {
      const name = `contract-${randomUUID().slice(0, 8)}-state`;
      await createStateTable(client, { journeys: new Map(), table }, name);
      return new Store(db, name);
    },
    async scan(store) {
      const found: Record<string, unknown>[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const out = await db.send(new ScanCommand({ TableName: (store as Store).tableName, ConsistentRead: true, ExclusiveStartKey }));
        found.push(...(out.Items ?? []));
        ExclusiveStartKey = out.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return found;
    },
  };
  const memory: Backend = {
    name: 'memory',
    async fresh() {
      return new MemoryStore();
    },
    async scan() {
      return undefined;
    },
  };
  return [dynamodb, memory];
}

/** The DynamoDB backend's key attributes, which it returns along with the data; the contract is about the data. */
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

/** A result without key attributes, at any depth. */
export function data<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => data(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !KEY_ATTRIBUTES.has(k)).map(([k, v]) => [k, data(v)])) as T;
  }
  return value;
}

/** Epoch seconds of an ISO time plus the default retention (3 years): `expiresAt` of marketing data. */
export function retained(at: string): number {
  return Math.floor(Date.parse(at) / 1000) + 1095 * 86_400;
}

/** A time `minutes` after the suites' start (2026-03-02T09:00:00.000Z). */
export function t(minutes: number): string {
  return new Date(Date.parse('2026-03-02T09:00:00.000Z') + minutes * 60_000).toISOString();
}

export function checkout(token: string, extra: Partial<Checkout> = {}): Checkout {
  return {
    token,
    items: [{ title: 'Kubek „Żuraw”', quantity: 2, price: '49.90', category: 'kuchnia' }],
    total: '99.80',
    currency: 'PLN',
    recoveryUrl: `https://sklep.example.pl/koszyk/${token}`,
    completed: false,
    ...extra,
  };
}

export function order(id: string, extra: Partial<Order> = {}): Order {
  return { id, total: '99.80', currency: 'PLN', items: [{ title: 'Kubek', quantity: 1, price: '99.80' }], ...extra };
}

export function decision(at: string, extra: Partial<Decision> = {}): Decision {
  return { at, journey: 'abandoned-cart', step: 'reminder', executionName: 'abandoned-cart-x1', channel: 'email', outcome: 'sent', topic: 'marketing', template: 'cart-1', locale: 'pl', ...extra };
}

export function task(id: string, at: string, customerId: string, extra: Partial<StaffTask> = {}): StaffTask {
  return { id, at, kind: 'call', journey: 'dunning', step: 'call', customerId, subject: 'in_1', text: 'Zadzwoń w sprawie faktury na 120,00 zł', status: 'open', ...extra };
}

/** Consent statements for `recordConsent`: an echoed flag, an explicit opt-in, a withdrawal. */
export const echo = (granted: boolean, at: string, source: string, eventKey: string): ConsentInput => ({ kind: 'echo', granted, at, source, eventKey });
export const optIn = (at: string, source: string, eventKey: string): ConsentInput => ({ kind: 'opt-in', granted: true, at, source, eventKey });
export const withdrawal = (at: string, source: string, eventKey: string): ConsentInput => ({ kind: 'withdrawal', granted: false, at, source, eventKey });

export function intent(executionName: string, step: string, at: string, extra: Partial<SendIntent> = {}): SendIntent {
  return { journey: 'abandoned-cart', executionName, step, channel: 'email', topic: 'marketing', template: 'cart-1', locale: 'pl', subject: 'Koszyk czeka', at, ...extra };
}
