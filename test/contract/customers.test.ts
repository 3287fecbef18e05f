import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import { contractBackends, data, order, retained, t } from './backends.ts';

/** CustomerRepository: profiles, phone references, the last-order index, cool-downs (consent: consent.test.ts; survey answers: scores.test.ts). */
describe.each(contractBackends())('CustomerRepository on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  describe('upsertCustomer', () => {
    it('creates the profile and returns it as stored, without what the contact leaves out', async () => {
      const stored = await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl', firstName: 'Zofia', locale: 'pl-PL', consent: { emailMarketing: true } }, t(0));
      const expected = { customerId: 'c_1', email: 'zofia@example.pl', firstName: 'Zofia', locale: 'pl-PL', updatedAt: t(0), createdAt: t(0), expiresAt: retained(t(0)) };
      expect(data(stored)).toStrictEqual(expected);
      expect(data(await store.getCustomer('shop-a', 'c_1'))).toStrictEqual(expected);
      expect(await store.getCustomer('shop-a', 'c_2')).toBeUndefined();
    });

    it('merges a later contact into the profile: given fields change, the rest and createdAt stay', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl', firstName: 'Zofia', timeZone: 'Europe/Warsaw' }, t(0));
      const merged = await store.upsertCustomer('shop-a', 'c_1', { firstName: 'Zosia', phone: '+48600100200', preferredChannel: 'sms' }, t(10));
      const expected = {
        customerId: 'c_1',
        email: 'zofia@example.pl',
        firstName: 'Zosia',
        phone: '+48600100200',
        preferredChannel: 'sms',
        timeZone: 'Europe/Warsaw',
        updatedAt: t(10),
        createdAt: t(0),
        expiresAt: retained(t(10)),
      };
      expect(data(merged)).toStrictEqual(expected);
      expect(data(await store.getCustomer('shop-a', 'c_1'))).toStrictEqual(expected);
    });

    it('refuses an older event (undefined, profile unchanged) and accepts a replay of the same time', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl', firstName: 'Zofia' }, t(10));
      expect(await store.upsertCustomer('shop-a', 'c_1', { firstName: 'Stara' }, t(9))).toBeUndefined();
      expect((await store.getCustomer('shop-a', 'c_1'))?.firstName).toBe('Zofia');
      const replay = await store.upsertCustomer('shop-a', 'c_1', { firstName: 'Zofia' }, t(10));
      expect(data(replay)).toStrictEqual({ customerId: 'c_1', email: 'zofia@example.pl', firstName: 'Zofia', updatedAt: t(10), createdAt: t(10), expiresAt: retained(t(10)) });
    });

    it('returns the whole stored profile, order facts included', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1', { total: '10.50' }), t(0));
      const stored = await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl' }, t(5));
      expect(data(stored)).toStrictEqual({
        customerId: 'c_1',
        email: 'zofia@example.pl',
        orderCount: 1,
        spentPln: 10.5,
        lastOrderAt: t(0),
        updatedAt: t(5),
        createdAt: t(5),
        expiresAt: retained(t(5)),
      });
    });

    it('keeps two shops apart for the same customer id', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { firstName: 'Anna' }, t(0));
      await store.upsertCustomer('shop-b', 'c_1', { firstName: 'Beata' }, t(0));
      expect(await store.upsertCustomer('shop-b', 'c_1', { firstName: 'Older' }, t(-1))).toBeUndefined();
      expect((await store.getCustomer('shop-a', 'c_1'))?.firstName).toBe('Anna');
      expect((await store.getCustomer('shop-b', 'c_1'))?.firstName).toBe('Beata');
    });

    it('hands out copies: changing a result or the contact given changes nothing stored', async () => {
      const contact = { email: 'zofia@example.pl', firstName: 'Zofia' };
      const stored = await store.upsertCustomer('shop-a', 'c_1', contact, t(0));
      stored!.firstName = 'Changed';
      contact.firstName = 'Changed too';
      const read = await store.getCustomer('shop-a', 'c_1');
      read!.email = 'x@example.pl';
      expect(await store.getCustomer('shop-a', 'c_1')).toMatchObject({ firstName: 'Zofia', email: 'zofia@example.pl' });
    });
  });

  describe('identify / linkAddress', () => {
    it('finds the customer by either address however it is written, in its own shop only', async () => {
      expect(await store.linkAddress('shop-a', 'c_1', 'sms', '+48 600-100-200', t(0))).toBe(true);
      expect(await store.linkAddress('shop-a', 'c_1', 'email', ' Zofia@Example.PL ', t(0))).toBe(true);
      expect(await store.identify('shop-a', { email: 'zofia@example.pl', phone: '+48 (600) 100 200' }, t(0))).toStrictEqual({
        email: { customerId: 'c_1', stale: false },
        sms: { customerId: 'c_1', stale: false },
      });
      expect(await store.identify('shop-a', { email: 'zofia2@example.pl', phone: '+48600100201' }, t(0))).toStrictEqual({});
      expect(await store.identify('shop-b', { email: 'zofia@example.pl', phone: '+48600100200' }, t(0))).toStrictEqual({});
      expect(data((await store.exportCustomer('shop-a', 'c_1'))['addresses'])).toEqual([
        { channel: 'email', address: 'zofia@example.pl', at: t(0), expiresAt: retained(t(0)) },
        { channel: 'sms', address: '+48600100200', at: t(0), expiresAt: retained(t(0)) },
      ].sort((a, b) => (a.channel < b.channel ? -1 : 1)));
    });

    it('never takes an address from the customer holding it; the holder refreshes it', async () => {
      await store.linkAddress('shop-a', 'c_1', 'sms', '+48600100200', t(0));
      expect(await store.linkAddress('shop-a', 'c_2', 'sms', '+48600100200', t(5))).toBe(false);
      expect((await store.identify('shop-a', { phone: '+48600100200' }, t(5))).sms?.customerId).toBe('c_1');
      expect((await store.exportCustomer('shop-a', 'c_2'))['addresses']).toEqual([]);
      expect(await store.linkAddress('shop-a', 'c_1', 'sms', '+48600100200', t(5))).toBe(true);
    });

    it('calls a reference stale once a month has gone by since it was written', async () => {
      await store.linkAddress('shop-a', 'c_1', 'email', 'zofia@example.pl', t(0));
      const later = (days: number) => new Date(Date.parse(t(0)) + days * 86_400_000).toISOString();
      expect((await store.identify('shop-a', { email: 'zofia@example.pl' }, later(30))).email).toStrictEqual({ customerId: 'c_1', stale: false });
      expect((await store.identify('shop-a', { email: 'zofia@example.pl' }, later(31))).email).toStrictEqual({ customerId: 'c_1', stale: true });
    });

    it('writes no reference from a profile: an older contact the profile refuses moves nothing', async () => {
      await store.linkAddress('shop-a', 'c_2', 'sms', '+48600100200', t(10));
      await store.upsertCustomer('shop-a', 'c_1', { email: 'a@example.pl' }, t(10));
      expect(await store.upsertCustomer('shop-a', 'c_1', { phone: '+48600100200' }, t(5))).toBeUndefined();
      expect(await store.upsertCustomer('shop-a', 'c_3', { phone: '+48600100200' }, t(20))).toBeDefined();
      expect((await store.identify('shop-a', { phone: '+48600100200' }, t(20))).sms?.customerId).toBe('c_2');
      expect((await store.identify('shop-a', { email: 'a@example.pl' }, t(20))).email).toBeUndefined();
    });

    it('reports the latest erasure of any address or customer id asked about', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl' }, t(0));
      await store.eraseCustomer('shop-a', 'c_1', t(30));
      await store.eraseCustomer('shop-a', 'c_2', t(40), { phone: '+48 600 100 200' });
      expect(await store.identify('shop-a', { email: 'ZOFIA@example.pl' }, t(50))).toStrictEqual({ erasedAt: t(30) });
      expect(await store.identify('shop-a', { email: 'zofia@example.pl', phone: '+48600100200' }, t(50))).toStrictEqual({ erasedAt: t(40) });
      expect(await store.identify('shop-a', { customerIds: ['c_1'] }, t(50))).toStrictEqual({ erasedAt: t(30) });
      expect(await store.identify('shop-a', { customerIds: ['c_3'] }, t(50))).toStrictEqual({});
      expect(await store.identify('shop-b', { email: 'zofia@example.pl', customerIds: ['c_1'] }, t(50))).toStrictEqual({});
    });
  });

  describe('customersByLastOrderDay', () => {
    it('lists the customers whose last order fell on the day, in id order, with the index projection only', async () => {
      await store.upsertCustomer('shop-a', 'c_b', { email: 'b@example.pl', firstName: 'B' }, t(0));
      await store.putOrder('shop-a', 'c_b', order('o-1', { total: '20.00' }), '2026-03-02T10:00:00.000Z');
      await store.putOrder('shop-a', 'c_a', order('o-2', { total: '5.25', currency: 'EUR' }), '2026-03-02T23:59:59.000Z');
      await store.putOrder('shop-a', 'c_c', order('o-3'), '2026-03-03T00:00:00.000Z');
      await store.putOrder('shop-b', 'c_d', order('o-4'), '2026-03-02T11:00:00.000Z');
      const page = await store.customersByLastOrderDay('shop-a', '2026-03-02');
      expect(data(page.items)).toStrictEqual([
        { customerId: 'c_a', orderCount: 1, spentPln: 0, lastOrderAt: '2026-03-02T23:59:59.000Z' },
        { customerId: 'c_b', orderCount: 1, spentPln: 20, lastOrderAt: '2026-03-02T10:00:00.000Z' },
      ]);
      expect(page.cursor).toBeUndefined();
      expect(data((await store.customersByLastOrderDay('shop-b', '2026-03-02')).items).map((c) => c.customerId)).toEqual(['c_d']);
      expect((await store.customersByLastOrderDay('shop-a', '2026-03-04')).items).toEqual([]);
    });

    it('moves a customer to the day of a later order, and not back for an older one', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1'), '2026-03-02T10:00:00.000Z');
      await store.putOrder('shop-a', 'c_1', order('o-2'), '2026-03-05T10:00:00.000Z');
      await store.putOrder('shop-a', 'c_1', order('o-3'), '2026-03-01T10:00:00.000Z');
      expect((await store.customersByLastOrderDay('shop-a', '2026-03-02')).items).toEqual([]);
      expect((await store.customersByLastOrderDay('shop-a', '2026-03-01')).items).toEqual([]);
      expect(data((await store.customersByLastOrderDay('shop-a', '2026-03-05')).items)).toStrictEqual([
        { customerId: 'c_1', orderCount: 3, spentPln: 299.4, lastOrderAt: '2026-03-05T10:00:00.000Z' },
      ]);
    });

    it('pages 500 at a time with a cursor that survives JSON; a full last page is followed by an empty one', async () => {
      const day = '2026-03-02';
      const ids = Array.from({ length: 500 }, (_, i) => `c_${String(i * 2).padStart(4, '0')}`);
      for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => store.putOrder('shop-a', id, order(`o-${id}`), `${day}T12:00:00.000Z`)));
      await store.putOrder('shop-b', 'c_0001', order('o-b'), `${day}T12:00:00.000Z`);

      const full = await store.customersByLastOrderDay('shop-a', day);
      expect(full.items.map((c) => c.customerId)).toEqual(ids);
      expect(full.cursor).toBeDefined();
      const after = await store.customersByLastOrderDay('shop-a', day, JSON.parse(JSON.stringify(full.cursor)));
      expect(after).toEqual({ items: [] });
      expect(after.cursor).toBeUndefined();

      // A 501st customer sorting in the middle: the first page ends one earlier, the second holds the last.
      await store.putOrder('shop-a', 'c_0001', order('o-x'), `${day}T13:00:00.000Z`);
      const first = await store.customersByLastOrderDay('shop-a', day);
      expect(first.items).toHaveLength(500);
      const second = await store.customersByLastOrderDay('shop-a', day, JSON.parse(JSON.stringify(first.cursor)));
      expect(second.cursor).toBeUndefined();
      expect([...first.items, ...second.items].map((c) => c.customerId)).toEqual(['c_0000', 'c_0001', ...ids.slice(1)]);
      expect(data(second.items)).toStrictEqual([{ customerId: 'c_0998', orderCount: 1, spentPln: 99.8, lastOrderAt: `${day}T12:00:00.000Z` }]);
    });
  });

  describe('claimCooldown', () => {
    it('holds until `until`: refused before it, taken again at it', async () => {
      expect(await store.claimCooldown('shop-a', 'c_1', 'win-back', t(0), t(60))).toBe(true);
      // Taken at the same time again: the same enrolment applied again after a crash, still its own.
      expect(await store.claimCooldown('shop-a', 'c_1', 'win-back', t(0), t(60))).toBe(true);
      expect(await store.claimCooldown('shop-a', 'c_1', 'win-back', t(1), t(61))).toBe(false);
      expect(await store.claimCooldown('shop-a', 'c_1', 'win-back', t(59), t(120))).toBe(false);
      expect(await store.claimCooldown('shop-a', 'c_1', 'other', t(59), t(120))).toBe(true);
      expect(await store.claimCooldown('shop-b', 'c_1', 'win-back', t(59), t(120))).toBe(true);
      expect(await store.claimCooldown('shop-a', 'c_1', 'win-back', t(60), t(120))).toBe(true);
      expect(await store.claimCooldown('shop-a', 'c_1', 'win-back', t(119), t(200))).toBe(false);
    });

    it('gives an order-only profile and a cool-down a TTL', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(0));
      expect(await store.getCustomer('shop-a', 'c_1')).toMatchObject({ expiresAt: retained(t(0)) });
      await store.claimCooldown('shop-a', 'c_1', 'win-back', t(0), t(60));
      expect(data((await store.exportCustomer('shop-a', 'c_1'))['cooldowns'])).toStrictEqual([{ until: t(60), at: t(0), expiresAt: Date.parse(t(60)) / 1000 }]);
    });
  });

  describe('updateProfile', () => {
    it('sets attributes member by member (moving the TTL on) and adds a tag once, on a profile that exists; false and nothing written without one', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl', attributes: { roast: 'dark' } }, t(0));
      expect(await store.updateProfile('shop-a', 'c_1', { attributes: { birthday: '1990-05-17' }, tag: 'quiz' }, t(5))).toBe(true);
      expect(await store.updateProfile('shop-a', 'c_1', { tag: 'quiz' }, t(6))).toBe(true);
      expect(await store.getCustomer('shop-a', 'c_1')).toMatchObject({ attributes: { roast: 'dark', birthday: '1990-05-17' }, tags: ['quiz'], expiresAt: retained(t(5)) });
      expect(await store.updateProfile('shop-a', 'c_2', { attributes: { birthday: '1990-05-17' } }, t(5))).toBe(false);
      expect(await store.updateProfile('shop-a', 'c_2', { tag: 'quiz' }, t(5))).toBe(false);
      expect(await store.getCustomer('shop-a', 'c_2')).toBeUndefined();
    });
  });
});
