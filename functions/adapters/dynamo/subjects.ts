import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ParkedOrderEvent, SubjectRepository } from '../../app/ports.ts';
import { PARKED_ORDER_EVENT_DAYS } from '../../core/limits.ts';
import type { Checkout, Order } from '../../core/domain.ts';
import type { CartRecord, InvoiceRecord, OrderRecord, ShipmentUpdate } from '../../core/model.ts';
import { epoch, isConditionFailure, isTransactionConditionFailure, type Table } from './base.ts';
import type { DynamoCustomers } from './customers.ts';
import { items } from './keys.ts';

/** Carts (with the customer's references to them), orders (with their owner reference) and invoices on DynamoDB. */
export class DynamoSubjects implements SubjectRepository {
  constructor(
    private readonly t: Table,
    /** An order's facts go on its customer's profile. */
    private readonly customers: Pick<DynamoCustomers, 'orderStatsUpdate' | 'recordLastOrder'>,
  ) {}

  /**
   * Stores the latest view of a cart; an ordered cart or a newer version on file wins. A token
   * that comes back with another customer (a platform reusing it) is that customer's cart from
   * then on: the earlier owner's reference goes, so no one sees another's cart.
   */
  async putCart(tenant: string, customerId: string | undefined, checkout: Checkout, at: string): Promise<'stored' | 'stale' | 'ordered'> {
    let before: Record<string, unknown> | undefined;
    try {
      const out = await this.t.db.send(
        new PutCommand({
          TableName: this.t.name,
          Item: { ...items.cart(tenant, checkout.token), ...checkout, customerId, status: 'open', updatedAt: at, expiresAt: this.t.expiry(at) },
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :open AND #updatedAt <= :at)',
          ExpressionAttributeNames: { '#status': 'status', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: { ':open': 'open', ':at': at },
          ReturnValues: 'ALL_OLD',
        }),
      );
      before = out.Attributes;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return (await this.getCart(tenant, checkout.token))?.status === 'ordered' ? 'ordered' : 'stale';
    }
    const previous = before?.['customerId'];
    if (typeof previous === 'string' && previous !== customerId) await this.t.delete(items.cartRef(tenant, previous, checkout.token));
    // The customer's carts, for export and erasure (a cart is keyed by its token).
    if (customerId) await this.t.db.send(new PutCommand({ TableName: this.t.name, Item: { ...items.cartRef(tenant, customerId, checkout.token), token: checkout.token, expiresAt: this.t.expiry(at) } }));
    return 'stored';
  }

  async getCart(tenant: string, token: string): Promise<CartRecord | undefined> {
    return this.t.get<CartRecord>(items.cart(tenant, token));
  }

  /** Marks a cart as bought; creates a tombstone when the order beat its checkout event here. */
  async markCartOrdered(tenant: string, token: string, orderId: string, at: string): Promise<void> {
    // The same order applied again (a redelivery, re-clamped to a later clock) keeps its first
    // time: the condition fails and nothing changes.
    await this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.cart(tenant, token),
        UpdateExpression: 'SET #status = :ordered, orderId = :orderId, #token = :token, orderedAt = :at, expiresAt = if_not_exists(expiresAt, :exp)',
        ConditionExpression: 'NOT (#status = :ordered AND orderId = :orderId)',
        ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
        ExpressionAttributeValues: { ':ordered': 'ordered', ':orderId': orderId, ':token': token, ':at': at, ':exp': this.t.expiry(at) },
      }),
    );
  }

  /**
   * Stores a new order and counts it on the profile in one transaction; fills in the tombstone of a
   * cancellation or refund that came first, keeping its status. The owner reference and the
   * last-order day are idempotent and written on every call, so a replay after a crash between the
   * writes completes them. False when the order was stored before.
   */
  async putOrder(tenant: string, customerId: string, order: Order, at: string): Promise<boolean> {
    const fields: Record<string, unknown> = { ...order, placedAt: at, expiresAt: this.t.expiry(at) };
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':placed': 'placed' };
    const sets = ['#status = if_not_exists(#status, :placed)'];
    for (const [i, [k, v]] of Object.entries(fields).filter(([, v]) => v !== undefined).entries()) {
      names[`#f${i}`] = k;
      values[`:f${i}`] = v;
      sets.push(`#f${i} = :f${i}`);
    }
    let placedAt = at;
    let stored = true;
    try {
      await this.t.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.t.name,
                Key: items.order(tenant, customerId, order.id),
                UpdateExpression: `SET ${sets.join(', ')}`,
                ConditionExpression: 'attribute_not_exists(placedAt)',
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            { Update: this.customers.orderStatsUpdate(tenant, customerId, order, at) },
          ],
        }),
      );
    } catch (e) {
      if (!isTransactionConditionFailure(e)) throw e;
      stored = false;
      // Stored before: its own time is the one the profile's last order may need.
      placedAt = (await this.getOrder(tenant, customerId, order.id))?.placedAt ?? at;
    }
    await this.t.putIfAbsent({ ...items.orderRef(tenant, order.id), customerId, expiresAt: this.t.expiry(placedAt) });
    await this.customers.recordLastOrder(tenant, customerId, placedAt);
    return stored;
  }

  /** Whose order this is, for events that name only the order (a Shopify refund). */
  async findOrderOwner(tenant: string, orderId: string): Promise<string | undefined> {
    return (await this.t.get<{ customerId: string }>(items.orderRef(tenant, orderId)))?.customerId;
  }

  async parkOrderEvent(tenant: string, orderId: string, parked: ParkedOrderEvent): Promise<void> {
    await this.t.putIfAbsent({ ...items.parkedOrderEvent(tenant, orderId, parked.at, parked.key), ...parked, expiresAt: epoch(new Date(Date.parse(parked.at) + PARKED_ORDER_EVENT_DAYS * 86_400_000)) });
  }

  async parkedOrderEvents(tenant: string, orderId: string): Promise<ParkedOrderEvent[]> {
    const { pk } = items.parkedOrderEvent(tenant, orderId, '', '');
    const kept = (await this.t.query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } })) as unknown as ParkedOrderEvent[];
    return kept.map(({ key, at, event }) => ({ key, at, event }));
  }

  async dropParkedOrderEvent(tenant: string, orderId: string, parked: Pick<ParkedOrderEvent, 'at' | 'key'>): Promise<void> {
    await this.t.delete(items.parkedOrderEvent(tenant, orderId, parked.at, parked.key));
  }

  async getOrder(tenant: string, customerId: string, orderId: string): Promise<OrderRecord | undefined> {
    return this.t.get<OrderRecord>(items.order(tenant, customerId, orderId));
  }

  /** placed → cancelled | refunded; creates a tombstone when the order itself is not known yet. */
  async markOrder(tenant: string, customerId: string, orderId: string, status: 'cancelled' | 'refunded', at: string): Promise<void> {
    await this.t.db.send(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.order(tenant, customerId, orderId),
        UpdateExpression: 'SET #status = :s, endedAt = :at, id = if_not_exists(id, :id), expiresAt = if_not_exists(expiresAt, :exp)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':s': status, ':at': at, ':id': orderId, ':exp': this.t.expiry(at) },
      }),
    );
  }

  /** The first time each state was reported stays; a tombstone when the order is not known yet (putOrder fills it in). */
  async recordShipment(tenant: string, customerId: string, orderId: string, shipment: ShipmentUpdate): Promise<void> {
    const field = shipment.status === 'delivered' ? 'deliveredAt' : 'fulfilledAt';
    const tracking = shipment.trackingUrl ? ', trackingUrl = :url' : '';
    await this.t.db.send(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.order(tenant, customerId, orderId),
        UpdateExpression: `SET #field = if_not_exists(#field, :at), id = if_not_exists(id, :id), expiresAt = if_not_exists(expiresAt, :exp)${tracking}`,
        ExpressionAttributeNames: { '#field': field },
        ExpressionAttributeValues: { ':at': shipment.at, ':id': orderId, ':exp': this.t.expiry(shipment.at), ...(shipment.trackingUrl ? { ':url': shipment.trackingUrl } : {}) },
      }),
    );
  }

  /**
   * Records a failed payment unless the invoice is already paid (an `invoice.paid` may arrive first),
   * with the customer's reference to it; an invoice that changes hands leaves the earlier owner's.
   */
  async recordInvoiceFailure(tenant: string, invoice: Omit<InvoiceRecord, 'status' | 'updatedAt'>, at: string): Promise<'open' | 'paid'> {
    let before: Record<string, unknown> | undefined;
    try {
      const out = await this.t.db.send(
        new PutCommand({
          TableName: this.t.name,
          Item: { ...items.invoice(tenant, invoice.invoiceId), ...invoice, status: 'failed', updatedAt: at, expiresAt: this.t.expiry(at) },
          ConditionExpression: 'attribute_not_exists(pk) OR #status <> :paid',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':paid': 'paid' },
          ReturnValues: 'ALL_OLD',
        }),
      );
      before = out.Attributes;
    } catch (e) {
      if (isConditionFailure(e)) return 'paid';
      throw e;
    }
    const previous = before?.['customerId'];
    if (typeof previous === 'string' && previous !== invoice.customerId) await this.t.delete(items.invoiceRef(tenant, previous, invoice.invoiceId));
    if (invoice.customerId) {
      await this.t.db.send(
        new PutCommand({ TableName: this.t.name, Item: { ...items.invoiceRef(tenant, invoice.customerId, invoice.invoiceId), invoiceId: invoice.invoiceId, expiresAt: this.t.expiry(at) } }),
      );
    }
    return 'open';
  }

  async markInvoicePaid(tenant: string, invoiceId: string, at: string): Promise<void> {
    await this.t.db.send(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.invoice(tenant, invoiceId),
        UpdateExpression: 'SET #status = :paid, invoiceId = :id, paidAt = :at, expiresAt = :exp',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':paid': 'paid', ':id': invoiceId, ':at': at, ':exp': this.t.expiry(at) },
      }),
    );
  }

  async getInvoice(tenant: string, invoiceId: string): Promise<InvoiceRecord | undefined> {
    return this.t.get<InvoiceRecord>(items.invoice(tenant, invoiceId));
  }
}
