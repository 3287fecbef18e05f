import { beforeEach, describe, expect, it } from 'vitest';
import type { ConsentInput, StateStore } from '../../functions/app/ports.ts';
import { contractBackends, data, echo, optIn, order, retained, t, withdrawal } from './backends.ts';

/** CustomerRepository: profiles, phone references, consent, the last-order index, cool-downs (survey answers: scores.test.ts). */
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

  describe('recordConsent / getConsent', () => {
    const ledger = async (tenant: string, customerId: string) => data((await store.exportCustomer(tenant, customerId))['consentLedger']);
    const email = (statement: ConsentInput, receivedAt: string) => store.recordConsent('shop-a', 'c_1', 'email', 'marketing', statement, new Date(receivedAt));
    const state = async () => data(await store.getConsent('shop-a', 'c_1', 'email', 'marketing'));

    it('keeps the current state per channel and topic, with the kind that set it, its version and a TTL', async () => {
      await email(echo(true, t(0), 'checkout', 'ev-1'), t(0));
      await store.recordConsent('shop-a', 'c_1', 'sms', 'marketing', echo(false, t(1), 'api', 'ev-2'), new Date(t(1)));
      expect(await state()).toStrictEqual({ channel: 'email', topic: 'marketing', granted: true, kind: 'echo', at: t(0), source: 'checkout', version: 1, expiresAt: retained(t(0)) });
      expect(data(await store.getConsent('shop-a', 'c_1', 'sms', 'marketing'))).toStrictEqual({
        channel: 'sms',
        topic: 'marketing',
        granted: false,
        kind: 'echo',
        at: t(1),
        source: 'api',
        version: 1,
        expiresAt: retained(t(1)),
      });
      expect(await store.getConsent('shop-a', 'c_1', 'email', 'service')).toBeUndefined();
      expect(await store.getConsent('shop-b', 'c_1', 'email', 'marketing')).toBeUndefined();
    });

    it('moves the state forward only for echoes: an older one goes to the ledger with its reason and leaves the state', async () => {
      expect(await email(echo(false, t(10), 'checkout', 'ev-2'), t(10))).toMatchObject({ applied: true, reason: 'first_statement' });
      expect(await email(echo(true, t(5), 'checkout', 'ev-1'), t(11))).toMatchObject({ applied: false, reason: 'older_than_state' });
      expect(await state()).toMatchObject({ granted: false, at: t(10), version: 1 });
      expect(await ledger('shop-a', 'c_1')).toStrictEqual([
        {
          channel: 'email',
          topic: 'marketing',
          kind: 'echo',
          granted: true,
          at: t(5),
          receivedAt: t(11),
          source: 'checkout',
          eventKey: 'ev-1',
          applied: false,
          reason: 'older_than_state',
          expiresAt: retained(t(5)),
        },
        {
          channel: 'email',
          topic: 'marketing',
          kind: 'echo',
          granted: false,
          at: t(10),
          receivedAt: t(10),
          source: 'checkout',
          eventKey: 'ev-2',
          applied: true,
          reason: 'first_statement',
          expiresAt: retained(t(10)),
        },
      ]);
    });

    it('takes an echo of the same time as the latest', async () => {
      await email(echo(true, t(5), 'checkout', 'ev-1'), t(5));
      await email(echo(false, t(5), 'api', 'ev-2'), t(5));
      expect(await state()).toMatchObject({ granted: false, source: 'api', version: 2 });
    });

    it('a withdrawal applies over any state, even one dated after it (a skewed payload), stamped with the time the engine received it', async () => {
      // An opt-in four minutes ahead of the engine's clock is believed (within the tolerance).
      await email(optIn(t(4), 'shopify:customer.consent', 'ev-1'), t(0));
      expect(await email(withdrawal(t(0), 'shopify:customer.consent', 'ev-2'), t(1))).toMatchObject({ applied: true, reason: 'withdrawal' });
      expect(await state()).toMatchObject({ granted: false, kind: 'withdrawal', at: t(1), source: 'shopify:customer.consent' });
    });

    it('no echo lifts a withdrawal, however late it is dated: each is in the ledger as refused', async () => {
      await email(echo(true, t(0), 'shopify:checkout.updated', 'ev-1'), t(0));
      await email(withdrawal(t(10), 'unsubscribe-link', 'unsub-1'), t(10));
      expect(await email(echo(true, t(20), 'shopify:checkout.updated', 'ev-2'), t(20))).toEqual({ applied: false, reason: 'echo_after_withdrawal', at: t(20) });
      expect(await email(echo(false, t(30), 'api:order.placed', 'ev-3'), t(30))).toMatchObject({ applied: false, reason: 'echo_after_withdrawal' });
      expect(await state()).toStrictEqual({ channel: 'email', topic: 'marketing', granted: false, kind: 'withdrawal', at: t(10), source: 'unsubscribe-link', version: 2, expiresAt: retained(t(10)) });
      expect(((await ledger('shop-a', 'c_1')) as { eventKey: string; applied: boolean }[]).map((e) => [e.eventKey, e.applied])).toEqual([
        ['ev-1', true],
        ['unsub-1', true],
        ['ev-2', false],
        ['ev-3', false],
      ]);
    });

    it('an explicit opt-in lifts a withdrawal only when later than the engine stamped the withdrawal', async () => {
      // Stated at t(0), received at t(30): the withdrawal counts from t(30).
      await email(withdrawal(t(0), 'shopify:customer.consent', 'ev-1'), t(30));
      expect(await state()).toMatchObject({ granted: false, at: t(30) });
      expect(await email(optIn(t(20), 'shopify:customer.consent', 'ev-2'), t(40))).toMatchObject({ applied: false, reason: 'not_after_withdrawal' });
      expect(await email(optIn(t(30), 'api:customer.consent', 'ev-3'), t(40))).toMatchObject({ applied: false, reason: 'not_after_withdrawal' });
      expect(await email(optIn(t(31), 'shopify:customer.consent', 'ev-4'), t(41))).toMatchObject({ applied: true, reason: 'later_opt_in' });
      expect(await state()).toMatchObject({ granted: true, kind: 'opt-in', at: t(31), version: 2 });
    });

    it('an echoed false later than a grant withdraws it (the safe side), yet a later ticked box grants again', async () => {
      await email(optIn(t(0), 'shopify:customer.consent', 'ev-1'), t(0));
      expect(await email(echo(false, t(10), 'shopify:checkout.updated', 'ev-2'), t(10))).toMatchObject({ applied: true, reason: 'later_echo' });
      expect(await state()).toMatchObject({ granted: false, kind: 'echo' });
      expect(await email(echo(true, t(20), 'shopify:checkout.updated', 'ev-3'), t(20))).toMatchObject({ applied: true, reason: 'later_echo' });
      expect(await state()).toMatchObject({ granted: true, kind: 'echo', at: t(20) });
    });

    it('clamps a statement dated 9999 to the engine clock, so the next normal one still applies', async () => {
      await email(echo(true, '9999-12-31T00:00:00.000Z', 'api:customer.updated', 'ev-1'), t(0));
      expect(await state()).toMatchObject({ granted: true, at: t(0) });
      expect(await email(echo(false, t(1), 'api:customer.updated', 'ev-2'), t(1))).toMatchObject({ applied: true, reason: 'later_echo' });
      expect(await state()).toMatchObject({ granted: false, at: t(1) });
    });

    it('decides again after a concurrent change: echoes racing a withdrawal never leave consent granted', async () => {
      await email(echo(true, t(0), 'checkout', 'ev-0'), t(0));
      const racing = Array.from({ length: 6 }, (_, i) => email(echo(true, t(2), 'checkout', `ev-${i + 1}`), t(2)));
      const decisions = await Promise.all([...racing.slice(0, 3), email(withdrawal(t(1), 'unsubscribe-link', 'unsub'), t(1)), ...racing.slice(3)]);
      expect(await state()).toMatchObject({ granted: false, kind: 'withdrawal', version: 1 + decisions.filter((d) => d.applied).length });
      expect(await ledger('shop-a', 'c_1')).toHaveLength(8);
    });

    it('appends once per event key: a replay adds nothing', async () => {
      await email(echo(true, t(0), 'checkout', 'ev-1'), t(0));
      await email(echo(true, t(0), 'checkout', 'ev-1'), t(0));
      await email(echo(true, t(0), 'checkout', 'ev-1b'), t(0));
      expect(((await ledger('shop-a', 'c_1')) as { eventKey: string }[]).map((e) => e.eventKey)).toEqual(['ev-1', 'ev-1b']);
    });

    it('keeps the ledger in channel, topic, time, event order', async () => {
      const say = (channel: 'email' | 'sms', topic: 'marketing' | 'service', at: string, key: string) => store.recordConsent('shop-a', 'c_1', channel, topic, echo(true, at, 's', key), new Date(t(10)));
      await say('sms', 'marketing', t(0), 'e3');
      await say('email', 'service', t(0), 'e2');
      await say('email', 'marketing', t(9), 'e1');
      await say('email', 'marketing', t(1), 'e0');
      expect(((await ledger('shop-a', 'c_1')) as { eventKey: string }[]).map((e) => e.eventKey)).toEqual(['e0', 'e1', 'e2', 'e3']);
    });

    it('returns copies', async () => {
      await email(echo(true, t(0), 'checkout', 'ev-1'), t(0));
      const stored = await store.getConsent('shop-a', 'c_1', 'email', 'marketing');
      stored!.granted = false;
      expect((await store.getConsent('shop-a', 'c_1', 'email', 'marketing'))?.granted).toBe(true);
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
});
