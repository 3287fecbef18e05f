import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import type { Decision } from '../../functions/core/model.ts';
import { checkout, contractBackends, data, decision, echo, erasedAt, intent, order, retained, t, task, withdrawal } from './backends.ts';

/** ComplianceRepository: suppression, the decision log, short links, export and erasure. */
describe.each(contractBackends())('ComplianceRepository on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  describe('suppression', () => {
    it('matches an address however it is written, per channel and per shop', async () => {
      await store.suppress('shop-a', 'email', ' Zofia@Example.PL ', 'bounce', t(0));
      await store.suppress('shop-a', 'sms', '+48 600-100-200', 'opt-out', t(0));
      await store.suppress('shop-a', 'email', 'zo\u0301fia@example.pl', 'complaint', t(0));
      expect(await store.isSuppressed('shop-a', 'email', 'zofia@example.pl')).toBe(true);
      expect(await store.isSuppressed('shop-a', 'email', 'ZOFIA@EXAMPLE.PL')).toBe(true);
      expect(await store.isSuppressed('shop-a', 'email', 'z\u00f3fia@example.pl')).toBe(true);
      expect(await store.isSuppressed('shop-a', 'sms', '+48600100200')).toBe(true);
      expect(await store.isSuppressed('shop-a', 'sms', '+48 (600) 100 200')).toBe(true);
      expect(await store.isSuppressed('shop-a', 'sms', 'zofia@example.pl')).toBe(false);
      expect(await store.isSuppressed('shop-a', 'email', 'zofia2@example.pl')).toBe(false);
      expect(await store.isSuppressed('shop-b', 'email', 'zofia@example.pl')).toBe(false);
      expect(await store.isSuppressed('shop-b', 'sms', '+48600100200')).toBe(false);
    });
  });

  describe('decision log', () => {
    it('records a decision once per time, execution and step; a replay keeps the first', async () => {
      await store.recordDecision('shop-a', 'c_1', decision(t(1)));
      await store.recordDecision('shop-a', 'c_1', decision(t(1), { outcome: 'suppressed', reason: 'quiet_hours' }));
      expect(data(await store.listDecisions('shop-a', 'c_1'))).toStrictEqual([{ ...decision(t(1)), expiresAt: retained(t(1)) }]);
      expect(await store.listDecisions('shop-a', 'c_2')).toEqual([]);
      expect(await store.listDecisions('shop-b', 'c_1')).toEqual([]);
    });

    it('lists in the order of `{at}#{executionName}#{step}` as one string, by UTF-8 bytes', async () => {
      const made: Decision[] = [
        decision(t(1), { executionName: 'a', step: 's' }),
        decision(t(1), { executionName: 'a\u{1F600}', step: 's' }),
        decision(t(1), { executionName: 'a\uE000', step: 's' }),
        decision(t(0), { executionName: 'z', step: 's' }),
        decision(t(1), { executionName: 'a!', step: 's' }),
      ];
      for (const d of made) await store.recordDecision('shop-a', 'c_1', d);
      const names = (await store.listDecisions('shop-a', 'c_1')).map((d) => d.executionName);
      // '!' sorts below '#'; U+E000 (EE 80 80) below U+1F600 (F0 9F 98 80), which UTF-16 order would reverse.
      expect(names).toEqual(['z', 'a!', 'a', 'a\uE000', 'a\u{1F600}']);
    });

    it('logs a decision once per time, execution and step', async () => {
      expect(await store.recordDecision('shop-a', 'c_1', decision(t(1)))).toBe(true);
      expect(await store.recordDecision('shop-a', 'c_1', decision(t(1), { outcome: 'suppressed', reason: 'delivery_uncertain' }))).toBe(false);
      expect(await store.recordDecision('shop-a', 'c_1', decision(t(2)))).toBe(true);
      expect(await store.recordDecision('shop-a', 'c_1', decision(t(1), { step: 'other' }))).toBe(true);
      expect((await store.listDecisions('shop-a', 'c_1')).map((d) => [d.at, d.step, d.outcome])).toEqual([
        [t(1), 'other', 'sent'],
        [t(1), 'reminder', 'sent'],
        [t(2), 'reminder', 'sent'],
      ]);
    });

    it('hands out copies', async () => {
      await store.recordDecision('shop-a', 'c_1', decision(t(1)));
      const [first] = await store.listDecisions('shop-a', 'c_1');
      first!.outcome = 'suppressed';
      expect((await store.listDecisions('shop-a', 'c_1'))[0]?.outcome).toBe('sent');
    });
  });

  describe('short links', () => {
    it('keeps the last token for a code, and returns it past its expiresAt (nothing filters on read)', async () => {
      await store.putShortLink('shop-a', 'c_1', 'Ab3', 'token-1', 1_000);
      expect(await store.getShortLink('Ab3')).toBe('token-1');
      await store.putShortLink('shop-a', 'c_1', 'Ab3', 'token-2', 2_000_000_000);
      expect(await store.getShortLink('Ab3')).toBe('token-2');
      expect(await store.getShortLink('ab3')).toBeUndefined();
    });
  });

  describe('export and erasure', () => {
    const day = t(2).slice(0, 10);
    const epoch = (at: string) => Date.parse(at) / 1000;

    /** A customer with something in every aggregate, and neighbours who must stay as they are. */
    async function seed(): Promise<void> {
      await store.upsertCustomer('shop-a', 'c_1', { email: 'Zofia@Example.PL', phone: '+48 600 100 200', firstName: 'Zofia' }, t(0));
      await store.linkAddress('shop-a', 'c_1', 'email', 'Zofia@Example.PL', t(0));
      // A number the customer gave before the one on the profile.
      await store.linkAddress('shop-a', 'c_1', 'sms', '+48600100999', t(0));
      await store.linkAddress('shop-a', 'c_1', 'sms', '+48 600 100 200', t(0));
      await store.recordConsent('shop-a', 'c_1', 'sms', 'service', echo(true, t(0), 'checkout', 'ev-0'), new Date(t(0)));
      await store.recordConsent('shop-a', 'c_1', 'email', 'marketing', echo(true, t(0), 'checkout', 'ev-1'), new Date(t(0)));
      await store.recordConsent('shop-a', 'c_1', 'email', 'marketing', withdrawal(t(20), 'unsubscribe', 'ev-2'), new Date(t(20)));
      await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(1));
      await store.putCart('shop-a', undefined, checkout('tok-guest'), t(1));
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(2));
      await store.markOrder('shop-a', 'c_1', 'o-0', 'cancelled', t(3));
      await store.createEnrolment('shop-a', 'c_1', { journey: 'abandoned-cart', key: 'tok-1', executionName: 'abandoned-cart-x1', startedAt: t(1) });
      await store.recordDecision('shop-a', 'c_1', decision(t(4)));
      await store.putShortLink('shop-a', 'c_1', 'Ab3', 'token-1', 2_000_000_000);
      await store.claimSend('shop-a', 'c_1', intent('abandoned-cart-x1', 'reminder', t(4)), { max: 1, days: 7 });
      await store.completeSend('shop-a', 'c_1', 'abandoned-cart-x1', 'reminder', { outcome: 'sent', messageId: 'msg-1' });
      await store.recordScore('shop-a', 'c_1', { journey: 'nps', subject: 'o-1', score: 9, at: t(6) });
      await store.createTask('shop-a', task('task-1', t(7), 'c_1'));
      await store.createTask('shop-a', task('task-2', t(7), 'c_2'));
      await store.claimCooldown('shop-a', 'c_1', 'win-back', t(8), t(600));
      await store.recordInvoiceFailure('shop-a', { invoiceId: 'in_1', customerId: 'c_1', amount: '120.00', currency: 'PLN', hostedUrl: 'https://pay.example.pl/in_1' }, t(9));
      // Neighbours: another customer of the shop, the same id in another shop.
      await store.upsertCustomer('shop-a', 'c_2', { email: 'anna@example.pl', phone: '+48600100300' }, t(0));
      await store.linkAddress('shop-a', 'c_2', 'sms', '+48600100300', t(0));
      await store.putOrder('shop-a', 'c_2', order('o-2'), t(2));
      await store.upsertCustomer('shop-b', 'c_1', { email: 'zofia@example.pl', phone: '+48600100200' }, t(0));
      await store.linkAddress('shop-b', 'c_1', 'sms', '+48600100200', t(0));
      await store.putOrder('shop-b', 'c_1', order('o-1'), t(2));
      await store.recordDecision('shop-b', 'c_1', decision(t(4)));
      await store.claimSend('shop-b', 'c_1', intent('shop-b-exec', 'reminder', t(4)), { max: 1, days: 7 });
    }

    const ledger = [
      { channel: 'email', topic: 'marketing', kind: 'echo', granted: true, at: t(0), receivedAt: t(0), source: 'checkout', eventKey: 'ev-1', applied: true, reason: 'first_statement', expiresAt: retained(t(0)) },
      { channel: 'email', topic: 'marketing', kind: 'withdrawal', granted: false, at: t(20), receivedAt: t(20), source: 'unsubscribe', eventKey: 'ev-2', applied: true, reason: 'withdrawal', expiresAt: retained(t(20)) },
      { channel: 'sms', topic: 'service', kind: 'echo', granted: true, at: t(0), receivedAt: t(0), source: 'checkout', eventKey: 'ev-0', applied: true, reason: 'first_statement', expiresAt: retained(t(0)) },
    ];

    it('exports everything held on the customer, each part in key order', async () => {
      await seed();
      const held = data(await store.exportCustomer('shop-a', 'c_1'));
      const addresses = held['addresses'] as { channel: string; address: string }[];
      expect(addresses.map((a) => a.channel)).toEqual(['email', 'sms', 'sms']);
      expect(addresses.map((a) => a.address).sort()).toEqual(['+48600100200', '+48600100999', 'zofia@example.pl']);
      expect({ ...held, addresses: undefined }).toStrictEqual({
        customerId: 'c_1',
        addresses: undefined,
        profile: {
          customerId: 'c_1',
          email: 'Zofia@Example.PL',
          phone: '+48 600 100 200',
          firstName: 'Zofia',
          updatedAt: t(0),
          createdAt: t(0),
          expiresAt: retained(t(0)),
          orderCount: 1,
          spentPln: 99.8,
          lastOrderAt: t(2),
          lastScore: 9,
          lastScoreAt: t(6),
        },
        consents: [
          { channel: 'email', topic: 'marketing', granted: false, kind: 'withdrawal', at: t(20), source: 'unsubscribe', version: 2, expiresAt: retained(t(20)) },
          { channel: 'sms', topic: 'service', granted: true, kind: 'echo', at: t(0), source: 'checkout', version: 1, expiresAt: retained(t(0)) },
        ],
        consentLedger: ledger,
        orders: [
          { id: 'o-0', status: 'cancelled', endedAt: t(3), expiresAt: retained(t(3)) },
          { ...order('o-1'), placedAt: t(2), status: 'placed', expiresAt: retained(t(2)) },
        ],
        carts: [{ ...checkout('tok-1'), customerId: 'c_1', status: 'open', updatedAt: t(1), expiresAt: retained(t(1)) }],
        invoices: [{ invoiceId: 'in_1', customerId: 'c_1', amount: '120.00', currency: 'PLN', hostedUrl: 'https://pay.example.pl/in_1', status: 'failed', updatedAt: t(9), expiresAt: retained(t(9)) }],
        journeys: [{ journey: 'abandoned-cart', key: 'tok-1', executionName: 'abandoned-cart-x1', startedAt: t(1), status: 'active', expiresAt: retained(t(1)) }],
        messages: [{ ...decision(t(4)), expiresAt: retained(t(4)) }],
        conversions: [],
        sends: [{ ...intent('abandoned-cart-x1', 'reminder', t(4)), status: 'done', outcome: 'sent', messageId: 'msg-1', expiresAt: retained(t(4)) }],
        frequencyCap: { slots: [{ id: 'abandoned-cart-x1#reminder', at: t(4) }], version: 1, expiresAt: epoch(t(4)) + 7 * 86_400 },
        shortLinks: [{ token: 'token-1', expiresAt: 2_000_000_000 }],
        surveyAnswers: [{ journey: 'nps', subject: 'o-1', score: 9, at: t(6), expiresAt: retained(t(6)) }],
        cooldowns: [{ until: t(600), at: t(8), expiresAt: epoch(t(600)) }],
        dates: [],
        codes: [],
        staffTasks: [{ ...task('task-1', t(7), 'c_1'), expiresAt: retained(t(7)) }],
        suppressions: [],
        erasures: [],
      });
    });

    it('exports an unknown customer as empty', async () => {
      expect(data(await store.exportCustomer('shop-a', 'c_9'))).toStrictEqual({
        customerId: 'c_9',
        profile: null,
        addresses: [],
        consents: [],
        consentLedger: [],
        orders: [],
        carts: [],
        invoices: [],
        journeys: [],
        messages: [],
        conversions: [],
        sends: [],
        frequencyCap: null,
        shortLinks: [],
        surveyAnswers: [],
        cooldowns: [],
        dates: [],
        codes: [],
        staffTasks: [],
        suppressions: [],
        erasures: [],
      });
    });

    it('never shows one customer the cart a platform reused the token of for another', async () => {
      await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(0));
      await store.createEnrolment('shop-a', 'c_1', { journey: 'abandoned-cart', key: 'tok-1', executionName: 'x1', startedAt: t(0) });
      await store.putCart('shop-a', 'c_2', checkout('tok-1', { total: '1.00' }), t(1));
      expect((await store.exportCustomer('shop-a', 'c_1'))['carts']).toEqual([]);
      expect(data((await store.exportCustomer('shop-a', 'c_2'))['carts'])).toStrictEqual([
        { ...checkout('tok-1', { total: '1.00' }), customerId: 'c_2', status: 'open', updatedAt: t(1), expiresAt: retained(t(1)) },
      ]);
      expect((await store.stepContext('shop-a', 'c_1', 'abandoned-cart', 'tok-1', 'cart')).subject).toBeUndefined();
      expect((await store.stepContext('shop-a', 'c_2', 'abandoned-cart', 'tok-1', 'cart')).subject).toMatchObject({ total: '1.00' });
      // Erasing the first customer leaves the second's cart alone.
      await store.eraseCustomer('shop-a', 'c_1', t(2));
      expect(await store.getCart('shop-a', 'tok-1')).toMatchObject({ customerId: 'c_2', total: '1.00' });
      // And the same for an invoice id that comes back with another customer.
      await store.recordInvoiceFailure('shop-a', { invoiceId: 'in_1', customerId: 'c_3', amount: '1.00', currency: 'PLN' }, t(3));
      await store.recordInvoiceFailure('shop-a', { invoiceId: 'in_1', customerId: 'c_2', amount: '2.00', currency: 'PLN' }, t(4));
      expect((await store.exportCustomer('shop-a', 'c_3'))['invoices']).toEqual([]);
      expect((await store.stepContext('shop-a', 'c_3', 'dunning', 'in_1', 'invoice')).subject).toBeUndefined();
      expect((await store.stepContext('shop-a', 'c_2', 'dunning', 'in_1', 'invoice')).subject).toMatchObject({ amount: '2.00' });
    });

    it('erases all but the consent ledger, suppresses and marks every address the customer had, and the customer id', async () => {
      await seed();
      await store.eraseCustomer('shop-a', 'c_1', t(30));

      const left = data(await store.exportCustomer('shop-a', 'c_1'));
      expect(left).toMatchObject({ profile: null, addresses: [], consents: [], consentLedger: ledger, orders: [], carts: [], invoices: [], journeys: [], messages: [] });
      expect(left).toMatchObject({ sends: [], frequencyCap: null, shortLinks: [], surveyAnswers: [], cooldowns: [], staffTasks: [], suppressions: [] });
      expect(left['erasures']).toStrictEqual([{ kind: 'customer', at: t(30), expiresAt: retained(t(30)) }]);
      expect(await store.getCustomer('shop-a', 'c_1')).toBeUndefined();
      expect(await store.getConsent('shop-a', 'c_1', 'email', 'marketing')).toBeUndefined();
      for (const email of ['zofia@example.pl']) expect(await store.isSuppressed('shop-a', 'email', email)).toBe(true);
      for (const phone of ['+48600100200', '+48600100999']) expect(await store.isSuppressed('shop-a', 'sms', phone)).toBe(true);
      expect(await store.identify('shop-a', { email: 'zofia@example.pl', phone: '+48600100999' }, t(31))).toStrictEqual({ erasedAt: t(30) });
      expect(await store.identify('shop-a', { phone: '+48600100200', customerIds: ['c_1'] }, t(31))).toStrictEqual({ erasedAt: t(30) });
      expect(await store.getCart('shop-a', 'tok-1')).toBeUndefined();
      expect(await store.getInvoice('shop-a', 'in_1')).toBeUndefined();
      expect(await store.getOrder('shop-a', 'c_1', 'o-1')).toBeUndefined();
      expect(await store.findOrderOwner('shop-a', 'o-1')).toBeUndefined();
      expect(await store.getEnrolment('shop-a', 'c_1', 'abandoned-cart', 'tok-1')).toBeUndefined();
      expect(await store.getShortLink('Ab3')).toBeUndefined();
      expect(await store.listDecisions('shop-a', 'c_1')).toEqual([]);
      // The send intent and the frequency-cap slot went with the partition: the step, and another one under a cap of one, may be claimed again.
      expect(await store.claimSend('shop-a', 'c_1', intent('abandoned-cart-x1', 'reminder', t(31)))).toEqual({ kind: 'claimed' });
      expect(await store.claimSend('shop-a', 'c_1', intent('abandoned-cart-x2', 'reminder', t(31)), { max: 1, days: 7 })).toEqual({ kind: 'claimed' });
      expect(await store.claimCooldown('shop-a', 'c_1', 'win-back', t(31), t(600))).toBe(true);
      expect((await store.customersByLastOrderDay('shop-a', day)).items.map((c) => c.customerId)).toEqual(['c_2']);
      expect(await erasedAt(store, 'shop-a', 'c_1')).toBe(t(30));

      // What erasure does not reach: a guest cart, the neighbours.
      expect((await store.getCart('shop-a', 'tok-guest'))?.status).toBe('open');
      expect(data(await store.listTasks('shop-a'))).toStrictEqual([{ ...task('task-2', t(7), 'c_2'), expiresAt: retained(t(7)) }]);
      expect(await store.getCustomer('shop-a', 'c_2')).toMatchObject({ email: 'anna@example.pl', orderCount: 1 });
      expect((await store.identify('shop-a', { phone: '+48600100300' }, t(31))).sms?.customerId).toBe('c_2');
      expect(await store.isSuppressed('shop-a', 'email', 'anna@example.pl')).toBe(false);
      expect(await store.getCustomer('shop-b', 'c_1')).toMatchObject({ email: 'zofia@example.pl', orderCount: 1 });
      expect(await store.identify('shop-b', { phone: '+48600100200', customerIds: ['c_1'] }, t(31))).toStrictEqual({ sms: { customerId: 'c_1', stale: false } });
      expect(await store.findOrderOwner('shop-b', 'o-1')).toBe('c_1');
      expect(await store.listDecisions('shop-b', 'c_1')).toHaveLength(1);
      expect(await store.claimSend('shop-b', 'c_1', intent('shop-b-exec', 'reminder', t(31)), { max: 1, days: 7 })).toMatchObject({ kind: 'exists' });
      expect(await store.isSuppressed('shop-b', 'email', 'zofia@example.pl')).toBe(false);
    });

    it('marks the addresses a request names even when no customer holds them', async () => {
      await store.eraseCustomer('shop-a', 'c_9', t(30), { email: 'Nikt@Example.pl', phone: '+48 600 000 000' });
      expect(await store.identify('shop-a', { email: 'nikt@example.pl' }, t(31))).toStrictEqual({ erasedAt: t(30) });
      expect(await store.identify('shop-a', { phone: '+48600000000' }, t(31))).toStrictEqual({ erasedAt: t(30) });
      expect(await store.isSuppressed('shop-a', 'email', 'nikt@example.pl')).toBe(true);
    });

    it('erases again after new data, and the marker takes the last time', async () => {
      await seed();
      await store.eraseCustomer('shop-a', 'c_1', t(30));
      await store.upsertCustomer('shop-a', 'c_1', { email: 'nowy@example.pl' }, t(35));
      expect(await store.putOrder('shop-a', 'c_1', order('o-1'), t(36))).toBe(true);
      expect(await store.findOrderOwner('shop-a', 'o-1')).toBe('c_1');
      await store.eraseCustomer('shop-a', 'c_1', t(40));
      expect(await erasedAt(store, 'shop-a', 'c_1')).toBe(t(40));
      expect(await store.getCustomer('shop-a', 'c_1')).toBeUndefined();
      expect(await store.isSuppressed('shop-a', 'email', 'nowy@example.pl')).toBe(true);
      expect(await store.findOrderOwner('shop-a', 'o-1')).toBeUndefined();
    });

    it('erases a customer without a profile: nothing suppressed, the marker written', async () => {
      await store.recordDecision('shop-a', 'c_1', decision(t(1)));
      await store.eraseCustomer('shop-a', 'c_1', t(30));
      expect(await store.listDecisions('shop-a', 'c_1')).toEqual([]);
      expect(await erasedAt(store, 'shop-a', 'c_1')).toBe(t(30));
    });

    it('hands out an export that is a copy', async () => {
      await seed();
      const exported = await store.exportCustomer('shop-a', 'c_1');
      (exported['profile'] as { firstName: string }).firstName = 'changed';
      (exported['carts'] as { items: unknown[] }[])[0]!.items.length = 0;
      (exported['staffTasks'] as { status: string }[])[0]!.status = 'done';
      expect((await store.getCustomer('shop-a', 'c_1'))?.firstName).toBe('Zofia');
      expect((await store.getCart('shop-a', 'tok-1'))?.items).toHaveLength(1);
      expect((await store.listTasks('shop-a'))[0]?.status).toBe('open');
    });
  });
});
