import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import type { Enrolment, SendIntent } from '../../functions/core/model.ts';
import { checkout, contractBackends, data, echo, intent, order, retained, t } from './backends.ts';

const enrolment = (journey: string, key: string, startedAt = t(0)): Omit<Enrolment, 'status'> => ({ journey, key, executionName: `${journey}-${key}`, startedAt });

/** EnrolmentRepository (enrolments, send intents and frequency-cap slots) and StepContextReader (what a step decides on). */
describe.each(contractBackends())('EnrolmentRepository and StepContextReader on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  describe('enrolments', () => {
    it('creates an enrolment once, active; a replay is false and changes nothing', async () => {
      expect(await store.createEnrolment('shop-a', 'c_1', enrolment('abandoned-cart', 'tok-1'))).toBe(true);
      expect(await store.createEnrolment('shop-a', 'c_1', { ...enrolment('abandoned-cart', 'tok-1', t(9)), executionName: 'other' })).toBe(false);
      expect(data(await store.getEnrolment('shop-a', 'c_1', 'abandoned-cart', 'tok-1'))).toStrictEqual({
        journey: 'abandoned-cart',
        key: 'tok-1',
        executionName: 'abandoned-cart-tok-1',
        startedAt: t(0),
        status: 'active',
        expiresAt: retained(t(0)),
      });
      expect(await store.getEnrolment('shop-a', 'c_1', 'abandoned-cart', 'tok-2')).toBeUndefined();
      expect(await store.getEnrolment('shop-b', 'c_1', 'abandoned-cart', 'tok-1')).toBeUndefined();
    });

    it('ends an enrolment from active only: a second end is false and keeps the first', async () => {
      await store.createEnrolment('shop-a', 'c_1', enrolment('abandoned-cart', 'tok-1'));
      expect(await store.endEnrolment('shop-a', 'c_1', 'abandoned-cart', 'tok-1', 'goal-reached', 'order.placed', t(5))).toBe(true);
      expect(await store.endEnrolment('shop-a', 'c_1', 'abandoned-cart', 'tok-1', 'completed', 'last step', t(6))).toBe(false);
      expect(data(await store.getEnrolment('shop-a', 'c_1', 'abandoned-cart', 'tok-1'))).toStrictEqual({
        ...enrolment('abandoned-cart', 'tok-1'),
        status: 'goal-reached',
        endedAt: t(5),
        endReason: 'order.placed',
        expiresAt: retained(t(0)),
      });
    });

    it('ends nothing that does not exist, and creates nothing', async () => {
      expect(await store.endEnrolment('shop-a', 'c_1', 'abandoned-cart', 'tok-1', 'stopped', 'operator', t(5))).toBe(false);
      expect(await store.getEnrolment('shop-a', 'c_1', 'abandoned-cart', 'tok-1')).toBeUndefined();
      expect(await store.createEnrolment('shop-a', 'c_1', enrolment('abandoned-cart', 'tok-1'))).toBe(true);
    });

    it('lists the active enrolments of one journey, or of all, in journey and key order', async () => {
      for (const [journey, key] of [
        ['win-back', 'k2'],
        ['win', 'k9'],
        ['win', 'k1'],
        ['abandoned-cart', 'tok-1'],
        ['win-back', 'k1'],
        ['win', 'k5'],
        ['win!', 'k0'],
      ] as const)
        await store.createEnrolment('shop-a', 'c_1', enrolment(journey, key));
      await store.endEnrolment('shop-a', 'c_1', 'win', 'k5', 'completed', 'last step', t(1));
      await store.createEnrolment('shop-a', 'c_2', enrolment('win', 'k3'));
      await store.createEnrolment('shop-b', 'c_1', enrolment('win', 'k4'));
      const keys = (list: Enrolment[]) => list.map((e) => `${e.journey}/${e.key}`);
      expect(keys(await store.activeEnrolments('shop-a', 'c_1', 'win'))).toEqual(['win/k1', 'win/k9']);
      // In the order of `{journey}#{key}` as one string: `win!#` < `win#` < `win-back#` ('!' < '#' < '-').
      expect(keys(await store.activeEnrolments('shop-a', 'c_1'))).toEqual(['abandoned-cart/tok-1', 'win!/k0', 'win/k1', 'win/k9', 'win-back/k1', 'win-back/k2']);
      expect(data(await store.activeEnrolments('shop-a', 'c_1', 'abandoned-cart'))).toStrictEqual([{ ...enrolment('abandoned-cart', 'tok-1'), status: 'active', expiresAt: retained(t(0)) }]);
      expect(await store.activeEnrolments('shop-a', 'c_1', 'nps')).toEqual([]);
    });

    it('marks a wait, and a continuation only while the enrolment still waits at that node, keeping where it goes on', async () => {
      await store.createEnrolment('shop-a', 'c_1', enrolment('dunning', 'inv-1'));
      const awaiting = { node: 'paid', event: 'payment.succeeded', since: t(0), until: t(3) };
      expect(await store.markEnrolment('shop-a', 'c_1', 'dunning', 'inv-1', { awaiting })).toBe(true);
      const continuation = { executionName: 'dunning-inv-1-ok', from: 'dunning-inv-1', entry: 'thanks' };
      expect(await store.markEnrolment('shop-a', 'c_1', 'dunning', 'inv-1', { awaiting: null, continuation }, 'other-node')).toBe(false);
      expect(await store.markEnrolment('shop-a', 'c_1', 'dunning', 'inv-1', { awaiting: null, continuation }, 'paid')).toBe(true);
      // The timeout's step lost the race: its mark finds the wait gone.
      expect(await store.markEnrolment('shop-a', 'c_1', 'dunning', 'inv-1', { awaiting: null }, 'paid')).toBe(false);
      const e = await store.getEnrolment('shop-a', 'c_1', 'dunning', 'inv-1');
      expect(e).toMatchObject({ executionName: 'dunning-inv-1-ok', continuedFrom: 'dunning-inv-1', continuedAt: 'thanks', status: 'active' });
      expect(e?.awaiting).toBeUndefined();
    });

    it('hands out copies', async () => {
      await store.createEnrolment('shop-a', 'c_1', enrolment('win', 'k1'));
      const [active] = await store.activeEnrolments('shop-a', 'c_1', 'win');
      active!.status = 'stopped';
      const one = await store.getEnrolment('shop-a', 'c_1', 'win', 'k1');
      one!.status = 'completed';
      expect((await store.getEnrolment('shop-a', 'c_1', 'win', 'k1'))?.status).toBe('active');
      expect(await store.endEnrolment('shop-a', 'c_1', 'win', 'k1', 'stopped', 'operator', t(1))).toBe(true);
    });
  });

  describe('send intents', () => {
    const claimed = (i: SendIntent) => ({ ...i, status: 'claimed', expiresAt: retained(i.at) });

    it('claims a step once per execution, under the customer; a second claim gets the first intent', async () => {
      expect(await store.claimSend('shop-a', 'c_1', intent('exec-1', 'reminder', t(0)))).toEqual({ kind: 'claimed' });
      const again = await store.claimSend('shop-a', 'c_1', intent('exec-1', 'reminder', t(1), { template: 'other' }));
      expect(data(again)).toStrictEqual({ kind: 'exists', record: claimed(intent('exec-1', 'reminder', t(0))) });
      expect(await store.claimSend('shop-a', 'c_1', intent('exec-1', 'second', t(1)))).toEqual({ kind: 'claimed' });
      expect(await store.claimSend('shop-a', 'c_1', intent('exec-2', 'reminder', t(1)))).toEqual({ kind: 'claimed' });
      expect(await store.claimSend('shop-a', 'c_2', intent('exec-1', 'reminder', t(1)))).toEqual({ kind: 'claimed' });
      expect(data((await store.exportCustomer('shop-a', 'c_1'))['sends'])).toStrictEqual([
        claimed(intent('exec-1', 'reminder', t(0))),
        claimed(intent('exec-1', 'second', t(1))),
        claimed(intent('exec-2', 'reminder', t(1))),
      ]);
    });

    it('keeps the first outcome written; a completion without a claim writes nothing', async () => {
      await store.claimSend('shop-a', 'c_1', intent('exec-1', 'reminder', t(0)));
      await store.completeSend('shop-a', 'c_1', 'exec-1', 'reminder', { outcome: 'sent', messageId: 'msg-1' });
      await store.completeSend('shop-a', 'c_1', 'exec-1', 'reminder', { outcome: 'uncertain' });
      expect(data(await store.claimSend('shop-a', 'c_1', intent('exec-1', 'reminder', t(1))))).toStrictEqual({
        kind: 'exists',
        record: { ...intent('exec-1', 'reminder', t(0)), status: 'done', outcome: 'sent', messageId: 'msg-1', expiresAt: retained(t(0)) },
      });
      await store.claimSend('shop-a', 'c_1', intent('exec-2', 'sms', t(0), { channel: 'sms', segments: 3, encoding: 'UCS-2' }));
      await store.completeSend('shop-a', 'c_1', 'exec-2', 'sms', { outcome: 'refused', reason: 'sms_daily_cap' });
      await store.completeSend('shop-a', 'c_1', 'exec-9', 'none', { outcome: 'sent', messageId: 'msg-9' });
      expect(data((await store.exportCustomer('shop-a', 'c_1'))['sends'])).toStrictEqual([
        { ...intent('exec-1', 'reminder', t(0)), status: 'done', outcome: 'sent', messageId: 'msg-1', expiresAt: retained(t(0)) },
        { ...intent('exec-2', 'sms', t(0), { channel: 'sms', segments: 3, encoding: 'UCS-2' }), status: 'done', outcome: 'refused', reason: 'sms_daily_cap', expiresAt: retained(t(0)) },
      ]);
    });

    it('gives a claim back for a retry, but never a completed one', async () => {
      await store.claimSend('shop-a', 'c_1', intent('exec-1', 'reminder', t(0)));
      await store.releaseSend('shop-a', 'c_1', 'exec-1', 'reminder');
      expect(await store.claimSend('shop-a', 'c_1', intent('exec-1', 'reminder', t(1)))).toEqual({ kind: 'claimed' });
      await store.completeSend('shop-a', 'c_1', 'exec-1', 'reminder', { outcome: 'uncertain' });
      await store.releaseSend('shop-a', 'c_1', 'exec-1', 'reminder');
      expect(await store.claimSend('shop-a', 'c_1', intent('exec-1', 'reminder', t(2)))).toMatchObject({ kind: 'exists', record: { status: 'done', outcome: 'uncertain', at: t(1) } });
      await store.releaseSend('shop-a', 'c_1', 'exec-2', 'reminder');
      expect(await store.claimSend('shop-a', 'c_1', intent('exec-2', 'reminder', t(0)))).toEqual({ kind: 'claimed' });
    });
  });

  describe('frequency cap slots', () => {
    const cap = { max: 2, days: 7 };
    const DAYS_7 = 7 * 24 * 60;

    it('takes at most `max` slots in the window, counting every journey; a capped claim writes nothing', async () => {
      expect(await store.claimSend('shop-a', 'c_1', intent('cart-1', 'first', t(0)), cap)).toEqual({ kind: 'claimed' });
      expect(await store.claimSend('shop-a', 'c_1', intent('win-back-1', 'first', t(1), { journey: 'win-back' }), cap)).toEqual({ kind: 'claimed' });
      expect(await store.claimSend('shop-a', 'c_1', intent('post-1', 'how-to', t(2), { journey: 'post-purchase' }), cap)).toEqual({ kind: 'capped' });
      // Service messages take no slot; other customers and shops have their own windows.
      expect(await store.claimSend('shop-a', 'c_1', intent('dunning-1', 'email', t(2), { journey: 'dunning', topic: 'service' }))).toEqual({ kind: 'claimed' });
      expect(await store.claimSend('shop-a', 'c_2', intent('cart-2', 'first', t(2)), cap)).toEqual({ kind: 'claimed' });
      expect(await store.claimSend('shop-b', 'c_1', intent('cart-3', 'first', t(2)), cap)).toEqual({ kind: 'claimed' });
      const sends = (await store.exportCustomer('shop-a', 'c_1'))['sends'] as SendIntent[];
      expect(sends.map((i) => i.executionName)).toEqual(['cart-1', 'dunning-1', 'win-back-1']);
    });

    it('counts a slot for `days` after it was taken, that instant included', async () => {
      await store.claimSend('shop-a', 'c_1', intent('a', 's', t(0)), cap);
      await store.claimSend('shop-a', 'c_1', intent('b', 's', t(10)), cap);
      expect(await store.claimSend('shop-a', 'c_1', intent('c', 's', t(DAYS_7)), cap)).toEqual({ kind: 'capped' });
      expect(await store.claimSend('shop-a', 'c_1', intent('c', 's', t(DAYS_7 + 1)), cap)).toEqual({ kind: 'claimed' });
      expect(await store.claimSend('shop-a', 'c_1', intent('d', 's', t(DAYS_7 + 9)), cap)).toEqual({ kind: 'capped' });
      // A narrower window on the same slots.
      expect(await store.claimSend('shop-a', 'c_1', intent('d', 's', t(DAYS_7 + 9)), { max: 2, days: 1 })).toEqual({ kind: 'claimed' });
    });

    it('a step claimed before gets its intent back, even with the window full', async () => {
      await store.claimSend('shop-a', 'c_1', intent('a', 's', t(0)), cap);
      await store.claimSend('shop-a', 'c_1', intent('b', 's', t(1)), cap);
      expect(await store.claimSend('shop-a', 'c_1', intent('a', 's', t(5)), cap)).toMatchObject({ kind: 'exists', record: { status: 'claimed', at: t(0) } });
      expect(await store.claimSend('shop-a', 'c_1', intent('b', 's', t(5)), { max: 9, days: 7 })).toMatchObject({ kind: 'exists', record: { at: t(1) } });
    });

    it('gives a slot back for a send that certainly did not go out (released, refused), never for one that may have', async () => {
      const fill = async () => {
        expect(await store.claimSend('shop-a', 'c_1', intent('x', 's', t(3)), { max: 1, days: 7 })).toEqual({ kind: 'capped' });
      };
      await store.claimSend('shop-a', 'c_1', intent('a', 's', t(0)), { max: 1, days: 7 });
      await fill();
      await store.releaseSend('shop-a', 'c_1', 'a', 's');
      expect(await store.claimSend('shop-a', 'c_1', intent('b', 's', t(1)), { max: 1, days: 7 })).toEqual({ kind: 'claimed' });
      await store.completeSend('shop-a', 'c_1', 'b', 's', { outcome: 'refused', reason: 'rejected_by_provider' });
      expect(await store.claimSend('shop-a', 'c_1', intent('c', 's', t(2)), { max: 1, days: 7 })).toEqual({ kind: 'claimed' });
      await store.completeSend('shop-a', 'c_1', 'c', 's', { outcome: 'uncertain' });
      await fill();
      // Releasing or refusing what is not claimed gives nothing back: c's slot stays.
      await store.releaseSend('shop-a', 'c_1', 'c', 's');
      await store.completeSend('shop-a', 'c_1', 'c', 's', { outcome: 'refused', reason: 'rejected_by_provider' });
      await store.releaseSend('shop-a', 'c_1', 'x', 's');
      await fill();
      // A refused service send had no slot to give: c's stays.
      await store.claimSend('shop-a', 'c_1', intent('svc', 's', t(3), { topic: 'service' }));
      await store.completeSend('shop-a', 'c_1', 'svc', 's', { outcome: 'refused', reason: 'rejected_by_provider' });
      await fill();
    });

    it('N concurrent claims against a cap of M take exactly M', async () => {
      const wide = { max: 3, days: 7 };
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => store.claimSend('shop-a', 'c_1', intent(`exec-${i}`, 'first', t(i % 4), { journey: `journey-${i % 5}` }), wide)));
      expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(3);
      expect(claims.filter((c) => c.kind === 'capped')).toHaveLength(9);
      expect((await store.exportCustomer('shop-a', 'c_1'))['sends']).toHaveLength(3);
      // And again, with one step claimed twice at once among them: still M slots, one intent for it.
      const more = await Promise.all(
        ['r', 'r', 's', 't', 'u', 'v'].map((e) => store.claimSend('shop-a', 'c_2', intent(e, 'first', t(0)), wide)),
      );
      expect(more.filter((c) => c.kind === 'claimed')).toHaveLength(3);
      expect((await store.exportCustomer('shop-a', 'c_2'))['sends']).toHaveLength(3);
    });

    it('erasure removes the intents and the slots', async () => {
      await store.claimSend('shop-a', 'c_1', intent('a', 's', t(0)), { max: 1, days: 7 });
      await store.eraseCustomer('shop-a', 'c_1', t(1));
      expect((await store.exportCustomer('shop-a', 'c_1'))['sends']).toEqual([]);
      expect(await store.claimSend('shop-a', 'c_1', intent('b', 's', t(2)), { max: 1, days: 7 })).toEqual({ kind: 'claimed' });
    });
  });

  describe('stepContext', () => {
    it('reads nothing for an unknown customer', async () => {
      const context = await store.stepContext('shop-a', 'c_1', 'abandoned-cart', 'tok-1', 'cart');
      expect(context).toEqual({ consent: { email: undefined, sms: undefined } });
      expect(context.enrolment).toBeUndefined();
      expect(context.customer).toBeUndefined();
      expect(context.subject).toBeUndefined();
    });

    it('reads the enrolment, the profile, marketing consent on both channels and the cart', async () => {
      await store.upsertCustomer('shop-a', 'c_1', { email: 'z@example.pl', firstName: 'Zofia' }, t(0));
      await store.recordConsent('shop-a', 'c_1', 'email', 'marketing', echo(true, t(0), 'checkout', 'ev-1'), new Date(t(0)));
      await store.recordConsent('shop-a', 'c_1', 'sms', 'service', echo(true, t(0), 'checkout', 'ev-2'), new Date(t(0)));
      await store.createEnrolment('shop-a', 'c_1', enrolment('abandoned-cart', 'tok-1'));
      await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(0));
      await store.createEnrolment('shop-b', 'c_1', enrolment('abandoned-cart', 'tok-1', t(1)));
      expect(data(await store.stepContext('shop-a', 'c_1', 'abandoned-cart', 'tok-1', 'cart'))).toEqual({
        enrolment: { ...enrolment('abandoned-cart', 'tok-1'), status: 'active', expiresAt: retained(t(0)) },
        customer: { customerId: 'c_1', email: 'z@example.pl', firstName: 'Zofia', updatedAt: t(0), createdAt: t(0), expiresAt: retained(t(0)) },
        consent: { email: { channel: 'email', topic: 'marketing', granted: true, kind: 'echo', at: t(0), source: 'checkout', version: 1, expiresAt: retained(t(0)) }, sms: undefined },
        subject: { ...checkout('tok-1'), customerId: 'c_1', status: 'open', updatedAt: t(0), expiresAt: retained(t(0)) },
      });
      const other = data(await store.stepContext('shop-b', 'c_1', 'abandoned-cart', 'tok-1', 'cart'));
      expect(other).toEqual({ enrolment: { ...enrolment('abandoned-cart', 'tok-1', t(1)), status: 'active', expiresAt: retained(t(1)) }, consent: { email: undefined, sms: undefined } });
    });

    it('reads an order under the customer, an invoice by its id, or no subject', async () => {
      await store.putOrder('shop-a', 'c_1', order('o-1'), t(0));
      await store.putOrder('shop-a', 'c_2', order('o-2'), t(0));
      await store.recordInvoiceFailure('shop-a', { invoiceId: 'in_1', customerId: 'c_1', amount: '5.00', currency: 'PLN' }, t(0));
      await store.recordInvoiceFailure('shop-a', { invoiceId: 'in_2', customerId: 'c_2', amount: '5.00', currency: 'PLN' }, t(0));
      const subject = async (kind: 'cart' | 'order' | 'invoice' | undefined, key: string) => data((await store.stepContext('shop-a', 'c_1', 'j', key, kind)).subject);
      expect(await subject('order', 'o-1')).toStrictEqual({ ...order('o-1'), placedAt: t(0), status: 'placed', expiresAt: retained(t(0)) });
      expect(await subject('order', 'o-2')).toBeUndefined();
      expect(await subject('invoice', 'in_1')).toStrictEqual({ invoiceId: 'in_1', customerId: 'c_1', amount: '5.00', currency: 'PLN', status: 'failed', updatedAt: t(0), expiresAt: retained(t(0)) });
      // Another customer's invoice is no subject of this one's.
      expect(await subject('invoice', 'in_2')).toBeUndefined();
      expect(await subject('cart', 'o-1')).toBeUndefined();
      expect(await subject(undefined, 'o-1')).toBeUndefined();
    });

    it('hands out copies', async () => {
      await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(0));
      const context = await store.stepContext('shop-a', 'c_1', 'abandoned-cart', 'tok-1', 'cart');
      (context.subject!['items'] as { quantity: number }[])[0]!.quantity = 9;
      expect((await store.getCart('shop-a', 'tok-1'))?.items[0]?.quantity).toBe(2);
    });
  });
});
