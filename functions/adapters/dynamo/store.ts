import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Checkout, Contact, Order } from '../../core/domain.ts';
import type { StateStore } from '../../app/ports.ts';
import type { CartRecord, ConsentChannel, ConsentState, ConsentTopic, CustomerProfile, Decision, Enrolment, EnrolmentStatus, InvoiceRecord, OrderRecord, StaffTask } from '../../core/model.ts';
import { type AddressChannel, normaliseAddress } from '../../core/identity.ts';

/**
 * Single-table layout (see docs/data-model.md). Every write that a replay could repeat is
 * guarded by a condition expression, so a redelivered event never doubles anything.
 */
export const key = {
  customer: (tenant: string, customerId: string) => `CUST#${tenant}#${customerId}`,
  cart: (tenant: string, token: string) => `CART#${tenant}#${token}`,
  dedupe: (tenant: string, eventKey: string) => `EVENT#${tenant}#${eventKey}`,
  send: (executionName: string, stepId: string) => `SEND#${executionName}#${stepId}`,
  invoice: (tenant: string, invoiceId: string) => `INVOICE#${tenant}#${invoiceId}`,
  tasks: (tenant: string) => `TASKS#${tenant}`,
  lastOrderDay: (tenant: string, day: string) => `LASTORDER#${tenant}#${day}`,
};

/** Sparse index of customers by the day of their last order: win-back selection reads one day, never the table. */
export const LAST_ORDER_INDEX = 'byLastOrderDay';

const DEDUPE_SECONDS = 8 * 86_400;

export type {
  CartRecord,
  ConsentChannel,
  ConsentState,
  ConsentTopic,
  CustomerProfile,
  Decision,
  Enrolment,
  EnrolmentStatus,
  InvoiceRecord,
  OrderRecord,
  StaffTask,
  SuppressionReason,
} from '../../core/model.ts';

function isConditionFailure(e: unknown): boolean {
  return e instanceof ConditionalCheckFailedException || (e as Error)?.name === 'ConditionalCheckFailedException';
}

export class Store implements StateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    /** Marketing data (profile, carts, orders, enrolments, decisions) expires this long after its last write. @default 3 years */
    private readonly retentionDays = 1095,
  ) {}

  /** TTL for marketing data written at `at`. */
  private expiry(at: string): number {
    return Math.floor(Date.parse(at) / 1000) + this.retentionDays * 86_400;
  }

  private async get<T>(pk: string, sk: string): Promise<T | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }));
    return out.Item as T | undefined;
  }

  /** Reads several items in one consistent request (and its retries for unprocessed keys). */
  private async getMany(keys: { pk: string; sk: string }[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    let pending: Record<string, unknown>[] = keys;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      if (attempt > 8) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
      const out = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
      for (const item of out.Responses?.[this.tableName] ?? []) found.set(`${item['pk']}\u0000${item['sk']}`, item);
      pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return found;
  }

  /**
   * What a journey step decides on, read at once: the enrolment, the profile, marketing consent
   * on both channels and the step's subject (the cart, order or invoice it is about).
   */
  async stepContext(
    tenant: string,
    customerId: string,
    journey: string,
    enrolKey: string,
    subject: 'cart' | 'order' | 'invoice' | undefined,
  ): Promise<{ enrolment?: Enrolment; customer?: CustomerProfile; consent: Record<ConsentChannel, ConsentState | undefined>; subject?: Record<string, unknown> }> {
    const pk = key.customer(tenant, customerId);
    const wanted = {
      enrolment: { pk, sk: `ENROL#${journey}#${enrolKey}` },
      customer: { pk, sk: 'PROFILE' },
      email: { pk, sk: 'CONSENT#email#marketing' },
      sms: { pk, sk: 'CONSENT#sms#marketing' },
      ...(subject === 'cart' ? { subject: { pk: key.cart(tenant, enrolKey), sk: 'CART' } } : {}),
      ...(subject === 'order' ? { subject: { pk, sk: `ORDER#${enrolKey}` } } : {}),
      ...(subject === 'invoice' ? { subject: { pk: key.invoice(tenant, enrolKey), sk: 'INVOICE' } } : {}),
    };
    const found = await this.getMany(Object.values(wanted));
    const pick = <T>(k: { pk: string; sk: string } | undefined) => (k ? (found.get(`${k.pk}\u0000${k.sk}`) as T | undefined) : undefined);
    return {
      enrolment: pick<Enrolment>(wanted.enrolment),
      customer: pick<CustomerProfile>(wanted.customer),
      consent: { email: pick<ConsentState>(wanted.email), sms: pick<ConsentState>(wanted.sms) },
      subject: pick<Record<string, unknown>>('subject' in wanted ? wanted.subject : undefined),
    };
  }

  /** Writes an item unless one with its key exists; false when it did. */
  private async putIfAbsent(item: Record<string, unknown> & { pk: string; sk: string }): Promise<boolean> {
    return this.conditional(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  /** Sends a conditional write; false when its condition did not hold (a replay, an older event, a full window). */
  private async conditional(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      if (command instanceof PutCommand) await this.db.send(command);
      else if (command instanceof UpdateCommand) await this.db.send(command);
      else await this.db.send(command);
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** First delivery of an event key claims it; later ones are duplicates. Kept 8 days. */
  async claimEvent(tenant: string, eventKey: string, now: Date): Promise<boolean> {
    return this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: key.dedupe(tenant, eventKey), sk: 'EVENT', at: now.toISOString(), expiresAt: epoch(now) + DEDUPE_SECONDS },
        // TTL deletes lag (up to days on AWS), so an expired claim counts as gone.
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': epoch(now) },
      }),
    );
  }

  /** Gives a claim back when processing failed, so the platform's retry is not taken for a duplicate. */
  async releaseEvent(tenant: string, eventKey: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: key.dedupe(tenant, eventKey), sk: 'EVENT' } }));
  }

  /** Merges contact details into the profile; returns the profile as stored, or undefined when a newer one won. */
  async upsertCustomer(tenant: string, customerId: string, contact: Contact, at: string): Promise<CustomerProfile | undefined> {
    const fields: Record<string, unknown> = {
      customerId,
      email: contact.email,
      phone: contact.phone,
      firstName: contact.firstName,
      locale: contact.locale,
      preferredChannel: contact.preferredChannel,
      timeZone: contact.timeZone,
    };
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#createdAt': 'createdAt' };
    const values: Record<string, unknown> = { ':at': at, ':exp': this.expiry(at) };
    const sets = ['#updatedAt = :at', '#createdAt = if_not_exists(#createdAt, :at)', 'expiresAt = :exp'];
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    if (contact.phone) {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: { pk: `PHONEREF#${tenant}#${addressHash('sms', contact.phone)}`, sk: 'PHONEREF', customerId, expiresAt: this.expiry(at) } }),
      );
    }
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key.customer(tenant, customerId), sk: 'PROFILE' },
          UpdateExpression: `SET ${sets.join(', ')}`,
          // An older event replayed late must not overwrite newer contact details.
          ConditionExpression: 'attribute_not_exists(#updatedAt) OR #updatedAt <= :at',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as CustomerProfile | undefined;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return undefined;
    }
  }

  /** The customer a phone number belongs to, for events that carry only the number (SMS consent, opt-outs). */
  async findByPhone(tenant: string, phone: string): Promise<string | undefined> {
    return (await this.get<{ customerId: string }>(`PHONEREF#${tenant}#${addressHash('sms', phone)}`, 'PHONEREF'))?.customerId;
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
    const moveState = async () => {
      await this.conditional(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk, sk: `CONSENT#${channel}#${topic}`, channel, topic, granted, at, source },
          ConditionExpression: 'attribute_not_exists(pk) OR #at <= :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    };
    await Promise.all([this.putIfAbsent({ pk, sk: `CONSENTLOG#${channel}#${topic}#${at}#${eventKey}`, channel, topic, granted, at, source, eventKey }), moveState()]);
  }

  async getConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic): Promise<ConsentState | undefined> {
    return this.get<ConsentState>(key.customer(tenant, customerId), `CONSENT#${channel}#${topic}`);
  }

  /** Stores the latest view of a cart; an ordered cart or a newer version on file wins. */
  async putCart(tenant: string, customerId: string | undefined, checkout: Checkout, at: string): Promise<'stored' | 'stale' | 'ordered'> {
    const stored = await this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: key.cart(tenant, checkout.token), sk: 'CART', ...checkout, customerId, status: 'open', updatedAt: at, expiresAt: this.expiry(at) },
        ConditionExpression: 'attribute_not_exists(pk) OR (#status = :open AND #updatedAt <= :at)',
        ExpressionAttributeNames: { '#status': 'status', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':open': 'open', ':at': at },
      }),
    );
    if (!stored) return (await this.getCart(tenant, checkout.token))?.status === 'ordered' ? 'ordered' : 'stale';
    // The customer's carts, for export and erasure (a cart is keyed by its token).
    if (customerId) await this.putIfAbsent({ pk: key.customer(tenant, customerId), sk: `CARTREF#${checkout.token}`, token: checkout.token, expiresAt: this.expiry(at) });
    return 'stored';
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
    const stored = await this.putIfAbsent({ pk: key.customer(tenant, customerId), sk: `ORDER#${order.id}`, ...order, placedAt: at, status: 'placed', expiresAt: this.expiry(at) });
    if (stored) {
      await this.putIfAbsent({ pk: `ORDERREF#${tenant}#${order.id}`, sk: 'ORDERREF', customerId });
      await this.recordOrderStats(tenant, customerId, order, at);
    }
    return stored;
  }

  /** RFM facts on the profile; the last-order day moves the customer in the sparse win-back index. */
  private async recordOrderStats(tenant: string, customerId: string, order: Order, at: string): Promise<void> {
    const pk = key.customer(tenant, customerId);
    const spent = order.currency === 'PLN' ? Number(order.total) : 0;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk, sk: 'PROFILE' },
        UpdateExpression: 'SET customerId = :c, #updatedAt = if_not_exists(#updatedAt, :at) ADD orderCount :one, spentPln :spent',
        ExpressionAttributeNames: { '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':c': customerId, ':at': at, ':one': 1, ':spent': spent },
      }),
    );
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk, sk: 'PROFILE' },
        UpdateExpression: 'SET lastOrderAt = :at, gsi1pk = :day, gsi1sk = :c',
        ConditionExpression: 'attribute_not_exists(lastOrderAt) OR lastOrderAt < :at',
        ExpressionAttributeValues: { ':at': at, ':day': key.lastOrderDay(tenant, at.slice(0, 10)), ':c': customerId },
      }),
    );
  }

  /** Whose order this is, for events that name only the order (a Shopify refund). */
  async findOrderOwner(tenant: string, orderId: string): Promise<string | undefined> {
    return (await this.get<{ customerId: string }>(`ORDERREF#${tenant}#${orderId}`, 'ORDERREF'))?.customerId;
  }

  async getOrder(tenant: string, customerId: string, orderId: string): Promise<OrderRecord | undefined> {
    return this.get<OrderRecord>(key.customer(tenant, customerId), `ORDER#${orderId}`);
  }

  /** placed → cancelled | refunded; creates a tombstone when the order itself is not known yet. */
  async markOrder(tenant: string, customerId: string, orderId: string, status: 'cancelled' | 'refunded', at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key.customer(tenant, customerId), sk: `ORDER#${orderId}` },
        UpdateExpression: 'SET #status = :s, endedAt = :at, id = if_not_exists(id, :id)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':s': status, ':at': at, ':id': orderId },
      }),
    );
  }

  /** Customers whose last order fell on `day` (YYYY-MM-DD), a page at a time. */
  async customersByLastOrderDay(tenant: string, day: string, cursor?: Record<string, unknown>): Promise<{ items: CustomerProfile[]; cursor?: Record<string, unknown> }> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LAST_ORDER_INDEX,
        KeyConditionExpression: 'gsi1pk = :day',
        ExpressionAttributeValues: { ':day': key.lastOrderDay(tenant, day) },
        ExclusiveStartKey: cursor,
        Limit: 500,
      }),
    );
    return { items: (out.Items ?? []) as CustomerProfile[], cursor: out.LastEvaluatedKey };
  }

  /** Records a failed payment unless the invoice is already paid (an `invoice.paid` may arrive first). */
  async recordInvoiceFailure(tenant: string, invoice: Omit<InvoiceRecord, 'status' | 'updatedAt'>, at: string): Promise<'open' | 'paid'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: key.invoice(tenant, invoice.invoiceId), sk: 'INVOICE', ...invoice, status: 'failed', updatedAt: at },
          ConditionExpression: 'attribute_not_exists(pk) OR #status <> :paid',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':paid': 'paid' },
        }),
      );
      return 'open';
    } catch (e) {
      if (isConditionFailure(e)) return 'paid';
      throw e;
    }
  }

  async markInvoicePaid(tenant: string, invoiceId: string, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key.invoice(tenant, invoiceId), sk: 'INVOICE' },
        UpdateExpression: 'SET #status = :paid, invoiceId = :id, paidAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':paid': 'paid', ':id': invoiceId, ':at': at },
      }),
    );
  }

  async getInvoice(tenant: string, invoiceId: string): Promise<InvoiceRecord | undefined> {
    return this.get<InvoiceRecord>(key.invoice(tenant, invoiceId), 'INVOICE');
  }

  /** Holds a customer out of a journey until `until`; false while an earlier hold lasts. */
  async claimCooldown(tenant: string, customerId: string, journey: string, now: string, until: string): Promise<boolean> {
    return this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: key.customer(tenant, customerId), sk: `COOLDOWN#${journey}`, until, at: now },
        ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now',
        ExpressionAttributeNames: { '#until': 'until' },
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }

  /** A survey answer, kept on the customer (ledger) and as the latest score on the profile. */
  async recordScore(tenant: string, customerId: string, answer: { journey: string; subject: string; score: number; at: string }): Promise<void> {
    const pk = key.customer(tenant, customerId);
    await this.putIfAbsent({ pk, sk: `SCORE#${answer.at}#${answer.journey}#${answer.subject}`, ...answer, expiresAt: this.expiry(answer.at) });
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk, sk: 'PROFILE' },
        UpdateExpression: 'SET lastScore = :s, lastScoreAt = :at',
        ExpressionAttributeValues: { ':s': answer.score, ':at': answer.at },
      }),
    );
  }

  async createTask(tenant: string, task: StaffTask): Promise<boolean> {
    return this.putIfAbsent({ pk: key.tasks(tenant), sk: `${task.at}#${task.id}`, ...task });
  }

  async listTasks(tenant: string): Promise<StaffTask[]> {
    const out = await this.db.send(
      new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': key.tasks(tenant) }, ConsistentRead: true }),
    );
    return (out.Items ?? []) as StaffTask[];
  }

  /**
   * Takes `n` requests' worth from a one-minute window at once (a lease the caller spends
   * locally); false when fewer than `n` are left.
   */
  async takeRate(bucket: string, window: number, limit: number, n = 1): Promise<boolean> {
    if (n > limit) return false;
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `RATE#${bucket}`, sk: String(window) },
        UpdateExpression: 'ADD #n :n SET expiresAt = :exp',
        ConditionExpression: 'attribute_not_exists(#n) OR #n <= :room',
        ExpressionAttributeNames: { '#n': 'count' },
        ExpressionAttributeValues: { ':n': n, ':room': limit - n, ':exp': (window + 2) * 60 },
      }),
    );
  }

  /** Counts a paid SMS against the tenant's daily cap; false once the cap is reached. */
  async countSms(tenant: string, day: string, cap: number): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `SMSCAP#${tenant}`, sk: day },
        UpdateExpression: 'ADD #n :one',
        ConditionExpression: 'attribute_not_exists(#n) OR #n < :cap',
        ExpressionAttributeNames: { '#n': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':cap': cap },
      }),
    );
  }

  async createEnrolment(tenant: string, customerId: string, enrolment: Omit<Enrolment, 'status'>): Promise<boolean> {
    return this.putIfAbsent({ pk: key.customer(tenant, customerId), sk: `ENROL#${enrolment.journey}#${enrolment.key}`, ...enrolment, status: 'active', expiresAt: this.expiry(enrolment.startedAt) });
  }

  async getEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string): Promise<Enrolment | undefined> {
    return this.get<Enrolment>(key.customer(tenant, customerId), `ENROL#${journey}#${enrolKey}`);
  }

  async activeEnrolments(tenant: string, customerId: string, journey?: string): Promise<Enrolment[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': key.customer(tenant, customerId), ':prefix': journey === undefined ? 'ENROL#' : `ENROL#${journey}#`, ':active': 'active' },
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
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key.customer(tenant, customerId), sk: `ENROL#${journey}#${enrolKey}` },
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
    await this.conditional(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: key.send(executionName, stepId), sk: 'SEND' },
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      }),
    );
  }

  /** An SMS opt-out short link: the code stands for the signed token, and expires with it. */
  async putShortLink(code: string, token: string, expiresAt: number): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { pk: `SHORT#${code}`, sk: 'SHORT', token, expiresAt } }));
  }

  async getShortLink(code: string): Promise<string | undefined> {
    return (await this.get<{ token: string }>(`SHORT#${code}`, 'SHORT'))?.token;
  }

  /** Bounced, complained or opted-out addresses: never sent to again, on any topic. Keyed by a hash. */
  async suppress(tenant: string, channel: 'email' | 'sms', address: string, reason: string, at: string): Promise<void> {
    await this.putIfAbsent({ pk: `SUPPRESS#${tenant}#${channel}#${addressHash(channel, address)}`, sk: 'SUPPRESS', channel, reason, at });
  }

  async isSuppressed(tenant: string, channel: 'email' | 'sms', address: string): Promise<boolean> {
    return (await this.get(`SUPPRESS#${tenant}#${channel}#${addressHash(channel, address)}`, 'SUPPRESS')) !== undefined;
  }

  /** Every item held under a customer's key, a page at a time. */
  async customerItems(tenant: string, customerId: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': key.customer(tenant, customerId) },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  /** RODO art. 15/20: everything held on one customer, as data. */
  async exportCustomer(tenant: string, customerId: string): Promise<Record<string, unknown>> {
    const items = await this.customerItems(tenant, customerId);
    const strip = ({ pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest }: Record<string, unknown>) => rest;
    const by = (prefix: string) => items.filter((i) => String(i['sk']).startsWith(prefix)).map(strip);
    const carts = [];
    for (const ref of by('CARTREF#')) {
      const cart = await this.getCart(tenant, String(ref['token']));
      if (cart) carts.push(strip(cart as unknown as Record<string, unknown>));
    }
    const tasks = (await this.listTasks(tenant)).filter((t) => t.customerId === customerId);
    return {
      customerId,
      profile: by('PROFILE')[0] ?? null,
      consents: by('CONSENT#'),
      consentLedger: by('CONSENTLOG#'),
      orders: by('ORDER#'),
      carts,
      journeys: by('ENROL#'),
      messages: by('DECISION#'),
      surveyAnswers: by('SCORE#'),
      staffTasks: tasks,
    };
  }

  /**
   * RODO art. 17: deletes the customer's profile, carts, orders, journeys, messages and answers.
   * What the law asks to keep stays, holding no contact data: the consent ledger (proof of consent
   * and of its withdrawal) and a hashed suppression entry so the address is never mailed again.
   */
  async eraseCustomer(tenant: string, customerId: string, at: string): Promise<void> {
    const items = await this.customerItems(tenant, customerId);
    const profile = items.find((i) => i['sk'] === 'PROFILE') as CustomerProfile | undefined;
    if (profile?.email) await this.suppress(tenant, 'email', profile.email, 'erased', at);
    if (profile?.phone) {
      await this.suppress(tenant, 'sms', profile.phone, 'erased', at);
      await this.delete(`PHONEREF#${tenant}#${addressHash('sms', profile.phone)}`, 'PHONEREF');
    }
    for (const item of items) {
      const sk = String(item['sk']);
      if (sk.startsWith('CONSENT')) continue;
      if (sk.startsWith('CARTREF#')) await this.delete(key.cart(tenant, String(item['token'])), 'CART');
      if (sk.startsWith('ORDER#')) await this.delete(`ORDERREF#${tenant}#${sk.slice('ORDER#'.length)}`, 'ORDERREF');
      await this.delete(String(item['pk']), sk);
    }
    for (const task of (await this.listTasks(tenant)).filter((t) => t.customerId === customerId)) await this.delete(key.tasks(tenant), `${task.at}#${task.id}`);
    await this.putIfAbsent({ pk: key.customer(tenant, customerId), sk: 'ERASED', at });
  }

  private async delete(pk: string, sk: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk } }));
  }

  /** The decision log: every send and every decision not to send, with its reason. */
  async recordDecision(tenant: string, customerId: string, decision: Decision): Promise<void> {
    await this.putIfAbsent({ pk: key.customer(tenant, customerId), sk: `DECISION#${decision.at}#${decision.executionName}#${decision.step}`, ...decision, expiresAt: this.expiry(decision.at) });
  }

  /** Marketing messages sent to a customer since `from` (all journeys): the frequency cap counts these. */
  async countMarketingSent(tenant: string, customerId: string, from: string): Promise<number> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: 'outcome = :sent AND topic = :marketing',
        ExpressionAttributeValues: { ':pk': key.customer(tenant, customerId), ':from': `DECISION#${from}`, ':to': 'DECISION#~', ':sent': 'sent', ':marketing': 'marketing' },
        ConsistentRead: true,
      }),
    );
    return out.Items?.length ?? 0;
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

/** Suppression and phone references are keyed by a hash of the normalised address, never the address. */
export function addressHash(channel: AddressChannel, address: string): string {
  return createHash('sha256').update(normaliseAddress(channel, address)).digest('hex');
}

function epoch(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}
