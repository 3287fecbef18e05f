import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import type { Enrolment } from '../../functions/core/model.ts';
import { checkout, contractBackends, data, order, retained, t } from './backends.ts';

const enrolment = (journey: string, key: string, startedAt = t(0)): Omit<Enrolment, 'status'> => ({ journey, key, executionName: `${journey}-${key}`, startedAt });

/** EnrolmentRepository (enrolments, send claims) and StepContextReader (what a step decides on). */
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

  describe('send claims', () => {
    it('claims a step once per execution', async () => {
      expect(await store.claimSend('exec-1', 'reminder', t(0))).toBe(true);
      expect(await store.claimSend('exec-1', 'reminder', t(1))).toBe(false);
      expect(await store.claimSend('exec-1', 'second', t(1))).toBe(true);
      expect(await store.claimSend('exec-2', 'reminder', t(1))).toBe(true);
    });

    it('gives a claim back for a retry, but never a completed one', async () => {
      await store.claimSend('exec-1', 'reminder', t(0));
      await store.releaseSend('exec-1', 'reminder');
      expect(await store.claimSend('exec-1', 'reminder', t(1))).toBe(true);
      await store.completeSend('exec-1', 'reminder', 'msg-1');
      await store.releaseSend('exec-1', 'reminder');
      expect(await store.claimSend('exec-1', 'reminder', t(2))).toBe(false);
    });

    it('takes a completion without a claim as done, and a release without one as nothing', async () => {
      await store.completeSend('exec-1', 'reminder', undefined);
      expect(await store.claimSend('exec-1', 'reminder', t(0))).toBe(false);
      await store.releaseSend('exec-2', 'reminder');
      expect(await store.claimSend('exec-2', 'reminder', t(0))).toBe(true);
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
      await store.recordConsent('shop-a', 'c_1', 'email', 'marketing', true, t(0), 'checkout', 'ev-1');
      await store.recordConsent('shop-a', 'c_1', 'sms', 'service', true, t(0), 'checkout', 'ev-2');
      await store.createEnrolment('shop-a', 'c_1', enrolment('abandoned-cart', 'tok-1'));
      await store.putCart('shop-a', 'c_1', checkout('tok-1'), t(0));
      await store.createEnrolment('shop-b', 'c_1', enrolment('abandoned-cart', 'tok-1', t(1)));
      expect(data(await store.stepContext('shop-a', 'c_1', 'abandoned-cart', 'tok-1', 'cart'))).toEqual({
        enrolment: { ...enrolment('abandoned-cart', 'tok-1'), status: 'active', expiresAt: retained(t(0)) },
        customer: { customerId: 'c_1', email: 'z@example.pl', firstName: 'Zofia', updatedAt: t(0), createdAt: t(0), expiresAt: retained(t(0)) },
        consent: { email: { channel: 'email', topic: 'marketing', granted: true, at: t(0), source: 'checkout', expiresAt: retained(t(0)) }, sms: undefined },
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
