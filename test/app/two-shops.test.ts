import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import type { JourneyRunner, StateStore } from '../../functions/app/ports.ts';
import { RecordingRunner } from '../support/recording-runner.ts';
import { type FeedbackDeps, handleFeedback } from '../../functions/app/record-feedback.ts';
import { runScheduledSelection } from '../../functions/app/select-segment.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { SEGMENT_LEASE_SECONDS } from '../../functions/shared/config.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { memoryLog } from '../support/local.ts';

/** Two shops on one installation, with one customer address in both: nothing one shop's customer does reaches the other's. */
const T = new Date('2026-03-30T10:00:00Z');
const A = 'shop-a';
const B = 'shop-b';
const EMAIL = 'zofia@example.pl';
const PHONE = '+48500100200';

function setup(now = T) {
  const store = new MemoryStore();
  const log = memoryLog();
  const runner = new RecordingRunner();
  const enrol = (tenant: string, at = now): EnrolDeps => ({ config: { tenant }, store, journeys: loadJourneys(), runner, clock: { now: () => at }, log });
  const feedback: FeedbackDeps = { tenant: A, shops: [A, B], smsNumbers: { '+48600000002': B }, store, clock: { now: () => now }, log };
  return { store, log, runner, enrol, feedback };
}

const checkout = (key: string, token: string): DomainEvent => ({
  key,
  source: 'api',
  type: 'checkout.updated',
  occurredAt: T.toISOString(),
  customer: { email: EMAIL, phone: PHONE, consent: { emailMarketing: true, smsMarketing: true } },
  checkout: { token, items: [], total: '10.00', currency: 'PLN', completed: false },
});

const sesEvent = (type: 'Bounce' | 'Complaint', tags?: Record<string, string[]>) => ({
  eventType: type,
  mail: tags ? { tags } : {},
  ...(type === 'Bounce' ? { bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: EMAIL }] } } : { complaint: { complainedRecipients: [{ emailAddress: EMAIL }] } }),
});

async function state(store: StateStore, tenant: string) {
  const customerId = customerIdFor(tenant, { email: EMAIL })!;
  return {
    email: await store.isSuppressed(tenant, 'email', EMAIL),
    sms: await store.isSuppressed(tenant, 'sms', PHONE),
    emailConsent: (await store.getConsent(tenant, customerId, 'email', 'marketing'))?.granted,
  };
}

describe('feedback is the shop’s whose message caused it', () => {
  it('a bounce and a complaint tagged with shop A suppress and withdraw in shop A only', async () => {
    const d = setup();
    for (const tenant of [A, B]) await acceptEvents([checkout('e1', 'tok-1')], d.enrol(tenant));
    await handleFeedback(sesEvent('Bounce', { journey: ['abandoned-cart'], shop: [A] }), d.feedback);
    await handleFeedback(sesEvent('Complaint', { shop: [A] }), d.feedback);
    expect(await state(d.store, A)).toEqual({ email: true, sms: false, emailConsent: false });
    expect(await state(d.store, B)).toEqual({ email: false, sms: false, emailConsent: true });
    expect(d.log.lines.some((l) => l.includes('FEEDBACK_UNATTRIBUTED'))).toBe(false);
  });

  it('an SMS STOP is the shop’s whose number it was sent to, or whose name follows the keyword', async () => {
    const d = setup();
    await handleFeedback({ originationNumber: PHONE, destinationNumber: '+48600000002', messageBody: 'STOP' }, d.feedback);
    expect(await state(d.store, B)).toMatchObject({ sms: true });
    expect(await state(d.store, A)).toMatchObject({ sms: false });
    const e = setup();
    await handleFeedback({ originationNumber: PHONE, destinationNumber: '+48600000001', messageBody: 'stop shop-a' }, e.feedback);
    expect([(await state(e.store, A)).sms, (await state(e.store, B)).sms]).toEqual([true, false]);
  });

  it('feedback that names no shop suppresses in every shop (the safe side) and says so in the log', async () => {
    const d = setup();
    await handleFeedback(sesEvent('Bounce'), d.feedback);
    await handleFeedback({ originationNumber: PHONE, destinationNumber: '+48600000001', messageBody: 'STOP' }, d.feedback);
    for (const tenant of [A, B]) expect(await state(d.store, tenant)).toMatchObject({ email: true, sms: true });
    expect(d.log.lines.filter((l) => l.includes('"code":"FEEDBACK_UNATTRIBUTED"'))).toHaveLength(2);
    expect(d.log.lines.join('\n')).not.toContain(EMAIL);
    expect(d.log.lines.join('\n')).not.toContain('500100200');
  });

  it('the same trigger key in two shops makes two executions (names include the shop)', async () => {
    const d = setup();
    for (const tenant of [A, B]) await acceptEvents([checkout('e1', 'tok-1')], d.enrol(tenant));
    expect([...d.runner.started.keys()].sort()).toEqual([executionName('abandoned-cart', A, 'tok-1'), executionName('abandoned-cart', B, 'tok-1')].sort());
    expect(executionName('abandoned-cart', A, 'tok-1')).not.toBe(executionName('abandoned-cart', B, 'tok-1'));
  });
});

describe('scheduled runs reach every shop, once per shop and day', () => {
  const ordered = new Date('2025-10-01T12:00:00Z');
  const runAt = new Date(ordered.getTime() + 180 * 86_400_000);
  const winBack = loadJourneys().find((j) => j.id === 'win-back')!;
  const order = (key: string): DomainEvent => ({ key, source: 'api', type: 'order.placed', occurredAt: ordered.toISOString(), customer: { email: EMAIL }, order: { id: 'o-1', total: '10.00', currency: 'PLN', items: [] } });
  const name = (tenant: string, at = runAt) => executionName('win-back', tenant, `${at.toISOString().slice(0, 10)}.${customerIdFor(tenant, { email: EMAIL })}`);

  it('selects in both shops, and a second invocation of the day starts nothing', async () => {
    const d = setup(ordered);
    for (const tenant of [A, B]) await acceptEvents([order('o')], d.enrol(tenant));
    const first = await runScheduledSelection(winBack, runAt, [A, B], d.enrol(A, runAt));
    expect(first.map((r) => [r.tenant, r.run, r.started])).toEqual([
      [A, 'ran', 1],
      [B, 'ran', 1],
    ]);
    expect(d.runner.started.has(name(A)) && d.runner.started.has(name(B))).toBe(true);
    const again = await runScheduledSelection(winBack, runAt, [A, B], d.enrol(A, new Date(runAt.getTime() + 60_000)));
    expect(again.map((r) => [r.tenant, r.run])).toEqual([
      [A, 'skipped'],
      [B, 'skipped'],
    ]);
    expect([...d.runner.started.keys()].filter((n) => n.startsWith('win-back'))).toHaveLength(2);
  });

  it('a run killed halfway is completed by the next day’s invocation, as of its first claim', async () => {
    const d = setup(ordered);
    for (const tenant of [A, B]) await acceptEvents([order('o')], d.enrol(tenant));
    // Killed at shop B's start of its execution (a timeout): nothing after it runs, nothing is given back.
    const killed = { ...d.enrol(A, runAt), runner: { start: async () => Promise.reject(new Error('killed')), stop: async () => {} } as JourneyRunner };
    const dead = new Proxy(d.store, {
      get: (t, p, r) => (p === 'releaseEvent' ? async () => Promise.reject(new Error('killed')) : Reflect.get(t, p, r)?.bind?.(t) ?? Reflect.get(t, p, r)),
    });
    await expect(runScheduledSelection(winBack, runAt, [B], { ...killed, store: dead })).rejects.toThrow('killed');
    expect(d.runner.started.has(name(B))).toBe(false);
    // Within the lease, another invocation leaves it alone.
    const soon = new Date(runAt.getTime() + 60_000);
    expect((await runScheduledSelection(winBack, soon, [B], d.enrol(A, soon))).map((r) => r.run)).toEqual(['skipped']);
    const nextDay = new Date(runAt.getTime() + 86_400_000);
    expect(nextDay.getTime() - runAt.getTime()).toBeGreaterThan(SEGMENT_LEASE_SECONDS * 1000);
    const next = await runScheduledSelection(winBack, nextDay, [A, B], d.enrol(A, nextDay));
    expect(next.map((r) => [r.tenant, r.run, r.started])).toEqual([
      [A, 'ran', 0],
      [B, 'resumed', 1],
      [B, 'ran', 0],
    ]);
    // The crashed run's own day: customers whose last order was 180 days before it.
    expect(next[1]!.day).toBe(ordered.toISOString().slice(0, 10));
    // Started as of the crashed run's first claim.
    expect(d.runner.started.get(name(B))).toMatchObject({ tenant: B, key: `${runAt.toISOString().slice(0, 10)}.${customerIdFor(B, { email: EMAIL })}` });
    expect(d.log.lines.some((l) => l.includes('"code":"SEGMENT_RUN_RESUMED"'))).toBe(true);
  });
});
