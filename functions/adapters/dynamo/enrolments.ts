import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EnrolmentRepository } from '../../app/ports.ts';
import { type CapSlot, type FrequencyCap, giveBackSlot, slotId, slotsExpiry, takeSlot } from '../../core/frequency-cap.ts';
import type { Enrolment, EnrolmentMark, EnrolmentStatus, SendClaim, SendIntent, SendOutcome, SendRecord } from '../../core/model.ts';
import type { Table, TransactItem } from './base.ts';
import { customerRanges, items, partitions } from './keys.ts';

/** Journey enrolments, and the send intents of their steps with the frequency cap's slots, all on the customer, on DynamoDB. */
export class DynamoEnrolments implements EnrolmentRepository {
  constructor(private readonly t: Table) {}

  async createEnrolment(tenant: string, customerId: string, enrolment: Omit<Enrolment, 'status'>): Promise<boolean> {
    return this.t.putIfAbsent({
      ...items.enrolment(tenant, customerId, enrolment.journey, enrolment.key),
      ...enrolment,
      status: 'active',
      expiresAt: this.t.expiry(enrolment.startedAt),
    });
  }

  async getEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string): Promise<Enrolment | undefined> {
    return this.t.get<Enrolment>(items.enrolment(tenant, customerId, journey, enrolKey));
  }

  async activeEnrolments(tenant: string, customerId: string, journey?: string): Promise<Enrolment[]> {
    return (await this.t.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: '#status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pk': partitions.customer(tenant, customerId), ':prefix': customerRanges.enrolments(journey), ':active': 'active' },
    })) as unknown as Enrolment[];
  }

  async markEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string, mark: EnrolmentMark, expectAwaiting?: string): Promise<boolean> {
    const sets: string[] = [];
    const removes: string[] = [];
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':active': 'active' };
    if (mark.variant) {
      values[':variants'] = { ...mark.variant.all, [mark.variant.node]: mark.variant.arm };
      values[':arm'] = mark.variant.arm;
      sets.push('variants = :variants', 'variant = :arm');
    }
    if (mark.data) {
      names['#data'] = 'data';
      values[':data'] = { ...mark.data.all, [mark.data.node]: mark.data.values };
      sets.push('#data = :data');
    }
    if (mark.holdout) {
      values[':holdout'] = true;
      values[':holdoutArm'] = 'holdout';
      sets.push('holdout = :holdout', 'variant = :holdoutArm');
    }
    if (mark.continuation) {
      values[':exec'] = mark.continuation.executionName;
      values[':from'] = mark.continuation.from;
      values[':entry'] = mark.continuation.entry;
      sets.push('executionName = :exec', 'continuedFrom = :from', 'continuedAt = :entry');
    }
    if (mark.awaiting === null) removes.push('awaiting');
    else if (mark.awaiting) {
      values[':awaiting'] = mark.awaiting;
      sets.push('awaiting = :awaiting');
    }
    let condition = '#status = :active';
    if (expectAwaiting !== undefined) {
      values[':expect'] = expectAwaiting;
      condition += ' AND awaiting.#awaitNode = :expect';
      names['#awaitNode'] = 'node';
    }
    const update = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
    if (!update) return (await this.getEnrolment(tenant, customerId, journey, enrolKey))?.status === 'active';
    return this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.enrolment(tenant, customerId, journey, enrolKey),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** active → goal-reached | completed | stopped; any other prior state makes this a no-op. */
  async endEnrolment(
    tenant: string,
    customerId: string,
    journey: string,
    enrolKey: string,
    status: Exclude<EnrolmentStatus, 'active'>,
    reason: string,
    at: string,
  ): Promise<boolean> {
    return this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.enrolment(tenant, customerId, journey, enrolKey),
        UpdateExpression: 'SET #status = :status, endedAt = :at, endReason = :reason',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':at': at, ':reason': reason, ':active': 'active' },
      }),
    );
  }

  /**
   * Writes a send's intent once per execution × step and, with a cap, takes its slot in the
   * customer's frequency item in the same transaction. The item is read, the slot computed and the
   * item written back only if its version is still the one read, so concurrent claims cannot pass
   * the cap: the one that loses the race reads again.
   */
  async claimSend(tenant: string, customerId: string, intent: SendIntent, cap?: FrequencyCap): Promise<SendClaim> {
    const key = items.sendIntent(tenant, customerId, intent.executionName, intent.step);
    const put = { Put: { TableName: this.t.name, Item: { ...key, ...intent, status: 'claimed', expiresAt: this.t.expiry(intent.at) }, ConditionExpression: 'attribute_not_exists(pk)' } };
    const existing = async (): Promise<SendClaim | undefined> => {
      const record = await this.t.get<SendRecord>(key);
      return record && { kind: 'exists', record };
    };
    for (let attempt = 1; ; attempt++) {
      if (!cap) {
        if (await this.t.putIfAbsent(put.Put.Item)) return { kind: 'claimed' };
      } else {
        const held = await this.slots(tenant, customerId);
        const taken = takeSlot(held.slots, { id: slotId(intent.executionName, intent.step), at: intent.at }, cap);
        if (taken.kind === 'full') return (await existing()) ?? { kind: 'capped' };
        const reasons = await this.t.transact([put, this.writeSlots(tenant, customerId, held.version, taken.slots, slotsExpiry(taken.slots, cap.days))]);
        if (!reasons) return { kind: 'claimed' };
        if (reasons[0] !== 'ConditionalCheckFailed') {
          await contended(attempt);
          continue;
        }
      }
      // Claimed before; read it (a release between the two requests makes this a new attempt).
      const found = await existing();
      if (found) return found;
      await contended(attempt);
    }
  }

  /** The first outcome stays; a refusal gives the send's slot back in the same transaction. */
  async completeSend(tenant: string, customerId: string, executionName: string, stepId: string, outcome: SendOutcome): Promise<void> {
    // Only the outcome's own attributes: a message id when the provider gave one, a reason for a refusal.
    const fields: Record<string, unknown> = { status: 'done', ...outcome };
    const names = Object.keys(fields).filter((n) => fields[n] !== undefined);
    const values: Record<string, unknown> = { ':claimed': 'claimed' };
    for (const n of names) values[`:${n}`] = fields[n];
    const update = {
      Update: {
        TableName: this.t.name,
        Key: items.sendIntent(tenant, customerId, executionName, stepId),
        UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}`,
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
        ExpressionAttributeValues: values,
      },
    };
    if (outcome.outcome === 'refused') await this.withSlotBack(tenant, customerId, slotId(executionName, stepId), update, new UpdateCommand(update.Update));
    else await this.t.conditional(new UpdateCommand(update.Update));
  }

  /** Gives a claim back after a failure before anything went out, with its slot, so the retry may send. */
  async releaseSend(tenant: string, customerId: string, executionName: string, stepId: string): Promise<void> {
    const del = {
      Delete: {
        TableName: this.t.name,
        Key: items.sendIntent(tenant, customerId, executionName, stepId),
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      },
    };
    await this.withSlotBack(tenant, customerId, slotId(executionName, stepId), del, new DeleteCommand(del.Delete));
  }

  /** Applies a write guarded by the intent being `claimed` and, when the send holds a slot, gives it back with it. */
  private async withSlotBack(tenant: string, customerId: string, id: string, write: TransactItem, alone: UpdateCommand | DeleteCommand): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const held = await this.slots(tenant, customerId);
      const rest = giveBackSlot(held.slots, id);
      if (!rest) {
        await this.t.conditional(alone);
        return;
      }
      const reasons = await this.t.transact([write, this.writeSlots(tenant, customerId, held.version, rest, held.expiresAt)]);
      // Written, or the intent is not claimed (completed, released, never made): nothing of it to give back.
      if (!reasons || reasons[0] === 'ConditionalCheckFailed') return;
      await contended(attempt);
    }
  }

  private async slots(tenant: string, customerId: string): Promise<{ slots: CapSlot[]; version?: number; expiresAt?: number }> {
    const item = await this.t.get<{ slots: CapSlot[]; version: number; expiresAt: number }>(items.frequencyCap(tenant, customerId));
    return { slots: item?.slots ?? [], version: item?.version, expiresAt: item?.expiresAt };
  }

  /** The frequency item written only if nobody wrote it since `version` was read (absent: nobody created it). */
  private writeSlots(tenant: string, customerId: string, version: number | undefined, slots: CapSlot[], expiresAt: number | undefined) {
    return {
      Put: {
        TableName: this.t.name,
        Item: { ...items.frequencyCap(tenant, customerId), slots, version: (version ?? 0) + 1, ...(expiresAt === undefined ? {} : { expiresAt }) },
        ConditionExpression: version === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
        ...(version === undefined ? {} : { ExpressionAttributeValues: { ':v': version } }),
      },
    };
  }
}

const MAX_ATTEMPTS = 25;

/** Another step wrote the customer's frequency item first: wait a little (jittered) and read it again. */
async function contended(attempt: number): Promise<void> {
  if (attempt >= MAX_ATTEMPTS) throw new Error(`send claim: the frequency cap item stayed contended for ${attempt} attempts`);
  await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
}
