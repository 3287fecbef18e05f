import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import { CONSENT_RECENT_KEYS } from '../../functions/core/consent.ts';
import { contractBackends, data, echo as echoOnce, optIn as optInOnce, t, withdrawal as withdrawalOnce } from './backends.ts';

/**
 * A statement applied again (an event redelivered after its lease ran out mid-way, a page posted
 * twice) is recognised by its event key and decided once: it neither writes the same state again
 * nor undoes what later statements decided.
 */
// Statements of redelivered events: decided once.
const echo = (...a: Parameters<typeof echoOnce>) => ({ ...echoOnce(...a), once: true });
const optIn = (...a: Parameters<typeof optInOnce>) => ({ ...optInOnce(...a), once: true });
const withdrawal = (...a: Parameters<typeof withdrawalOnce>) => ({ ...withdrawalOnce(...a), once: true });

describe.each(contractBackends())('consent statements applied again on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });
  const email = (statement: Parameters<StateStore['recordConsent']>[4], receivedAt: string) => store.recordConsent('shop-a', 'c_1', 'email', 'marketing', statement, new Date(receivedAt));
  const state = async () => data(await store.getConsent('shop-a', 'c_1', 'email', 'marketing')) as unknown as Record<string, unknown>;
  const ledger = async () => data((await store.exportCustomer('shop-a', 'c_1'))['consentLedger']) as { eventKey: string; applied: boolean; reason: string }[];

  it('an echo applied again writes nothing: same version, one ledger line', async () => {
    await email(echo(false, t(0), 'api:checkout.updated', 'ev-1'), t(0));
    const before = await state();
    expect(await email(echo(false, t(0), 'api:checkout.updated', 'ev-1'), t(5))).toEqual({ applied: false, reason: 'already_applied', at: t(0) });
    expect(await state()).toStrictEqual(before);
    expect((await ledger()).map((e) => e.eventKey)).toEqual(['ev-1']);
  });

  it('a withdrawal redelivered after a later opt-in does not undo the opt-in', async () => {
    await email(withdrawal(t(0), 'shopify:customer.consent', 'w-1'), t(0));
    await email(optIn(t(10), 'shopify:customer.consent', 'o-1'), t(10));
    expect(await email(withdrawal(t(0), 'shopify:customer.consent', 'w-1'), t(20))).toMatchObject({ applied: false, reason: 'already_applied' });
    expect(await state()).toMatchObject({ granted: true, kind: 'opt-in', version: 2, recent: ['w-1', 'o-1'] });
    expect((await ledger()).map((e) => [e.eventKey, e.applied])).toEqual([
      ['w-1', true],
      ['o-1', true],
    ]);
  });

  it('a new withdrawal still applies over a remembered opt-in: only the same event key is recognised', async () => {
    await email(optIn(t(0), 'api:customer.consent', 'o-1'), t(0));
    expect(await email(withdrawal(t(1), 'unsubscribe-link', 'w-2'), t(1))).toMatchObject({ applied: true, reason: 'withdrawal' });
    expect(await state()).toMatchObject({ granted: false, kind: 'withdrawal' });
  });

  it('a statement of the customer’s own page (not `once`) is decided anew: an opt-in and a withdrawal in the same instant under one key', async () => {
    await email(optInOnce(t(0), 'preference-centre', 'preferences:t0:email'), t(0));
    expect(await email(withdrawalOnce(t(0), 'preference-centre', 'preferences:t0:email'), t(0))).toMatchObject({ applied: true, reason: 'withdrawal' });
    expect(await state()).toMatchObject({ granted: false, kind: 'withdrawal', version: 2 });
    expect(await state()).not.toHaveProperty('recent');
  });

  it(`remembers the last ${CONSENT_RECENT_KEYS} statements that moved the state, newest last`, async () => {
    for (let i = 0; i <= CONSENT_RECENT_KEYS; i++) await email(echo(i % 2 === 0, t(i), 'api:checkout.updated', `ev-${i}`), t(i));
    const recent = (await state())['recent'] as string[];
    expect(recent).toHaveLength(CONSENT_RECENT_KEYS);
    expect(recent.at(-1)).toBe(`ev-${CONSENT_RECENT_KEYS}`);
    expect(recent).not.toContain('ev-0');
  });
});
