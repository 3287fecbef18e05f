import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EnrolmentRepository } from '../../app/ports.ts';
import type { Enrolment, EnrolmentStatus } from '../../core/model.ts';
import type { Table } from './base.ts';
import { customerRanges, items, partitions } from './keys.ts';

/** Journey enrolments (on the customer) and the send claims of their steps on DynamoDB. */
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
   * Claims the right to send step `stepId` of one execution. A second claim (a retry, a
   * replayed step) finds the first and does not send again.
   */
  async claimSend(executionName: string, stepId: string, at: string): Promise<boolean> {
    // Kept as long as the decision it guards (an execution runs for a year at most).
    return this.t.putIfAbsent({ ...items.sendClaim(executionName, stepId), status: 'claimed', at, expiresAt: this.t.expiry(at) });
  }

  async completeSend(executionName: string, stepId: string, messageId: string | undefined): Promise<void> {
    await this.t.db.send(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.sendClaim(executionName, stepId),
        UpdateExpression: 'SET #status = :done, messageId = :mid',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':done': 'done', ':mid': messageId ?? null },
      }),
    );
  }

  /** Gives a claim back after a transient failure, so the retry may send. */
  async releaseSend(executionName: string, stepId: string): Promise<void> {
    await this.t.conditional(
      new DeleteCommand({
        TableName: this.t.name,
        Key: items.sendClaim(executionName, stepId),
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      }),
    );
  }
}
