import { beforeEach, describe, expect, it } from 'vitest';
import type { ConsentInput, StateStore } from '../../functions/app/ports.ts';
import { contractBackends, data, echo, optIn, retained, t, withdrawal } from './backends.ts';

/** CustomerRepository, its consent: the current state per channel and topic, and the ledger of every statement. */
describe.each(contractBackends())('CustomerRepository consent on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
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
});
