import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import { contractBackends, data, order, retained, t } from './backends.ts';

/**
 * What the shop's own triggers keep, on both backends: a fulfilment's facts on the order, custom
 * attributes on the profile and a catalogue event's properties on its enrolment; each exported and
 * erased with the customer.
 */
describe.each(contractBackends())('shipments, attributes and event properties on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  describe('recordShipment', () => {
    it('keeps the first time shipped and delivered, and the latest tracking link; a replay moves nothing', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(0));
      await store.recordShipment('shop-a', 'c_1', 'o-1', { status: 'fulfilled', at: t(10), trackingUrl: 'https://track.example.pl/1' });
      await store.recordShipment('shop-a', 'c_1', 'o-1', { status: 'fulfilled', at: t(11) });
      await store.recordShipment('shop-a', 'c_1', 'o-1', { status: 'delivered', at: t(20), trackingUrl: 'https://track.example.pl/2' });
      await store.recordShipment('shop-a', 'c_1', 'o-1', { status: 'delivered', at: t(20), trackingUrl: 'https://track.example.pl/2' });
      expect(data(await store.getOrder('shop-a', 'c_1', 'o-1'))).toStrictEqual({
        ...order('o-1'),
        placedAt: t(0),
        status: 'placed',
        fulfilledAt: t(10),
        deliveredAt: t(20),
        trackingUrl: 'https://track.example.pl/2',
        expiresAt: retained(t(0)),
      });
    });

    it('leaves a tombstone for an order not known yet, which the order fills in as placed', async () => {
      await store.recordShipment('shop-a', 'c_1', 'o-1', { status: 'delivered', at: t(5) });
      expect(data(await store.getOrder('shop-a', 'c_1', 'o-1'))).toStrictEqual({ id: 'o-1', deliveredAt: t(5), expiresAt: retained(t(5)) });
      expect(await store.putOrder('shop-a', 'c_1', order('o-1'), t(0))).toBe(true);
      expect(data(await store.getOrder('shop-a', 'c_1', 'o-1'))).toStrictEqual({ ...order('o-1'), placedAt: t(0), status: 'placed', deliveredAt: t(5), expiresAt: retained(t(0)) });
      expect(await store.findOrderOwner('shop-a', 'o-1')).toBe('c_1');
    });

    it('keeps a cancelled order cancelled, and two shops apart', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(0));
      await store.markOrder('shop-a', 'c_1', 'o-1', 'cancelled', t(1));
      await store.recordShipment('shop-a', 'c_1', 'o-1', { status: 'fulfilled', at: t(2) });
      await store.recordShipment('shop-b', 'c_1', 'o-1', { status: 'delivered', at: t(3) });
      expect(await store.getOrder('shop-a', 'c_1', 'o-1')).toMatchObject({ status: 'cancelled', fulfilledAt: t(2) });
      expect(await store.getOrder('shop-a', 'c_1', 'o-1')).not.toHaveProperty('deliveredAt');
      expect(data(await store.getOrder('shop-b', 'c_1', 'o-1'))).toStrictEqual({ id: 'o-1', deliveredAt: t(3), expiresAt: retained(t(3)) });
    });
  });

  describe('custom attributes', () => {
    it('makes the map with the first attributes, then sets and removes them one by one; the rest stay', async () => {
      const first = await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl', attributes: { birthday: '1990-05-17', roast: 'dark', gone: null } }, t(0));
      expect(data(first)).toStrictEqual({
        customerId: 'c_1',
        email: 'zofia@example.pl',
        attributes: { birthday: '1990-05-17', roast: 'dark' },
        updatedAt: t(0),
        createdAt: t(0),
        expiresAt: retained(t(0)),
      });
      await store.upsertCustomer('shop-a', 'c_1', { firstName: 'Zofia' }, t(1));
      const merged = await store.upsertCustomer('shop-a', 'c_1', { attributes: { roast: 'light', cups: 3, decaf: false, birthday: null } }, t(2));
      expect(merged?.attributes).toStrictEqual({ roast: 'light', cups: 3, decaf: false });
      expect(await store.getCustomer('shop-a', 'c_1')).toMatchObject({ firstName: 'Zofia', email: 'zofia@example.pl', attributes: { roast: 'light', cups: 3, decaf: false } });
    });

    it('refuses attributes of an event older than the profile, whether or not the map exists', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl' }, t(10));
      expect(await store.upsertCustomer('shop-a', 'c_1', { attributes: { roast: 'dark' } }, t(9))).toBeUndefined();
      expect(await store.getCustomer('shop-a', 'c_1')).not.toHaveProperty('attributes');
      await store.upsertCustomer('shop-a', 'c_1', { attributes: { roast: 'light' } }, t(11));
      expect(await store.upsertCustomer('shop-a', 'c_1', { attributes: { roast: 'dark' } }, t(10))).toBeUndefined();
      expect((await store.getCustomer('shop-a', 'c_1'))?.attributes).toStrictEqual({ roast: 'light' });
    });

    it('loses no attribute when two events of the same time create the map at once', async () => {
      await Promise.all([
        store.upsertCustomer('shop-a', 'c_1', { attributes: { birthday: '1990-05-17' } }, t(0)),
        store.upsertCustomer('shop-a', 'c_1', { attributes: { roast: 'dark' } }, t(0)),
      ]);
      expect((await store.getCustomer('shop-a', 'c_1'))?.attributes).toStrictEqual({ birthday: '1990-05-17', roast: 'dark' });
    });
  });

  describe('export and erasure', () => {
    async function seed() {
      await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl', attributes: { birthday: '1990-05-17' } }, t(0));
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(0));
      await store.recordShipment('shop-a', 'c_1', 'o-1', { status: 'delivered', at: t(5), trackingUrl: 'https://track.example.pl/1' });
      const properties = { result: 'espresso', email: 'quiz@example.pl' };
      await store.createEnrolment('shop-a', 'c_1', { journey: 'quiz-follow-up', key: 'quiz-1', executionName: 'q1', startedAt: t(6), properties });
      return properties;
    }

    it('keeps a catalogue event’s properties on its enrolment, as the step reads it', async () => {
      const properties = await seed();
      expect(data(await store.getEnrolment('shop-a', 'c_1', 'quiz-follow-up', 'quiz-1'))).toStrictEqual({
        journey: 'quiz-follow-up',
        key: 'quiz-1',
        executionName: 'q1',
        startedAt: t(6),
        properties,
        status: 'active',
        expiresAt: retained(t(6)),
      });
      expect((await store.stepContext('shop-a', 'c_1', 'quiz-follow-up', 'quiz-1', undefined)).enrolment?.properties).toStrictEqual(properties);
    });

    it('exports the attributes, the shipping facts and the properties, and erases every one of them', async () => {
      const properties = await seed();
      const held = data(await store.exportCustomer('shop-a', 'c_1'));
      expect(held['profile']).toMatchObject({ attributes: { birthday: '1990-05-17' } });
      expect(held['orders']).toMatchObject([{ id: 'o-1', deliveredAt: t(5), trackingUrl: 'https://track.example.pl/1' }]);
      expect(held['journeys']).toMatchObject([{ key: 'quiz-1', properties }]);
      await store.eraseCustomer('shop-a', 'c_1', t(30));
      const left = JSON.stringify(await store.exportCustomer('shop-a', 'c_1'));
      for (const gone of ['1990-05-17', 'quiz@example.pl', 'espresso', 'track.example.pl']) expect(left).not.toContain(gone);
      const scanned = await backend.scan(store);
      if (scanned) for (const gone of ['1990-05-17', 'quiz@example.pl', 'track.example.pl']) expect(JSON.stringify(scanned)).not.toContain(gone);
    });
  });
});
