import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../functions/adapters/dynamo/client.ts';
import { Store } from '../functions/adapters/dynamo/store.ts';
import { MemoryStore } from '../functions/adapters/memory/index.ts';
import type { StateStore } from '../functions/app/ports.ts';
import type { Clock } from '../functions/shared/clock.ts';
import { isVirtual } from './clock.ts';
import { LOCAL_REGION, type SynthesizedApp } from './definitions.ts';
import { type DynamoDbLocal, LOCAL_CREDENTIALS, startDynamoDbLocal } from './dynamodb-local.ts';
import { DynamoExecutionStore } from './engine/dynamodb-executions.ts';
import type { ExecutionStore } from './engine/executions.ts';
import { MemoryExecutionStore } from './engine/memory-executions.ts';
import { ensureTables } from './tables.ts';

/**
 * Where the local stack keeps customers' state and the engine's executions: DynamoDB Local, the
 * product's own store (`npm start`, the e2e tests), or this process's memory, which needs no Java
 * and keeps nothing after the process ends (the simulator).
 */
export type LocalBackend = 'dynamodb-local' | 'memory';

export interface LocalStorageOptions {
  backend?: LocalBackend;
  clock: Clock;
  dataDir?: string;
  dynamoEndpoint?: string;
  tablePrefix?: string;
  onDynamoCapacity?: (table: string, kind: 'read' | 'write', units: number) => void;
  /** Memory backend: told of every call to a storage port (the benchmark counts them as store requests). */
  onStoreCall?: (method: string) => void;
}

export interface LocalStorage {
  store: StateStore;
  executions: ExecutionStore;
  /** The DynamoDB server in use; none in memory. */
  dynamoEndpoint?: string;
  /** false when the DynamoDB Local started here listens on every interface; undefined when none was started. */
  loopbackOnly?: boolean;
  close(): Promise<void>;
}

export const STATE_TABLE = 'koszyk-state';
export const ENGINE_TABLE = 'koszyk-local-executions';

export async function openLocalStorage(o: LocalStorageOptions, synthesized: SynthesizedApp): Promise<LocalStorage> {
  if (o.backend === 'memory') {
    // Each of these names a DynamoDB server or what it does; in memory it would be silently ignored.
    for (const [option, given] of Object.entries({ dataDir: o.dataDir, dynamoEndpoint: o.dynamoEndpoint, onDynamoCapacity: o.onDynamoCapacity })) {
      if (given !== undefined) throw new Error(`${option} needs the dynamodb-local backend, not memory`);
    }
    return { store: countCalls(new MemoryStore(), o.onStoreCall), executions: new MemoryExecutionStore(), close: async () => undefined };
  }
  const ddb: DynamoDbLocal | undefined = o.dynamoEndpoint ? undefined : await startDynamoDbLocal({ dataDir: o.dataDir });
  const dynamoEndpoint = o.dynamoEndpoint ?? ddb!.endpoint;
  const clientConfig = { endpoint: dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const raw = new DynamoDBClient(clientConfig);
  const tables = { state: `${o.tablePrefix ?? ''}${STATE_TABLE}`, engine: `${o.tablePrefix ?? ''}${ENGINE_TABLE}` };
  await ensureTables(raw, synthesized, tables, { ttl: !isVirtual(o.clock) });
  const db = documentClient(clientConfig);
  if (o.onDynamoCapacity) {
    const report = o.onDynamoCapacity;
    db.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        input['ReturnConsumedCapacity'] = 'TOTAL';
        const result = await next(args);
        type Consumed = { TableName?: string; CapacityUnits?: number };
        const consumed = (result.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity;
        const kind = /Get|Query|Scan/.test(context.commandName ?? '') ? 'read' : 'write';
        // Batch and transaction requests report one entry per table.
        for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
          if (c.TableName) report(c.TableName, kind, c.CapacityUnits ?? 0);
        }
        return result;
      },
      { step: 'initialize', name: 'capacityReport' },
    );
  }
  return {
    store: new Store(db, tables.state),
    executions: new DynamoExecutionStore(db, tables.engine),
    dynamoEndpoint,
    loopbackOnly: ddb?.loopbackOnly,
    async close() {
      raw.destroy();
      if (ddb) await ddb.stop();
    },
  };
}

/** The store as it is, each method call reported first; the store itself when nobody listens. */
function countCalls<T extends object>(store: T, onCall: ((method: string) => void) | undefined): T {
  if (!onCall) return store;
  // One counting wrapper per method, made on first use: not a new closure at every call.
  const wrappers = new Map<PropertyKey, { of: unknown; counting: (...args: unknown[]) => unknown }>();
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const known = wrappers.get(name);
      if (known?.of === value) return known.counting;
      const counting = (...args: unknown[]) => {
        onCall(String(name));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
      wrappers.set(name, { of: value, counting });
      return counting;
    },
  });
}
