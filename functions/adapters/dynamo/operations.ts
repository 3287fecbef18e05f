import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OperationsRepository } from '../../app/ports.ts';
import type { StaffTask } from '../../core/model.ts';
import { epoch, type Table } from './base.ts';
import { items, partitions, smsCapExpiry } from './keys.ts';

const DEDUPE_SECONDS = 8 * 86_400;

/** Event claims, rate-limit windows, the daily SMS cap and staff tasks on DynamoDB. */
export class DynamoOperations implements OperationsRepository {
  constructor(private readonly t: Table) {}

  /** First delivery of an event key claims it; later ones are duplicates. Kept 8 days. */
  async claimEvent(tenant: string, eventKey: string, now: Date): Promise<boolean> {
    return this.t.conditional(
      new PutCommand({
        TableName: this.t.name,
        Item: { ...items.eventClaim(tenant, eventKey), at: now.toISOString(), expiresAt: epoch(now) + DEDUPE_SECONDS },
        // TTL deletes lag (up to days on AWS), so an expired claim counts as gone.
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': epoch(now) },
      }),
    );
  }

  /** Gives a claim back when processing failed, so the platform's retry is not taken for a duplicate. */
  async releaseEvent(tenant: string, eventKey: string): Promise<void> {
    await this.t.db.send(new DeleteCommand({ TableName: this.t.name, Key: items.eventClaim(tenant, eventKey) }));
  }

  /**
   * Takes `n` requests' worth from a one-minute window at once (a lease the caller spends
   * locally); false when fewer than `n` are left.
   */
  async takeRate(bucket: string, window: number, limit: number, n = 1): Promise<boolean> {
    if (n > limit) return false;
    return this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.rateWindow(bucket, window),
        UpdateExpression: 'ADD #n :n SET expiresAt = :exp',
        ConditionExpression: 'attribute_not_exists(#n) OR #n <= :room',
        ExpressionAttributeNames: { '#n': 'count' },
        ExpressionAttributeValues: { ':n': n, ':room': limit - n, ':exp': (window + 2) * 60 },
      }),
    );
  }

  /** Counts a paid SMS's billed parts against the tenant's daily cap; false, counting nothing, when they do not fit. */
  async countSms(tenant: string, day: string, cap: number, parts: number): Promise<boolean> {
    // The condition below lets the day's first message through whatever its size; parts over the cap fit never.
    if (!(parts <= cap)) return false;
    return this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.smsCap(tenant, day),
        UpdateExpression: 'ADD #n :parts SET expiresAt = :exp',
        ConditionExpression: 'attribute_not_exists(#n) OR #n <= :room',
        ExpressionAttributeNames: { '#n': 'count' },
        ExpressionAttributeValues: { ':parts': parts, ':room': cap - parts, ':exp': smsCapExpiry(day) },
      }),
    );
  }

  async createTask(tenant: string, task: StaffTask): Promise<boolean> {
    return this.t.putIfAbsent({ ...items.task(tenant, task.at, task.id), ...task, expiresAt: this.t.expiry(task.at) });
  }

  async listTasks(tenant: string): Promise<StaffTask[]> {
    return (await this.t.queryAll(partitions.tasks(tenant))) as unknown as StaffTask[];
  }
}
