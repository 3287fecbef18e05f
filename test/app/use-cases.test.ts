import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import { RecordingRunner } from '../support/recording-runner.ts';
import { eraseCustomers } from '../../functions/app/privacy.ts';
import { handleFeedback } from '../../functions/app/record-feedback.ts';
import { selectSegment } from '../../functions/app/select-segment.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { EVENT_LEASE_SECONDS } from '../../functions/shared/config.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { loadJourneys } from '../../workflows/src/load.ts';

/** Each use case on the in-memory backend: the rules without a server, the same storage contract. */
const T = new Date('2026-03-30T10:00:00Z');

function deps(now = T): EnrolDeps & { store: MemoryStore; runner: RecordingRunner } {
  return { config: { tenant: 'default' }, store: new MemoryStore(), journeys: loadJourneys(), runner: new RecordingRunner(), clock: { now: () => now }, log: silentLog };
}

const checkout = (key: string, email: string, token: string, consent = true): DomainEvent =>
  ({
    key,
    source: 'api',
    type: 'checkout.updated',
    occurredAt: T.toISOString(),
    customer: { email, consent: { emailMarketing: consent } },
    checkout: { token, items: [{ title: 'Kubek', quantity: 1, price: '49.90' }], total: '49.90', currency: 'PLN', completed: false },
  }) as DomainEvent;

const order = (key: string, email: string, id: string, checkoutToken?: string): DomainEvent =>
  ({ key, source: 'api', type: 'order.placed', occurredAt: T.toISOString(), customer: { email }, order: { id, checkoutToken, total: '49.90', currency: 'PLN', items: [] } }) as DomainEvent;

describe('ingest an event', () => {
  it('starts the cart journey once, however often the event or the checkout comes again', async () => {
    const d = deps();
    expect(await acceptEvents([checkout('e1', 'zofia@example.pl', 'tok-1')], d)).toEqual({ duplicate: false, events: [{ key: 'e1', status: 'journey-started' }] });
    expect(await acceptEvents([checkout('e1', 'zofia@example.pl', 'tok-1')], d)).toEqual({ duplicate: true, events: [{ key: 'e1', status: 'duplicate' }] });
    expect((await acceptEvents([checkout('e2', 'zofia@example.pl', 'tok-1')], d)).events[0]!.status).toBe('cart-updated');
    expect([...d.runner.started.keys()]).toEqual([executionName('abandoned-cart', 'default', 'tok-1')]);
  });

  it('an order with the checkout token ends the cart journey and starts post-purchase', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', 'zofia@example.pl', 'tok-1')], d);
    expect((await acceptEvents([order('e2', 'zofia@example.pl', 'o-1', 'tok-1')], d)).events[0]!.status).toBe('order-recorded');
    expect(d.runner.stopped).toEqual([executionName('abandoned-cart', 'default', 'tok-1')]);
    expect(d.runner.started.has(executionName('post-purchase', 'default', 'o-1'))).toBe(true);
    const customerId = customerIdFor('default', { email: 'zofia@example.pl' })!;
    expect(await d.store.getEnrolment('default', customerId, 'abandoned-cart', 'tok-1')).toMatchObject({ status: 'goal-reached' });
  });

  it('an order that came before its checkout leaves no cart journey', async () => {
    const d = deps();
    await acceptEvents([order('e1', 'zofia@example.pl', 'o-1', 'tok-1')], d);
    expect((await acceptEvents([checkout('e2', 'zofia@example.pl', 'tok-1')], d)).events[0]!.status).toBe('already-ordered');
    expect(d.runner.started.has(executionName('abandoned-cart', 'default', 'tok-1'))).toBe(false);
  });

  it('while another attempt holds the lease, a redelivery is neither applied nor a duplicate: retry after the lease', async () => {
    const d = deps();
    await d.store.claimEvent('default', 'e1', T, EVENT_LEASE_SECONDS);
    expect(await acceptEvents([checkout('e1', 'zofia@example.pl', 'tok-1')], d)).toEqual({ duplicate: false, retryAfterSeconds: EVENT_LEASE_SECONDS + 1, events: [{ key: 'e1', status: 'in-progress' }] });
    expect(d.runner.started.size).toBe(0);
    const afterLease = deps(new Date(T.getTime() + (EVENT_LEASE_SECONDS + 1) * 1000));
    expect((await acceptEvents([checkout('e1', 'zofia@example.pl', 'tok-1')], { ...afterLease, store: d.store })).events[0]!.status).toBe('journey-started');
  });

  it('gives the event back when applying it fails, so the redelivery is processed', async () => {
    const d = deps();
    const failing = Object.assign(new RecordingRunner(), {
      start: async () => {
        throw new Error('Step Functions unavailable');
      },
    });
    await expect(acceptEvents([checkout('e1', 'zofia@example.pl', 'tok-1')], { ...d, runner: failing })).rejects.toThrow('unavailable');
    expect((await acceptEvents([checkout('e1', 'zofia@example.pl', 'tok-1')], d)).events[0]!.status).toBe('journey-started');
  });
});

describe('erase a customer', () => {
  it('stops their running journeys and removes their data, keeping only the proof of consent and a hashed suppression', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', 'zofia@example.pl', 'tok-1')], d);
    const customerId = customerIdFor('default', { email: 'zofia@example.pl' })!;
    expect(await eraseCustomers({ customerId }, d)).toEqual({ erased: [customerId], stopped: 1 });
    expect(d.runner.stopped).toEqual([executionName('abandoned-cart', 'default', 'tok-1')]);
    const left = await d.store.exportCustomer('default', customerId);
    expect(left).toMatchObject({ profile: null, carts: [], journeys: [], messages: [] });
    expect(JSON.stringify(left)).not.toContain('zofia@example.pl');
    expect(await d.store.isSuppressed('default', 'email', 'Zofia@Example.pl ')).toBe(true);
  });

  it('a customer back after an erasure is enrolled under a new execution name, never the stopped one', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', 'zofia@example.pl', 'tok-1')], d);
    const customerId = customerIdFor('default', { email: 'zofia@example.pl' })!;
    await eraseCustomers({ customerId }, d);
    // Step Functions keeps a closed execution's name for 90 days: starting it again would only answer "exists".
    const first = executionName('abandoned-cart', 'default', 'tok-1');
    expect((await acceptEvents([checkout('e2', 'zofia@example.pl', 'tok-1')], d)).events[0]!.status).toBe('journey-started');
    const enrolment = await d.store.getEnrolment('default', customerId, 'abandoned-cart', 'tok-1');
    expect(enrolment).toMatchObject({ status: 'active' });
    expect(enrolment!.executionName).not.toBe(first);
    expect([...d.runner.started.keys()]).toEqual([first, enrolment!.executionName]);
    // The same event again after a crash names the same execution.
    expect(executionName('abandoned-cart', 'default', 'tok-1', (await d.store.identify('default', { customerIds: [customerId] }, T.toISOString())).erasedAt)).toBe(enrolment!.executionName);
  });
});

describe('record delivery feedback', () => {
  it('a hard bounce suppresses the address, a soft one does not', async () => {
    const d = deps();
    const bounce = (type: string, to: string) => ({ eventType: 'Bounce', bounce: { bounceType: type, bouncedRecipients: [{ emailAddress: to }] } });
    expect(await handleFeedback(bounce('Permanent', 'hard@example.pl'), { tenant: 'default', store: d.store, clock: d.clock, log: silentLog })).toEqual({ kind: 'bounce', suppressed: 1 });
    await handleFeedback(bounce('Transient', 'soft@example.pl'), { tenant: 'default', store: d.store, clock: d.clock, log: silentLog });
    expect(await d.store.isSuppressed('default', 'email', 'hard@example.pl')).toBe(true);
    expect(await d.store.isSuppressed('default', 'email', 'soft@example.pl')).toBe(false);
  });
});

describe('select a segment', () => {
  it('starts win-back for customers whose last order was 180 days before the run, once', async () => {
    const ordered = new Date('2025-10-01T12:00:00Z');
    const d = deps(ordered);
    await acceptEvents([{ ...order('e1', 'dormant@example.pl', 'o-old'), occurredAt: ordered.toISOString() } as DomainEvent], d);
    // Accepted when it happened: the engine takes no event from its future.
    await acceptEvents([{ ...order('e2', 'recent@example.pl', 'o-new'), occurredAt: '2026-03-01T12:00:00Z' } as DomainEvent], { ...d, clock: { now: () => new Date('2026-03-01T12:00:00Z') } });
    const winBack = d.journeys.find((j) => j.id === 'win-back')!;
    const runAt = new Date(ordered.getTime() + 180 * 86_400_000);
    const later = { ...d, clock: { now: () => runAt } };
    expect(await selectSegment(winBack, runAt, later)).toMatchObject({ matched: 1, started: 1 });
    expect(await selectSegment(winBack, runAt, later)).toMatchObject({ matched: 1, started: 0 });
  });
});

describe('out-of-order closing of an order', () => {
  it('a cancellation before its order: the order is recorded, closed and counted, and no journey starts', async () => {
    const d = deps();
    const cancelled = { key: 'e1', source: 'api', type: 'order.cancelled', occurredAt: T.toISOString(), customer: { email: 'zofia@example.pl' }, order: { id: 'o-1' } } as DomainEvent;
    expect((await acceptEvents([cancelled], d)).events[0]!.status).toBe('order-closed');
    expect((await acceptEvents([order('e2', 'zofia@example.pl', 'o-1')], d)).events[0]!.status).toBe('order-closed');
    const customerId = customerIdFor('default', { email: 'zofia@example.pl' })!;
    expect(await d.store.getOrder('default', customerId, 'o-1')).toMatchObject({ id: 'o-1', total: '49.90', status: 'cancelled', placedAt: T.toISOString() });
    expect(await d.store.findOrderOwner('default', 'o-1')).toBe(customerId);
    expect(await d.store.getCustomer('default', customerId)).toMatchObject({ orderCount: 1 });
    expect(d.runner.started.size).toBe(0);
  });
});
