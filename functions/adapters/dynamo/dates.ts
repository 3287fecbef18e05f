import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerRepository } from '../../app/ports.ts';
import type { Table } from './base.ts';
import { dateIndex, items } from './keys.ts';

/** A page of the date index, as for the last-order index. */
const PAGE = 500;

/** An older event replayed late must not move a newer date (as the profile's own rule). */
const NOT_OLDER = 'attribute_not_exists(pk) OR #at <= :at';

/**
 * The date index on DynamoDB: one item per customer and date attribute, under the customer (so the
 * export lists it and erasure deletes it with the partition), whose index attributes file the
 * customer in the shared sparse index under the attribute's month and day.
 */
export class DynamoDates implements Pick<CustomerRepository, 'fileDate' | 'customersByDate'> {
  constructor(private readonly t: Table) {}

  async fileDate(tenant: string, customerId: string, attribute: string, date: string | undefined, at: string, whileProfileAt?: string): Promise<void> {
    const key = items.dateIndex(tenant, customerId, attribute);
    const guard = { ConditionExpression: NOT_OLDER, ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':at': at } };
    if (date === undefined) {
      await this.t.conditional(new DeleteCommand({ TableName: this.t.name, Key: key, ...guard }));
      return;
    }
    const monthDay = date.slice(5, 10);
    const item = { ...key, [dateIndex.partitionKey]: dateIndex.day(tenant, attribute, monthDay), [dateIndex.sortKey]: customerId, customerId, attribute, monthDay, at, expiresAt: this.t.expiry(at) };
    if (whileProfileAt === undefined) {
      await this.t.conditional(new PutCommand({ TableName: this.t.name, Item: item, ...guard }));
      return;
    }
    // With the profile as read, or not at all (a refused transaction writes nothing).
    await this.t.transact([
      { ConditionCheck: { TableName: this.t.name, Key: items.profile(tenant, customerId), ConditionExpression: 'updatedAt = :u', ExpressionAttributeValues: { ':u': whileProfileAt } } },
      { Put: { TableName: this.t.name, Item: item, ...guard } },
    ]);
  }

  async customersByDate(tenant: string, attribute: string, monthDay: string, cursor?: Record<string, unknown>): Promise<{ items: string[]; cursor?: Record<string, unknown> }> {
    const out = await this.t.db.send(
      new QueryCommand({
        TableName: this.t.name,
        IndexName: dateIndex.name,
        KeyConditionExpression: `${dateIndex.partitionKey} = :day`,
        ExpressionAttributeValues: { ':day': dateIndex.day(tenant, attribute, monthDay) },
        ExclusiveStartKey: cursor,
        Limit: PAGE,
      }),
    );
    return { items: (out.Items ?? []).map((i) => String(i['customerId'])), cursor: out.LastEvaluatedKey };
  }
}
