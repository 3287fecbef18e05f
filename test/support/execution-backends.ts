import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../../functions/adapters/dynamo/client.ts';
import { type DynamoDbLocal, LOCAL_CREDENTIALS } from '../../local/dynamodb-local.ts';
import { DynamoExecutionStore } from '../../local/engine/dynamodb-executions.ts';
import type { ExecutionStore } from '../../local/engine/executions.ts';
import { MemoryExecutionStore } from '../../local/engine/memory-executions.ts';
import { createExecutionsTable } from '../../local/tables.ts';

/** Both implementations of the executions port, each test on a fresh table (or a fresh memory). */
export function executionBackends(ddb: () => DynamoDbLocal, tablePrefix: string): [string, () => Promise<ExecutionStore>][] {
  return [
    [
      'dynamodb-local',
      async () => {
        const config = { endpoint: ddb().endpoint, region: 'eu-central-1', credentials: LOCAL_CREDENTIALS };
        const table = `${tablePrefix}-${randomUUID().slice(0, 8)}`;
        const raw = new DynamoDBClient(config);
        await createExecutionsTable(raw, table);
        raw.destroy();
        return new DynamoExecutionStore(documentClient(config), table);
      },
    ],
    ['memory', async () => new MemoryExecutionStore()],
  ];
}
