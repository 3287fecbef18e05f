import type { ParkedOrderEvent, SubjectRepository } from '../../app/ports.ts';
import { PARKED_ORDER_EVENT_DAYS } from '../../core/limits.ts';
import type { Checkout, Order } from '../../core/domain.ts';
import type { CartRecord, InvoiceRecord, OrderRecord, ShipmentUpdate } from '../../core/model.ts';
import type { MemoryCustomers } from './customers.ts';
import { copy, customerKey, expiry, type Item, le, Partitions } from './records.ts';

/**
 * What journeys are about: carts (by checkout token, with a reference from the customer who holds
 * it), orders (under the customer, with a reference by order id) and invoices (by id, with a
 * reference from the customer who holds it).
 */
export class MemorySubjects implements SubjectRepository {
  private readonly carts = new Map<string, Item>();
  private readonly cartRefs = new Partitions();
  private readonly orders = new Partitions();
  private readonly orderRefs = new Map<string, { customerId: string; expiresAt: number }>();
  private readonly invoices = new Map<string, Item>();
  private readonly invoiceRefs = new Partitions();
  private readonly parked = new Partitions();

  constructor(
    private readonly customers: MemoryCustomers,
    private readonly retentionDays: number,
  ) {}

  async putCart(tenant: string, customerId: string | undefined, checkout: Checkout, at: string): Promise<'stored' | 'stale' | 'ordered'> {
    const expiresAt = expiry(at, this.retentionDays);
    const k = `${tenant}#${checkout.token}`;
    const current = this.carts.get(k);
    // Only while open and not older; an ordered cart (or its tombstone) wins.
    if (current && !(current['status'] === 'open' && le(current['updatedAt'], at))) return current['status'] === 'ordered' ? 'ordered' : 'stale';
    this.carts.set(k, copy({ ...checkout, customerId, status: 'open', updatedAt: at, expiresAt }));
    // A token that comes back with another customer is theirs from then on: the earlier owner's reference goes.
    const previous = current?.['customerId'];
    if (typeof previous === 'string' && previous !== customerId) this.cartRefs.delete(customerKey(tenant, previous), checkout.token);
    if (customerId) this.cartRefs.put(customerKey(tenant, customerId), checkout.token, { token: checkout.token, expiresAt });
    return 'stored';
  }

  async getCart(tenant: string, token: string): Promise<CartRecord | undefined> {
    return copy(this.carts.get(`${tenant}#${token}`)) as CartRecord | undefined;
  }

  async markCartOrdered(tenant: string, token: string, orderId: string, at: string): Promise<void> {
    const k = `${tenant}#${token}`;
    // A tombstone when the order beat its checkout event.
    const current = this.carts.get(k);
    // The same order applied again (a redelivery, re-clamped to a later clock) keeps its first time.
    if (current?.['status'] === 'ordered' && current['orderId'] === orderId) return;
    this.carts.set(k, { ...current, status: 'ordered', orderId, token, orderedAt: at, expiresAt: current?.['expiresAt'] ?? expiry(at, this.retentionDays) });
  }

  async putOrder(tenant: string, customerId: string, order: Order, at: string): Promise<boolean> {
    const k = customerKey(tenant, customerId);
    const current = this.orders.get(k, order.id);
    // New, or the tombstone of a cancellation or refund that came first (filled in, its status kept).
    const stored = current?.['placedAt'] === undefined;
    if (stored) {
      this.orders.put(k, order.id, copy({ ...current, ...order, placedAt: at, status: current?.['status'] ?? 'placed', expiresAt: expiry(at, this.retentionDays) }));
      this.customers.recordOrderStats(tenant, customerId, order, at);
    }
    const placedAt = stored ? at : String(current['placedAt']);
    if (!this.orderRefs.has(`${tenant}#${order.id}`)) this.orderRefs.set(`${tenant}#${order.id}`, { customerId, expiresAt: expiry(placedAt, this.retentionDays) });
    return stored;
  }

  async findOrderOwner(tenant: string, orderId: string): Promise<string | undefined> {
    return this.orderRefs.get(`${tenant}#${orderId}`)?.customerId;
  }

  async parkOrderEvent(tenant: string, orderId: string, parked: ParkedOrderEvent): Promise<void> {
    this.parked.putIfAbsent(`${tenant}#${orderId}`, `${parked.at}#${parked.key}`, copy({ ...parked, expiresAt: expiry(parked.at, PARKED_ORDER_EVENT_DAYS) }) as unknown as Item);
  }

  async parkedOrderEvents(tenant: string, orderId: string): Promise<ParkedOrderEvent[]> {
    return this.parked.query(`${tenant}#${orderId}`).map(([, item]) => {
      const { expiresAt: _, ...parked } = copy(item);
      return parked as unknown as ParkedOrderEvent;
    });
  }

  async dropParkedOrderEvent(tenant: string, orderId: string, parked: Pick<ParkedOrderEvent, 'at' | 'key'>): Promise<void> {
    this.parked.delete(`${tenant}#${orderId}`, `${parked.at}#${parked.key}`);
  }

  async getOrder(tenant: string, customerId: string, orderId: string): Promise<OrderRecord | undefined> {
    return copy(this.orders.get(customerKey(tenant, customerId), orderId)) as OrderRecord | undefined;
  }

  async markOrder(tenant: string, customerId: string, orderId: string, status: 'cancelled' | 'refunded', at: string): Promise<void> {
    const k = customerKey(tenant, customerId);
    // Unconditional, as on DynamoDB; a tombstone when the order is not known yet.
    const current = this.orders.get(k, orderId) ?? {};
    this.orders.put(k, orderId, { ...current, status, endedAt: at, id: current['id'] ?? orderId, expiresAt: current['expiresAt'] ?? expiry(at, this.retentionDays) });
  }

  async recordShipment(tenant: string, customerId: string, orderId: string, shipment: ShipmentUpdate): Promise<void> {
    const k = customerKey(tenant, customerId);
    const current = this.orders.get(k, orderId) ?? {};
    const field = shipment.status === 'delivered' ? 'deliveredAt' : 'fulfilledAt';
    this.orders.put(k, orderId, {
      ...current,
      id: current['id'] ?? orderId,
      [field]: current[field] ?? shipment.at,
      ...(shipment.trackingUrl ? { trackingUrl: shipment.trackingUrl } : {}),
      expiresAt: current['expiresAt'] ?? expiry(shipment.at, this.retentionDays),
    });
  }

  async recordInvoiceFailure(tenant: string, invoice: Omit<InvoiceRecord, 'status' | 'updatedAt'>, at: string): Promise<'open' | 'paid'> {
    const k = `${tenant}#${invoice.invoiceId}`;
    const current = this.invoices.get(k);
    // `#status <> :paid` is false on an item without a status, as any comparison with a missing attribute.
    if (current && !(current['status'] !== undefined && current['status'] !== 'paid')) return 'paid';
    const expiresAt = expiry(at, this.retentionDays);
    this.invoices.set(k, copy({ ...invoice, status: 'failed', updatedAt: at, expiresAt }));
    const previous = current?.['customerId'];
    if (typeof previous === 'string' && previous !== invoice.customerId) this.invoiceRefs.delete(customerKey(tenant, previous), invoice.invoiceId);
    if (invoice.customerId) this.invoiceRefs.put(customerKey(tenant, invoice.customerId), invoice.invoiceId, { invoiceId: invoice.invoiceId, expiresAt });
    return 'open';
  }

  async markInvoicePaid(tenant: string, invoiceId: string, at: string): Promise<void> {
    const k = `${tenant}#${invoiceId}`;
    this.invoices.set(k, { ...this.invoices.get(k), status: 'paid', invoiceId, paidAt: at, expiresAt: expiry(at, this.retentionDays) });
  }

  async getInvoice(tenant: string, invoiceId: string): Promise<InvoiceRecord | undefined> {
    return copy(this.invoices.get(`${tenant}#${invoiceId}`)) as InvoiceRecord | undefined;
  }

  /** The customer's orders (by order id), and the carts and invoices their references point at, while still the customer's. */
  exportOf(tenant: string, customerId: string): { orders: Item[]; carts: Item[]; invoices: Item[] } {
    const k = customerKey(tenant, customerId);
    const owned = (items: Map<string, Item>, refs: Partitions) =>
      refs
        .query(k)
        .map(([id]) => items.get(`${tenant}#${id}`))
        .filter((i): i is Item => i?.['customerId'] === customerId)
        .map((i) => copy(i));
    return { orders: this.orders.query(k).map(([, order]) => copy(order)), carts: owned(this.carts, this.cartRefs), invoices: owned(this.invoices, this.invoiceRefs) };
  }

  /** Erasure: the customer's carts and invoices (through their references, while still theirs), the references, the orders and their references. */
  erase(tenant: string, customerId: string): void {
    const k = customerKey(tenant, customerId);
    const dropOwned = (items: Map<string, { customerId?: unknown }>, id: string) => {
      if (items.get(`${tenant}#${id}`)?.customerId === customerId) items.delete(`${tenant}#${id}`);
    };
    for (const [token] of this.cartRefs.query(k)) dropOwned(this.carts, token);
    for (const [invoiceId] of this.invoiceRefs.query(k)) dropOwned(this.invoices, invoiceId);
    for (const [orderId] of this.orders.query(k)) dropOwned(this.orderRefs, orderId);
    this.cartRefs.deletePartition(k);
    this.invoiceRefs.deletePartition(k);
    this.orders.deletePartition(k);
  }
}
