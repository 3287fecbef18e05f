import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EventClaim, OperationsRepository } from '../../app/ports.ts';
import type { StaffTask } from '../../core/model.ts';
import { epoch, type Table } from './base.ts';
import { items, partitions, smsCapExpiry } from './keys.ts';

const DEDUPE_SECONDS = 8 * 86_400;

/** An event claim as stored; a claim written before leases existed has no `status` and counts as done. */
type ClaimItem = { status?: 'processing' | 'done'; at: string; lease?: string; leaseUntil?: number; expiresAt: number };

/** Event claims (leases), rate-limit windows, the daily SMS cap and staff tasks on DynamoDB. */
export class DynamoOperations implements OperationsRepository {
  constructor(private readonly t: Table) {}

  /**
   * A new key is one conditional write, as before leases; only when it fails is the claim read, to
   * tell a duplicate from a running attempt or take over a lease that ran out.
   */
  async claimEvent(tenant: string, eventKey: string, now: Date, leaseSeconds: number, options: { resume?: boolean } = {}): Promise<EventClaim> {
    const key = items.eventClaim(tenant, eventKey);
    const lease = now.toISOString();
    const leaseUntil = epoch(now) + leaseSeconds;
    const held = { lease, leaseUntil, expiresAt: epoch(now) + DEDUPE_SECONDS };
    const fresh = !options.resume && (await this.t.conditional(
      new PutCommand({
        TableName: this.t.name,
        Item: { ...key, status: 'processing', at: lease, ...held },
        // TTL deletes lag (up to days on AWS), so an expired claim counts as gone.
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': epoch(now) },
      }),
    ));
    if (fresh) return { state: 'claimed', lease, since: lease };
    const current = await this.t.get<ClaimItem>(key);
    if (!current || current.expiresAt < epoch(now)) return options.resume ? { state: 'absent' } : { state: 'processing', until: lease };
    if (current.status !== 'processing') return { state: 'done' };
    if (!(current.leaseUntil! < epoch(now))) return { state: 'processing', until: new Date(current.leaseUntil! * 1000).toISOString() };
    // The attempt that held it crashed: take over its lease (only that one, should another retry race this).
    const taken = await this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: key,
        UpdateExpression: 'SET lease = :lease, leaseUntil = :until, expiresAt = :exp',
        ConditionExpression: '#status = :processing AND lease = :old',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':lease': lease, ':until': leaseUntil, ':exp': held.expiresAt, ':processing': 'processing', ':old': current.lease },
      }),
    );
    return taken ? { state: 'claimed', lease, since: current.at } : { state: 'processing', until: new Date(leaseUntil * 1000).toISOString() };
  }

  /** Every effect is applied: a duplicate for 8 days from now, whichever attempt held the lease. */
  async completeEvent(tenant: string, eventKey: string, now: Date): Promise<void> {
    await this.t.db.send(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.eventClaim(tenant, eventKey),
        UpdateExpression: 'SET #status = :done, doneAt = :now, expiresAt = :exp REMOVE leaseUntil',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':done': 'done', ':now': now.toISOString(), ':exp': epoch(now) + DEDUPE_SECONDS },
      }),
    );
  }

  /** Gives a lease back when processing failed, so the platform's retry is not taken for a duplicate. */
  async releaseEvent(tenant: string, eventKey: string, lease: string): Promise<void> {
    await this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.eventClaim(tenant, eventKey),
        // The lease ends now; when the key was first claimed stays, for the attempt that takes it
        // next. Never a claim that is done, nor a lease another attempt took over.
        UpdateExpression: 'SET leaseUntil = :over',
        ConditionExpression: '#status = :processing AND lease = :lease',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':processing': 'processing', ':lease': lease, ':over': 0 },
      }),
    );
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

  /** open → done: only a task that exists and is open (a second click, an erased task: nothing). */
  async completeTask(tenant: string, at: string, taskId: string, doneAt: string): Promise<boolean> {
    return this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.task(tenant, at, taskId),
        UpdateExpression: 'SET #status = :done, doneAt = :at',
        ConditionExpression: '#status = :open',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':done': 'done', ':open': 'open', ':at': doneAt },
      }),
    );
  }
}
