import {
  CreateTableCommand,
  type DynamoDBClient,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { SynthesizedApp } from './definitions.ts';
import { STATUS_INDEX, WAKE_INDEX } from './engine/dynamodb-executions.ts';

/** Creates the state table with the key schema CDK declares, and the local engine's table. */
/**
 * `ttl: false` under a virtual clock: DynamoDB Local expires items by the wall clock, which
 * would delete a simulation's dedupe claims while simulated time has barely moved.
 */
export async function ensureTables(client: DynamoDBClient, app: SynthesizedApp, names: { state: string; engine: string }, opts: { ttl: boolean }): Promise<void> {
  await createStateTable(client, app, names.state);
  if (app.table.ttlAttribute && opts.ttl) {
    await client
      .send(new UpdateTimeToLiveCommand({ TableName: names.state, TimeToLiveSpecification: { AttributeName: app.table.ttlAttribute, Enabled: true } }))
      .catch((e: Error) => {
        if (!/already enabled|TimeToLive is already/i.test(e.message)) throw e;
      });
  }
  await createExecutionsTable(client, names.engine);
}

/** The local engine's table: executions, the definition versions they run on, a kept clock (see engine/dynamodb-executions.ts). */
export async function createExecutionsTable(client: DynamoDBClient, name: string): Promise<void> {
  await create(client, {
    TableName: name,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'queue', AttributeType: 'S' },
      { AttributeName: 'wakeAt', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: WAKE_INDEX,
        KeySchema: [
          { AttributeName: 'queue', KeyType: 'HASH' },
          { AttributeName: 'wakeAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: STATUS_INDEX,
        KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
}

/** A table with the state table's key schema and index, as CDK declares them. */
export async function createStateTable(client: DynamoDBClient, app: SynthesizedApp, name: string): Promise<void> {
  await create(client, {
    TableName: name,
    KeySchema: app.table.KeySchema as never,
    AttributeDefinitions: app.table.AttributeDefinitions as never,
    GlobalSecondaryIndexes: app.table.GlobalSecondaryIndexes as never,
    BillingMode: 'PAY_PER_REQUEST',
  });
}

async function create(client: DynamoDBClient, input: ConstructorParameters<typeof CreateTableCommand>[0]): Promise<void> {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (e) {
    if (!(e instanceof ResourceInUseException) && (e as Error).name !== 'ResourceInUseException') throw e;
  }
  await client.send(new DescribeTableCommand({ TableName: input.TableName }));
}
