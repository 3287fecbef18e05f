import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import { checkout, contractBackends, data, order, retained, t } from './backends.ts';

/** SubjectRepository: carts, orders and invoices. */
describe.each(contractBackends())('SubjectRepository on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  describe('carts', () => {
    it('stores a cart as open, with its customer when known', async () => {
      expect(await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(0))).toBe('stored');
      expect(await store.putCart('shop-a', undefined, checkout('tok-2'), t(0))).toBe('stored');
      expect(data(await store.getCart('shop-a', 'tok-1'))).toStrictEqual({ ...checkout('tok-1'), customerId: 'c_1', status: 'open', updatedAt: t(0), expiresAt: retained(t(0)) });
      expect(data(await store.getCart('shop-a', 'tok-2'))).toStrictEqual({ ...checkout('tok-2'), status: 'open', updatedAt: t(0), expiresAt: retained(t(0)) });
      expect(await store.getCart('shop-a', 'tok-3')).toBeUndefined();
    });

    it('sets expiresAt in whole seconds, cutting the milliseconds', async () => {
      await store.putCart('shop-a', undefined, checkout('tok-1'), '2026-03-02T09:00:00.999Z');
      expect((await store.getCart('shop-a', 'tok-1')) as unknown as Record<string, unknown>).toMatchObject({ expiresAt: Date.parse('2026-03-02T09:00:00Z') / 1000 + 1095 * 86_400 });
    });

    it('replaces the cart with a newer or same-time version, whole; refuses an older one as stale', async () => {
      await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(10));
      expect(await store.putCart('shop-a', 'c_1', checkout('tok-1', { total: '1.00' }), t(9))).toBe('stale');
      expect((await store.getCart('shop-a', 'tok-1'))?.total).toBe('99.80');
      expect(await store.putCart('shop-a', 'c_1', checkout('tok-1', { total: '2.00' }), t(10))).toBe('stored');
      const { recoveryUrl: _dropped, ...withoutUrl } = checkout('tok-1', { total: '3.00', items: [] });
      expect(await store.putCart('shop-a', undefined, withoutUrl, t(11))).toBe('stored');
      expect(data(await store.getCart('shop-a', 'tok-1'))).toStrictEqual({ ...withoutUrl, status: 'open', updatedAt: t(11), expiresAt: retained(t(11)) });
    });

    it('marks a cart ordered, after which every version is refused as ordered', async () => {
      await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(0));
      await store.markCartOrdered('shop-a', 'tok-1', 'o-1', t(5));
      expect(data(await store.getCart('shop-a', 'tok-1'))).toStrictEqual({
        ...checkout('tok-1'),
        customerId: 'c_1',
        status: 'ordered',
        orderId: 'o-1',
        orderedAt: t(5),
        updatedAt: t(0),
        expiresAt: retained(t(0)),
      });
      expect(await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(20))).toBe('ordered');
      expect((await store.getCart('shop-a', 'tok-1'))?.status).toBe('ordered');
    });

    it('leaves a tombstone when the order comes before its checkout; marking again moves the order id', async () => {
      await store.markCartOrdered('shop-a', 'tok-1', 'o-1', t(5));
      // A tombstone expires as the cart would have.
      expect(data(await store.getCart('shop-a', 'tok-1'))).toStrictEqual({ token: 'tok-1', status: 'ordered', orderId: 'o-1', orderedAt: t(5), expiresAt: retained(t(5)) });
      expect(await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(0))).toBe('ordered');
      await store.markCartOrdered('shop-a', 'tok-1', 'o-2', t(6));
      expect(data(await store.getCart('shop-a', 'tok-1'))).toStrictEqual({ token: 'tok-1', status: 'ordered', orderId: 'o-2', orderedAt: t(6), expiresAt: retained(t(5)) });
    });

    it('keeps the first time of an order marked again (a redelivery clamped to a later clock)', async () => {
      await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(0));
      await store.markCartOrdered('shop-a', 'tok-1', 'o-1', t(5));
      await store.markCartOrdered('shop-a', 'tok-1', 'o-1', t(9));
      expect(await store.getCart('shop-a', 'tok-1')).toMatchObject({ status: 'ordered', orderId: 'o-1', orderedAt: t(5) });
    });

    it('keeps two shops apart for the same token', async () => {
      await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(10));
      expect(await store.putCart('shop-b', 'c_1', checkout('tok-1', { total: '5.00' }), t(0))).toBe('stored');
      await store.markCartOrdered('shop-b', 'tok-1', 'o-1', t(1));
      expect(await store.getCart('shop-a', 'tok-1')).toMatchObject({ status: 'open', total: '99.80' });
      expect(await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(11))).toBe('stored');
    });

    it('hands out copies and keeps none of the caller’s objects', async () => {
      const given = checkout('tok-1');
      await store.putCart('shop-a', 'c_1', given, t(0));
      given.items[0]!.quantity = 99;
      const read = await store.getCart('shop-a', 'tok-1');
      read!.items[0]!.title = 'changed';
      read!.status = 'ordered';
      expect(await store.getCart('shop-a', 'tok-1')).toMatchObject({ status: 'open', items: [{ title: 'Kubek „Żuraw”', quantity: 2 }] });
    });
  });

  describe('orders', () => {
    it('stores an order once: a replay is false and counts nothing twice', async () => {
      expect(await store.putOrder('shop-a', 'c_1', order('o-1', { checkoutToken: 'tok-1' }), t(0))).toBe(true);
      expect(await store.putOrder('shop-a', 'c_1', order('o-1', { total: '1.00' }), t(1))).toBe(false);
      expect(data(await store.getOrder('shop-a', 'c_1', 'o-1'))).toStrictEqual({ ...order('o-1', { checkoutToken: 'tok-1' }), placedAt: t(0), status: 'placed', expiresAt: retained(t(0)) });
      expect(await store.findOrderOwner('shop-a', 'o-1')).toBe('c_1');
      // A profile the order makes carries a TTL too.
      expect(data(await store.getCustomer('shop-a', 'c_1'))).toStrictEqual({ customerId: 'c_1', updatedAt: t(0), orderCount: 1, spentPln: 99.8, lastOrderAt: t(0), expiresAt: retained(t(0)) });
    });

    it('adds amounts in PLN as decimals (0.10 + 0.20 is 0.3), and other currencies as nothing', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1', { total: '0.10' }), t(0));
      await store.putOrder('shop-a', 'c_1', order('o-2', { total: '0.20' }), t(1));
      await store.putOrder('shop-a', 'c_1', order('o-3', { total: '7.00', currency: 'EUR' }), t(2));
      expect(await store.getCustomer('shop-a', 'c_1')).toMatchObject({ orderCount: 3, spentPln: 0.3, lastOrderAt: t(2) });
    });

    it('keeps the profile’s newer time and contact when an order arrives', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { email: 'z@example.pl' }, t(10));
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(5));
      expect(data(await store.getCustomer('shop-a', 'c_1'))).toStrictEqual({
        customerId: 'c_1',
        email: 'z@example.pl',
        updatedAt: t(10),
        createdAt: t(10),
        expiresAt: retained(t(10)),
        orderCount: 1,
        spentPln: 99.8,
        lastOrderAt: t(5),
      });
    });

    it('marks an order cancelled or refunded, whatever its state', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(0));
      await store.markOrder('shop-a', 'c_1', 'o-1', 'refunded', t(5));
      await store.markOrder('shop-a', 'c_1', 'o-1', 'cancelled', t(6));
      expect(data(await store.getOrder('shop-a', 'c_1', 'o-1'))).toStrictEqual({ ...order('o-1'), placedAt: t(0), status: 'cancelled', endedAt: t(6), expiresAt: retained(t(0)) });
    });

    it('leaves a tombstone for an order not known yet, which the order fills in, closed: the same order as placed, then cancelled', async () => {
      await store.markOrder('shop-a', 'c_1', 'o-1', 'cancelled', t(5));
      expect(data(await store.getOrder('shop-a', 'c_1', 'o-1'))).toStrictEqual({ id: 'o-1', status: 'cancelled', endedAt: t(5), expiresAt: retained(t(5)) });
      expect(await store.putOrder('shop-a', 'c_1', order('o-1'), t(0))).toBe(true);
      expect(data(await store.getOrder('shop-a', 'c_1', 'o-1'))).toStrictEqual({ ...order('o-1'), placedAt: t(0), status: 'cancelled', endedAt: t(5), expiresAt: retained(t(0)) });
      expect(await store.putOrder('shop-a', 'c_1', order('o-1'), t(0))).toBe(false);
      expect(await store.findOrderOwner('shop-a', 'o-1')).toBe('c_1');
      expect(data(await store.getCustomer('shop-a', 'c_1'))).toStrictEqual({ customerId: 'c_1', updatedAt: t(0), expiresAt: retained(t(0)), orderCount: 1, spentPln: 99.8, lastOrderAt: t(0) });
      const inOrder = await (async () => {
        await store.putOrder('shop-a', 'c_2', order('o-2'), t(0));
        await store.markOrder('shop-a', 'c_2', 'o-2', 'cancelled', t(5));
        return data(await store.getOrder('shop-a', 'c_2', 'o-2'));
      })();
      expect(inOrder).toStrictEqual({ ...order('o-2'), placedAt: t(0), status: 'cancelled', endedAt: t(5), expiresAt: retained(t(0)) });
    });

    it('keeps two shops apart for the same order id; the first owner keeps the reference', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(0));
      await store.putOrder('shop-b', 'c_2', order('o-1'), t(0));
      await store.putOrder('shop-a', 'c_3', order('o-1'), t(1));
      expect(await store.findOrderOwner('shop-a', 'o-1')).toBe('c_1');
      expect(await store.findOrderOwner('shop-b', 'o-1')).toBe('c_2');
      expect(await store.getOrder('shop-b', 'c_1', 'o-1')).toBeUndefined();
      await store.markOrder('shop-b', 'c_2', 'o-1', 'refunded', t(2));
      expect((await store.getOrder('shop-a', 'c_1', 'o-1'))?.status).toBe('placed');
    });

    it('hands out copies', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(0));
      const read = await store.getOrder('shop-a', 'c_1', 'o-1');
      read!.items[0]!.quantity = 50;
      read!.status = 'refunded';
      expect(await store.getOrder('shop-a', 'c_1', 'o-1')).toMatchObject({ status: 'placed', items: [{ quantity: 1 }] });
    });
  });

  describe('invoices', () => {
    const failed = { invoiceId: 'in_1', customerId: 'c_1', amount: '120.00', currency: 'PLN', hostedUrl: 'https://pay.example/in_1' };

    it('records a failure as open, and a later failure again, whole', async () => {
      expect(await store.recordInvoiceFailure('shop-a', failed, t(0))).toBe('open');
      expect(data(await store.getInvoice('shop-a', 'in_1'))).toStrictEqual({ ...failed, status: 'failed', updatedAt: t(0), expiresAt: retained(t(0)) });
      const { hostedUrl: _u, customerId: _c, ...bare } = failed;
      expect(await store.recordInvoiceFailure('shop-a', bare, t(5))).toBe('open');
      expect(data(await store.getInvoice('shop-a', 'in_1'))).toStrictEqual({ ...bare, status: 'failed', updatedAt: t(5), expiresAt: retained(t(5)) });
    });

    it('answers paid, and changes nothing, once the invoice is paid', async () => {
      await store.recordInvoiceFailure('shop-a', failed, t(0));
      await store.markInvoicePaid('shop-a', 'in_1', t(5));
      const paid = { ...failed, status: 'paid', updatedAt: t(0), paidAt: t(5), expiresAt: retained(t(5)) };
      expect(data(await store.getInvoice('shop-a', 'in_1'))).toStrictEqual(paid);
      expect(await store.recordInvoiceFailure('shop-a', failed, t(6))).toBe('paid');
      expect(data(await store.getInvoice('shop-a', 'in_1'))).toStrictEqual(paid);
    });

    it('knows a payment that came before its failure', async () => {
      await store.markInvoicePaid('shop-a', 'in_1', t(5));
      expect(data(await store.getInvoice('shop-a', 'in_1'))).toStrictEqual({ invoiceId: 'in_1', status: 'paid', paidAt: t(5), expiresAt: retained(t(5)) });
      expect(await store.recordInvoiceFailure('shop-a', failed, t(0))).toBe('paid');
    });

    it('keeps two shops apart for the same invoice id', async () => {
      await store.markInvoicePaid('shop-a', 'in_1', t(5));
      expect(await store.recordInvoiceFailure('shop-b', failed, t(6))).toBe('open');
      expect(await store.getInvoice('shop-a', 'in_2')).toBeUndefined();
      expect((await store.getInvoice('shop-b', 'in_1'))?.status).toBe('failed');
    });
  });

  describe('events kept for an order not known yet', () => {
    const shipped = (key: string, at: string, id = 'o-9') =>
      ({ key, at, event: { key, source: 'api', type: 'order.fulfilled', occurredAt: at, customer: {}, order: { id } } }) as unknown as Parameters<StateStore['parkOrderEvent']>[2];

    it('keeps each event once, lists them in time order per shop and order, and drops one at a time', async () => {
      await store.parkOrderEvent('shop-a', 'o-9', shipped('e-2', t(2)));
      await store.parkOrderEvent('shop-a', 'o-9', shipped('e-1', t(1)));
      await store.parkOrderEvent('shop-a', 'o-9', shipped('e-1', t(1)));
      await store.parkOrderEvent('shop-b', 'o-9', shipped('e-3', t(0)));
      await store.parkOrderEvent('shop-a', 'o-8', shipped('e-4', t(0), 'o-8'));
      const kept = await store.parkedOrderEvents('shop-a', 'o-9');
      expect(kept).toEqual([shipped('e-1', t(1)), shipped('e-2', t(2))]);
      await store.dropParkedOrderEvent('shop-a', 'o-9', kept[0]!);
      expect((await store.parkedOrderEvents('shop-a', 'o-9')).map((p) => p.key)).toEqual(['e-2']);
      expect((await store.parkedOrderEvents('shop-b', 'o-9')).map((p) => p.key)).toEqual(['e-3']);
      expect(await store.parkedOrderEvents('shop-a', 'o-7')).toEqual([]);
    });
  });
});
