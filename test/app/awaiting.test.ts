import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import { resumeAwaiting } from '../../functions/app/awaiting.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import type { JourneyInput, JourneyRunner } from '../../functions/app/ports.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';
import { loadCatalogue } from '../../workflows/src/load.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

const T = '2026-06-01T10:00:00.000Z';
const EMAIL = 'ala@example.pl';
const customerId = customerIdFor('default', { email: EMAIL })!;

function world(journeys: JourneyConfig[], runner: JourneyRunner & { started: Map<string, JourneyInput> } = new RecordingRunner()) {
  const store = new MemoryStore();
  const deps: EnrolDeps = { config: { tenant: 'default' }, store, journeys, catalogue: loadCatalogue(), runner, clock: { now: () => new Date(T) }, log: silentLog };
  const continuations = () => [...runner.started.values()].filter((i) => i.entry !== undefined);
  return { store, deps, runner, continuations };
}

const payment = (type: 'payment.failed' | 'payment.succeeded', invoiceId: string): DomainEvent =>
  ({ key: `${type}-${invoiceId}`, source: 'api', occurredAt: T, customer: { email: EMAIL }, type, payment: { invoiceId, amount: '50.00', currency: 'PLN' } }) as DomainEvent;
const checkout = (token: string): DomainEvent =>
  ({ key: `c-${token}`, source: 'api', occurredAt: T, customer: { email: EMAIL }, type: 'checkout.updated', checkout: { token, total: '80.00', currency: 'PLN', items: [] } }) as unknown as DomainEvent;

describe('an awaited event wakes only the journey about the same item', () => {
  /** A journey that waits at `wait` for `event`, reminding on the timeout and ending on the event. */
  const waiting = (id: string, trigger: string, wait: string, event: string, timeout: string) =>
    JourneyConfig.parse({
      id,
      name: id,
      trigger,
      topic: 'service',
      nodes: [
        { id: wait, waitFor: { event, timeout, onEvent: 'done', onTimeout: 'remind' } },
        { id: 'remind', send: { channel: 'email', template: 'welcome-hello' } },
        { id: 'done', exit: true },
      ],
    });
  const dunning = waiting('dunning-wait', 'payment.failed', 'paid', 'payment.succeeded', 'P3D');

  it("paying invoice A resumes A's journey and leaves B's reminders be", async () => {
    const w = world([dunning]);
    await acceptEvents([payment('payment.failed', 'A'), payment('payment.failed', 'B')], w.deps);
    for (const k of ['A', 'B']) await w.store.markEnrolment('default', customerId, 'dunning-wait', k, { awaiting: { node: 'paid', event: 'payment.succeeded', since: T, until: T } });
    await acceptEvents([payment('payment.succeeded', 'A')], w.deps);
    expect(w.continuations().map((i) => i.key)).toEqual(['A']);
    expect((await w.store.getEnrolment('default', customerId, 'dunning-wait', 'B'))?.awaiting?.node).toBe('paid');
  });

  it("a cart's update wakes the journey of that cart only", async () => {
    const carts = waiting('cart-wait', 'checkout', 'changed', 'checkout.updated', 'PT1H');
    const w = world([carts]);
    for (const k of ['t1', 't2']) {
      await w.store.createEnrolment('default', customerId, { journey: 'cart-wait', key: k, executionName: `cart-wait-${k}`, startedAt: T });
      await w.store.markEnrolment('default', customerId, 'cart-wait', k, { awaiting: { node: 'changed', event: 'checkout.updated', since: T, until: T } });
    }
    await w.store.upsertCustomer('default', customerId, { email: EMAIL }, T);
    expect(await resumeAwaiting({ type: 'checkout.updated', key: 'u1' }, customerId, undefined, w.deps, checkout('t2'))).toBe(1);
    expect(w.continuations().map((i) => i.key)).toEqual(['t2']);
  });
});

describe('a continuation applied again after a crash', () => {
  it('goes on from the waitFor it was marked at, not the first one awaiting the event', async () => {
    const twoWaits = JourneyConfig.parse({
      id: 'two-waits',
      name: 'Two waits',
      trigger: 'order.placed',
      topic: 'service',
      nodes: [
        { id: 'w1', waitFor: { event: 'order.placed', timeout: 'P7D', onEvent: 'e1', onTimeout: 'w2' } },
        { id: 'w2', waitFor: { event: 'order.placed', timeout: 'P7D', onEvent: 'e2', onTimeout: 'end' } },
        { id: 'e1', send: { channel: 'email', template: 'welcome-hello' } },
        { id: 'e2', send: { channel: 'email', template: 'welcome-tips' } },
        { id: 'end', exit: true },
      ],
    });
    const real = new RecordingRunner();
    let crash = true;
    const runner = {
      started: real.started,
      start: async (journey: string, name: string, input: JourneyInput) => {
        if (crash && input.entry) throw new Error('crash before the start');
        return real.start(journey, name, input);
      },
      stop: (journey: string, name: string) => real.stop(journey, name),
    };
    const w = world([twoWaits], runner);
    const order = (id: string) => ({ key: `o-${id}`, source: 'api', occurredAt: T, customer: { email: EMAIL }, type: 'order.placed', order: { id, total: '10.00', currency: 'PLN', items: [] } }) as DomainEvent;
    await acceptEvents([order('o1')], w.deps);
    await w.store.markEnrolment('default', customerId, 'two-waits', 'o1', { awaiting: { node: 'w2', event: 'order.placed', since: T, until: T } });
    await expect(resumeAwaiting({ type: 'order.placed', key: 'o-o2' }, customerId, 'o2', w.deps, order('o2'))).rejects.toThrow('crash');
    crash = false;
    await resumeAwaiting({ type: 'order.placed', key: 'o-o2' }, customerId, 'o2', w.deps, order('o2'));
    expect(w.continuations().map((i) => i.entry)).toEqual(['e2']);
  });
});
