import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Checkout, Contact, Order } from './domain.ts';

/**
 * Single-table layout (see docs/data-model.md). Every write that a replay could repeat is
 * guarded by a condition expression, so a redelivered event never doubles anything.
 */
export const key = {
  customer: (tenant: string, customerId: string) => `CUST#${tenant}#${customerId}`,
  cart: (tenant: string, token: string) => `CART#${tenant}#${token}`,
  dedupe: (tenant: string, eventKey: string) => `EVENT#${tenant}#${eventKey}`,
  send: (executionName: string, stepId: string) => `SEND#${executionName}#${stepId}`,
};

const DEDUPE_SECONDS = 8 * 86_400;

export type ConsentChannel = 'email' | 'sms';
export type ConsentTopic = 'marketing' | 'service';

export interface ConsentState {
  granted: boolean;
  at: string;
  source: string;
}

export interface CustomerProfile {
  customerId: string;
  email?: string;
  phone?: string;
  firstName?: string;
  locale?: string;
  updatedAt: string;
}

export interface CartRecord extends Checkout {
  customerId?: string;
  status: 'open' | 'ordered';
  orderId?: string;
  updatedAt: string;
}

export type EnrolmentStatus = 'active' | 'goal-reached' | 'completed' | 'stopped';

export interface Enrolment {
  journey: string;
  key: string;
  executionName: string;
  status: EnrolmentStatus;
  startedAt: string;
  endedAt?: string;
  endReason?: string;
}

export type SuppressionReason = 'no_consent' | 'no_address' | 'goal_reached' | 'unsubscribed' | 'already_sent' | 'template_error' | 'rejected_by_provider';

export interface Decision {
  at: string;
  journey: string;
  step: string;
  executionName: string;
  channel: 'email' | 'sms';
  outcome: 'sent' | 'suppressed';
  reason?: SuppressionReason;
  template: string;
  locale: string;
  subject?: string;
  messageId?: string;
}

function isConditionFailure(e: unknown): boolean {
  return e instanceof ConditionalCheckFailedException || (e as Error)?.name === 'ConditionalCheckFailedException';
}

export class Store {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  private async get<T>(pk: string, sk: string): Promise<T | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }));
    return out.Item as T | undefined;
  }

  /** Writes an item unless one with its key exists; false when it did. */
  private async putIfAbsent(item: Record<string, unknown> & { pk: string; sk: string }): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** First delivery of an event key claims it; later ones are duplicates. Kept 8 days. */
  async claimEvent(tenant: string, eventKey: string, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: key.dedupe(tenant, eventKey), sk: 'EVENT', at: now.toISOString(), expiresAt: epoch(now) + DEDUPE_SECONDS },
          // TTL deletes lag (up to days on AWS), so an expired claim counts as gone.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': epoch(now) },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** Gives a claim back when processing failed, so the platform's retry is not taken for a duplicate. */
  async releaseEvent(tenant: string, eventKey: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: key.dedupe(tenant, eventKey), sk: 'EVENT' } }));
  }

  async upsertCustomer(tenant: string, customerId: string, contact: Contact, at: string): Promise<void> {
    const fields: Record<string, unknown> = {
      customerId,
      email: contact.email,
      phone: contact.phone,
      firstName: contact.firstName,
      locale: contact.locale,
    };
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#createdAt': 'createdAt' };
    const values: Record<string, unknown> = { ':at': at };
    const sets = ['#updatedAt = :at', '#createdAt = if_not_exists(#createdAt, :at)'];
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key.customer(tenant, customerId), sk: 'PROFILE' },
          UpdateExpression: `SET ${sets.join(', ')}`,
          // An older event replayed late must not overwrite newer contact details.
          ConditionExpression: 'attribute_not_exists(#updatedAt) OR #updatedAt <= :at',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async getCustomer(tenant: string, customerId: string): Promise<CustomerProfile | undefined> {
    return this.get<CustomerProfile>(key.customer(tenant, customerId), 'PROFILE');
  }

  /**
   * Appends to the consent ledger (never rewritten) and moves the current state forward
   * only when this statement is newer than the one on file.
   */
  async recordConsent(
    tenant: string,
    customerId: string,
    channel: ConsentChannel,
    topic: ConsentTopic,
    granted: boolean,
    at: string,
    source: string,
    eventKey: string,
  ): Promise<void> {
    const pk = key.customer(tenant, customerId);
    await this.putIfAbsent({ pk, sk: `CONSENTLOG#${channel}#${topic}#${at}#${eventKey}`, channel, topic, granted, at, source, eventKey });
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk, sk: `CONSENT#${channel}#${topic}`, channel, topic, granted, at, source },
          ConditionExpression: 'attribute_not_exists(pk) OR #at <= :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async getConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic): Promise<ConsentState | undefined> {
    return this.get<ConsentState>(key.customer(tenant, customerId), `CONSENT#${channel}#${topic}`);
  }

  /** Stores the latest view of a cart; an ordered cart or a newer version on file wins. */
  async putCart(tenant: string, customerId: string | undefined, checkout: Checkout, at: string): Promise<'stored' | 'stale' | 'ordered'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: key.cart(tenant, checkout.token), sk: 'CART', ...checkout, customerId, status: 'open', updatedAt: at },
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :open AND #updatedAt <= :at)',
          ExpressionAttributeNames: { '#status': 'status', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: { ':open': 'open', ':at': at },
        }),
      );
      return 'stored';
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const current = await this.getCart(tenant, checkout.token);
      return current?.status === 'ordered' ? 'ordered' : 'stale';
    }
  }

  async getCart(tenant: string, token: string): Promise<CartRecord | undefined> {
    return this.get<CartRecord>(key.cart(tenant, token), 'CART');
  }

  /** Marks a cart as bought; creates a tombstone when the order beat its checkout event here. */
  async markCartOrdered(tenant: string, token: string, orderId: string, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key.cart(tenant, token), sk: 'CART' },
        UpdateExpression: 'SET #status = :ordered, orderId = :orderId, #token = :token, orderedAt = :at',
        ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
        ExpressionAttributeValues: { ':ordered': 'ordered', ':orderId': orderId, ':token': token, ':at': at },
      }),
    );
  }

  async putOrder(tenant: string, customerId: string, order: Order, at: string): Promise<boolean> {
    return this.putIfAbsent({ pk: key.customer(tenant, customerId), sk: `ORDER#${order.id}`, ...order, placedAt: at });
  }

  async createEnrolment(tenant: string, customerId: string, enrolment: Omit<Enrolment, 'status'>): Promise<boolean> {
    return this.putIfAbsent({ pk: key.customer(tenant, customerId), sk: `ENROL#${enrolment.journey}#${enrolment.key}`, ...enrolment, status: 'active' });
  }

  async getEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string): Promise<Enrolment | undefined> {
    return this.get<Enrolment>(key.customer(tenant, customerId), `ENROL#${journey}#${enrolKey}`);
  }

  async activeEnrolments(tenant: string, customerId: string, journey: string): Promise<Enrolment[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': key.customer(tenant, customerId), ':prefix': `ENROL#${journey}#`, ':active': 'active' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []) as Enrolment[];
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
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key.customer(tenant, customerId), sk: `ENROL#${journey}#${enrolKey}` },
          UpdateExpression: 'SET #status = :status, endedAt = :at, endReason = :reason',
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':at': at, ':reason': reason, ':active': 'active' },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /**
   * Claims the right to send step `stepId` of one execution. A second claim (a retry, a
   * replayed step) finds the first and does not send again.
   */
  async claimSend(executionName: string, stepId: string, at: string): Promise<boolean> {
    return this.putIfAbsent({ pk: key.send(executionName, stepId), sk: 'SEND', status: 'claimed', at });
  }

  async completeSend(executionName: string, stepId: string, messageId: string | undefined): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key.send(executionName, stepId), sk: 'SEND' },
        UpdateExpression: 'SET #status = :done, messageId = :mid',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':done': 'done', ':mid': messageId ?? null },
      }),
    );
  }

  /** Gives a claim back after a transient failure, so the retry may send. */
  async releaseSend(executionName: string, stepId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: key.send(executionName, stepId), sk: 'SEND' },
          ConditionExpression: '#status = :claimed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claimed': 'claimed' },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  /** The decision log: every send and every decision not to send, with its reason. */
  async recordDecision(tenant: string, customerId: string, decision: Decision): Promise<void> {
    await this.putIfAbsent({ pk: key.customer(tenant, customerId), sk: `DECISION#${decision.at}#${decision.executionName}#${decision.step}`, ...decision });
  }

  async listDecisions(tenant: string, customerId: string): Promise<Decision[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': key.customer(tenant, customerId), ':prefix': 'DECISION#' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []) as Decision[];
  }
}

function epoch(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}
