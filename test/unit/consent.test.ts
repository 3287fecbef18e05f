import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConsentDecision, nextConsent, type TimedConsentStatement } from '../../functions/core/consent.ts';
import { consentStatements, type DomainEvent } from '../../functions/core/domain.ts';
import type { ConsentState } from '../../functions/core/model.ts';

/** The consent precedence rules of core/consent.ts, one test per rule, and what no sequence of echoes can do. */
const at = (minutes: number) => new Date(Date.parse('2026-05-01T10:00:00.000Z') + minutes * 60_000).toISOString();
const now = (minutes: number) => new Date(at(minutes));

const withdrawal = (m: number, source = 'unsubscribe-link'): TimedConsentStatement => ({ kind: 'withdrawal', granted: false, at: at(m), source });
const optIn = (m: number, source = 'shopify:customer.consent'): TimedConsentStatement => ({ kind: 'opt-in', granted: true, at: at(m), source });
const echo = (granted: boolean, m: number, source = 'shopify:checkout.updated'): TimedConsentStatement => ({ kind: 'echo', granted, at: at(m), source });

/** The state a decision leaves, from `stored`. */
function stateAfter(stored: ConsentState | undefined, d: ConsentDecision): ConsentState | undefined {
  return d.applied ? d.state : stored;
}

describe('nextConsent: consent precedence', () => {
  it('rule 0: a statement that may come again (once) whose event key moved the state is not decided again, whatever its kind', () => {
    const optedInAfter: ConsentState = { granted: true, kind: 'opt-in', at: at(10), source: 'api', recent: ['w-1', 'o-1'] };
    // Without the key this withdrawal would apply (rule 1) and undo the later opt-in.
    expect(nextConsent(optedInAfter, { ...withdrawal(0), eventKey: 'w-1', once: true }, now(20))).toEqual({ applied: false, reason: 'already_applied', at: at(0) });
    expect(nextConsent(optedInAfter, { ...withdrawal(0), eventKey: 'w-2', once: true }, now(20))).toMatchObject({ applied: true, reason: 'withdrawal' });
    // A page action is never a redelivery: decided anew even under a remembered key.
    expect(nextConsent(optedInAfter, { ...withdrawal(0), eventKey: 'w-1' }, now(20))).toMatchObject({ applied: true, reason: 'withdrawal' });
    expect(nextConsent(optedInAfter, withdrawal(0), now(20))).toMatchObject({ applied: true, reason: 'withdrawal' });
  });

  it('rule 1: a withdrawal always applies, stamped with the later of its time and the engine receive time', () => {
    const grantedLater: ConsentState = { granted: true, kind: 'opt-in', at: at(60), source: 'api' };
    expect(nextConsent(grantedLater, withdrawal(0), now(5))).toEqual({
      applied: true,
      reason: 'withdrawal',
      at: at(0),
      state: { granted: false, kind: 'withdrawal', at: at(5), source: 'unsubscribe-link' },
    });
    // Even over a state dated far ahead (stored before clamping existed).
    expect(nextConsent({ granted: true, kind: 'echo', at: '9999-12-31T00:00:00.000Z', source: 'x' }, withdrawal(0), now(0))).toMatchObject({ applied: true });
  });

  it('rule 2: with nothing on file, any statement applies (the first sighting)', () => {
    for (const s of [echo(true, 0), echo(false, 0), optIn(0)]) expect(nextConsent(undefined, s, now(0))).toMatchObject({ applied: true, reason: 'first_statement', state: { granted: s.granted, at: at(0) } });
  });

  it('rule 3: an opt-in lifts a withdrawal only when strictly later than its stamp', () => {
    const withdrawn: ConsentState = { granted: false, kind: 'withdrawal', at: at(10), source: 'unsubscribe-link' };
    expect(nextConsent(withdrawn, optIn(9), now(20))).toMatchObject({ applied: false, reason: 'not_after_withdrawal' });
    expect(nextConsent(withdrawn, optIn(10), now(20))).toMatchObject({ applied: false, reason: 'not_after_withdrawal' });
    expect(nextConsent(withdrawn, optIn(11), now(20))).toMatchObject({ applied: true, reason: 'later_opt_in', state: { granted: true, kind: 'opt-in', at: at(11) } });
  });

  it('rule 3: over any other state an opt-in applies when not older', () => {
    const unticked: ConsentState = { granted: false, kind: 'echo', at: at(10), source: 'checkout' };
    expect(nextConsent(unticked, optIn(10), now(20))).toMatchObject({ applied: true, reason: 'later_opt_in' });
    expect(nextConsent(unticked, optIn(9), now(20))).toMatchObject({ applied: false, reason: 'older_than_state' });
  });

  it('rule 4: no echo lifts or replaces a withdrawal, however late', () => {
    const withdrawn: ConsentState = { granted: false, kind: 'withdrawal', at: at(10), source: 'unsubscribe-link' };
    expect(nextConsent(withdrawn, echo(true, 1000), now(1000))).toEqual({ applied: false, reason: 'echo_after_withdrawal', at: at(1000) });
    expect(nextConsent(withdrawn, echo(false, 1000), now(1000))).toMatchObject({ applied: false, reason: 'echo_after_withdrawal' });
  });

  it('rule 4: a later echoed false withdraws a grant (the safe side); a later echoed true grants again over an echoed false', () => {
    const granted: ConsentState = { granted: true, kind: 'opt-in', at: at(10), source: 'api' };
    const unticked = nextConsent(granted, echo(false, 20), now(20));
    expect(unticked).toMatchObject({ applied: true, reason: 'later_echo', state: { granted: false, kind: 'echo' } });
    expect(nextConsent(stateAfter(granted, unticked), echo(true, 30), now(30))).toMatchObject({ applied: true, reason: 'later_echo', state: { granted: true } });
    expect(nextConsent(granted, echo(false, 5), now(20))).toMatchObject({ applied: false, reason: 'older_than_state' });
  });

  it('clamps every time to the engine clock: a statement dated 9999 counts as now, and the stored time too', () => {
    const d = nextConsent(undefined, { ...optIn(0), at: '9999-12-31T00:00:00.000Z' }, now(0));
    expect(d).toMatchObject({ applied: true, at: at(0), state: { at: at(0) } });
    // A state stored far ahead before clamping existed holds nothing off once its time has come.
    const legacy: ConsentState = { granted: true, kind: 'echo', at: '9999-12-31T00:00:00.000Z', source: 'x' };
    expect(nextConsent(legacy, echo(false, 1), now(1))).toMatchObject({ applied: true, reason: 'later_echo' });
    // Within the tolerance (5 minutes ahead) a time is believed as stated.
    expect(nextConsent(undefined, optIn(4), now(0))).toMatchObject({ at: at(4) });
  });

  it('counts a not granting state from before kinds were recorded as a withdrawal', () => {
    const legacy: ConsentState = { granted: false, at: at(0), source: 'sms-opt-out' };
    expect(nextConsent(legacy, echo(true, 10), now(10))).toMatchObject({ applied: false, reason: 'echo_after_withdrawal' });
    expect(nextConsent(legacy, optIn(10), now(10))).toMatchObject({ applied: true });
  });

  it('property: once withdrawn, no sequence of echoes, at any times, brings consent back', () => {
    const anyEcho = fc.record({ granted: fc.boolean(), minutes: fc.integer({ min: -100_000, max: 10_000_000 }), receivedAfter: fc.integer({ min: 0, max: 100_000 }) });
    const start = fc.option(fc.record({ granted: fc.boolean(), kind: fc.constantFrom('echo' as const, 'opt-in' as const), minutes: fc.integer({ min: -1000, max: 1000 }) }), { nil: undefined });
    fc.assert(
      fc.property(start, fc.integer({ min: -1000, max: 1000 }), fc.array(anyEcho, { maxLength: 30 }), (initial, withdrawnAt, echoes) => {
        let state: ConsentState | undefined = initial && { granted: initial.kind === 'opt-in' || initial.granted, kind: initial.kind, at: at(initial.minutes), source: 's' };
        let clock = withdrawnAt;
        state = stateAfter(state, nextConsent(state, withdrawal(withdrawnAt), now(clock)));
        for (const e of echoes) {
          clock += e.receivedAfter;
          state = stateAfter(state, nextConsent(state, echo(e.granted, e.minutes), now(clock)));
          expect(state?.granted).toBe(false);
        }
      }),
    );
  });
});

describe('consentStatements: the kind is the event type’s', () => {
  const base = { key: 'k', occurredAt: at(0), source: 'shopify' as const, customer: { email: 'z@example.pl', phone: '+48600100200', consent: { emailMarketing: true, smsMarketing: false } } };

  it('a consent event states opt-ins and withdrawals', () => {
    expect(consentStatements({ ...base, type: 'customer.consent' })).toEqual([
      { channel: 'email', statement: { kind: 'opt-in', granted: true } },
      { channel: 'sms', statement: { kind: 'withdrawal', granted: false } },
    ]);
  });

  it('a flag on any other event is an echo', () => {
    const checkout: DomainEvent = { ...base, type: 'checkout.updated', checkout: { token: 't', items: [], total: '1.00', currency: 'PLN', completed: false } };
    expect(consentStatements(checkout)).toEqual([
      { channel: 'email', statement: { kind: 'echo', granted: true } },
      { channel: 'sms', statement: { kind: 'echo', granted: false } },
    ]);
    expect(consentStatements({ ...base, type: 'customer.updated', customer: { email: 'z@example.pl' } })).toEqual([]);
  });
});
