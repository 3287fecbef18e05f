import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import type { JourneyInput, JourneyRunner, StateStore } from '../../functions/app/ports.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { EVENT_LEASE_SECONDS } from '../../functions/shared/config.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';
import { loadJourneys } from '../../workflows/src/load.ts';

/**
 * An event whose attempt is killed at any of its store or runner calls (the process gone: nothing
 * after the crash runs, the lease is not given back) ends, once redelivered after the lease, in the
 * state one uninterrupted delivery leaves: the same customers, carts, orders, invoices, enrolments,
 * decisions and executions.
 */
const T = new Date('2026-03-30T10:00:00Z');
const NIGHT = new Date('2026-03-30T22:30:00Z');
const TENANT = 'shop-a';

class Crash extends Error {
  override name = 'Crash';
}

/** Executions by name: the input each was started with, and whether it was stopped (a stop is idempotent). */
class Executions implements JourneyRunner {
  readonly runs = new Map<string, { journey: string; input: JourneyInput; stopped?: string }>();
  async start(journey: string, name: string, input: JourneyInput): Promise<'started' | 'exists'> {
    if (this.runs.has(name)) return 'exists';
    this.runs.set(name, { journey, input });
    return 'started';
  }
  async stop(_journey: string, name: string, reason: string): Promise<void> {
    const run = this.runs.get(name);
    if (run) run.stopped ??= reason;
  }
}

/** Calls through `target` until call number `at` (counted across every wrapped object), which throws, as does every call after it. */
function crashing<T extends object>(target: T, clock: { calls: number; at: number }): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver);
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        if (clock.calls++ >= clock.at) throw new Crash(`killed at call ${clock.at}`);
        return v.apply(t, args);
      };
    },
  });
}

/** The shipped journeys, and one on each trigger none of them uses. */
const JOURNEYS = [
  ...loadJourneys(),
  ...(['order.fulfilled', 'customer.created', 'quiz.completed'] as const).map((trigger, i) =>
    JourneyConfig.parse({ id: `extra-${i}`, name: trigger, trigger, topic: 'service', steps: [{ id: 'one', after: 'PT1H', channel: 'email', template: 'followup-check-in' }] }),
  ),
];

function deps(store: StateStore, runner: JourneyRunner, now: Date): EnrolDeps {
  return { config: { tenant: TENANT }, store, journeys: JOURNEYS, runner, clock: { now: () => now }, log: silentLog };
}

const contact = (email: string) => ({ email, firstName: 'Zofia', consent: { emailMarketing: true } });
const base = (key: string, email: string | undefined, at = T) => ({ key, source: 'api' as const, occurredAt: at.toISOString(), customer: email ? contact(email) : {} });
const checkout = (key: string, email: string, token: string, completed = false, at = T): DomainEvent => ({
  ...base(key, email, at),
  type: 'checkout.updated',
  checkout: { token, items: [{ title: 'Kubek', quantity: 1, price: '49.90' }], total: '49.90', currency: 'PLN', completed },
});
const order = (key: string, email: string, id: string, checkoutToken?: string): DomainEvent => ({
  ...base(key, email),
  type: 'order.placed',
  order: { id, checkoutToken, total: '49.90', currency: 'PLN', items: [{ title: 'Kubek', quantity: 1, price: '49.90', category: 'kuchnia' }] },
});
const orderChange = (key: string, email: string | undefined, type: 'order.fulfilled' | 'order.delivered' | 'order.cancelled' | 'order.refunded', id: string): DomainEvent =>
  ({ ...base(key, email), type, order: { id, ...(type === 'order.fulfilled' ? { trackingUrl: 'https://track.example.pl/1' } : {}) } }) as DomainEvent;
const created = (key: string, email: string): DomainEvent => ({ ...base(key, email), type: 'customer.created', customer: { ...contact(email), attributes: { roast: 'dark' } } });
const quiz = (key: string, email: string): DomainEvent => ({ ...base(key, email), type: 'custom', name: 'quiz.completed', subjectKey: 'quiz-1', properties: { score: 7 }, personal: { email: 'quiz@example.pl' } });
const payment = (key: string, email: string, type: 'payment.failed' | 'payment.succeeded', invoiceId: string): DomainEvent =>
  ({ ...base(key, email), type, payment: { invoiceId, amount: '120.00', currency: 'PLN' } }) as DomainEvent;

interface Scenario {
  name: string;
  before: DomainEvent[];
  /** Messages a journey sent before the event, logged as its steps log them (what attribution credits). */
  sent?: { email: string; journey: string; key: string; at?: Date }[];
  event: DomainEvent;
  /** Applied at this time (quiet hours defer the first send: a decision is written). @default T */
  at?: Date;
}

const ZOFIA = 'zofia@example.pl';
const JAN = 'jan@example.pl';
const scenarios: Scenario[] = [
  { name: 'a checkout starts the cart journey', before: [], event: checkout('e', ZOFIA, 'tok-1') },
  { name: 'a checkout at night defers its first reminder (a decision)', before: [], event: checkout('e', ZOFIA, 'tok-1', false, NIGHT), at: NIGHT },
  { name: 'a completed checkout ends the cart journey', before: [checkout('b1', ZOFIA, 'tok-1')], event: checkout('e', ZOFIA, 'tok-1', true) },
  { name: 'an order ends every cart journey of the customer and starts post-purchase', before: [checkout('b1', ZOFIA, 'tok-1'), checkout('b2', ZOFIA, 'tok-2')], event: order('e', ZOFIA, 'o-1', 'tok-1') },
  { name: 'an order ends the cart journey of another customer’s checkout', before: [checkout('b1', JAN, 'tok-1')], event: order('e', ZOFIA, 'o-1', 'tok-1') },
  { name: 'an order after its cancellation is recorded closed and starts nothing', before: [orderChange('b1', ZOFIA, 'order.cancelled', 'o-1')], event: order('e', ZOFIA, 'o-1') },
  { name: 'a delivery starts the follow-up', before: [order('b1', ZOFIA, 'o-1')], event: orderChange('e', ZOFIA, 'order.delivered', 'o-1') },
  { name: 'a cancellation ends post-purchase and the follow-up', before: [order('b1', ZOFIA, 'o-1'), orderChange('b2', ZOFIA, 'order.delivered', 'o-1')], event: orderChange('e', ZOFIA, 'order.cancelled', 'o-1') },
  { name: 'a refund naming only the order finds its owner', before: [order('b1', ZOFIA, 'o-1')], event: orderChange('e', undefined, 'order.refunded', 'o-1') },
  { name: 'a fulfilment naming only the order records it on the owner’s order and starts its journey', before: [order('b1', ZOFIA, 'o-1')], event: orderChange('e', undefined, 'order.fulfilled', 'o-1') },
  { name: 'a delivery naming only the order starts the follow-up of its owner', before: [order('b1', ZOFIA, 'o-1')], event: orderChange('e', undefined, 'order.delivered', 'o-1') },
  { name: 'a new customer with an attribute starts the welcome', before: [], event: created('e', ZOFIA) },
  { name: 'a catalogue event starts its journey with its properties', before: [], event: quiz('e', ZOFIA) },
  { name: 'a failed payment starts dunning', before: [], event: payment('e', ZOFIA, 'payment.failed', 'in-1') },
  { name: 'a payment ends dunning', before: [payment('b1', ZOFIA, 'payment.failed', 'in-1')], event: payment('e', ZOFIA, 'payment.succeeded', 'in-1') },
  {
    name: 'an order of a reminded cart is the cart journey’s conversion',
    before: [checkout('b1', ZOFIA, 'tok-1')],
    sent: [{ email: ZOFIA, journey: 'abandoned-cart', key: 'tok-1' }],
    event: order('e', ZOFIA, 'o-1', 'tok-1'),
  },
  {
    name: 'a refund takes the revenue of a credited order back',
    before: [checkout('b1', ZOFIA, 'tok-1'), order('b2', ZOFIA, 'o-1', 'tok-1')],
    sent: [{ email: ZOFIA, journey: 'abandoned-cart', key: 'tok-1', at: new Date(T.getTime() - 3_600_000) }],
    event: orderChange('e', undefined, 'order.refunded', 'o-1'),
  },
  {
    name: 'a payment after a reminder is dunning’s conversion',
    before: [payment('b1', ZOFIA, 'payment.failed', 'in-1')],
    sent: [{ email: ZOFIA, journey: 'dunning', key: 'in-1' }],
    event: payment('e', ZOFIA, 'payment.succeeded', 'in-1'),
  },
];

/** Everything the scenario could have touched, read through the ports. */
async function snapshot(store: StateStore, runner: Executions): Promise<unknown> {
  const customers = [ZOFIA, JAN].map((email) => customerIdFor(TENANT, { email })!);
  // A consent's `version` counts its writes (the condition of the next one), not its state: a statement
  // applied again writes the same state under the next version.
  const withoutVersions = (exported: Record<string, unknown>) => ({
    ...exported,
    consents: (exported['consents'] as Record<string, unknown>[] | undefined)?.map(({ version: _version, ...c }) => c),
  });
  return {
    customers: (await Promise.all(customers.map((c) => store.exportCustomer(TENANT, c)))).map(withoutVersions),
    carts: await Promise.all(['tok-1', 'tok-2'].map((t) => store.getCart(TENANT, t))),
    owner: await store.findOrderOwner(TENANT, 'o-1'),
    invoice: await store.getInvoice(TENANT, 'in-1'),
    executions: Object.fromEntries([...runner.runs].sort(([a], [b]) => a.localeCompare(b))),
    counters: await Promise.all(['abandoned-cart', 'dunning'].map((j) => store.journeyCounters(TENANT, j))),
    claim: await store.claimEvent(TENANT, 'e', new Date(T.getTime() + 86_400_000), EVENT_LEASE_SECONDS),
  };
}

async function prepared(s: Scenario): Promise<{ store: MemoryStore; runner: Executions }> {
  const store = new MemoryStore();
  const runner = new Executions();
  const sent = [...(s.sent ?? [])];
  for (const e of s.before) {
    await acceptEvents([e], deps(store, runner, new Date(Date.parse(e.occurredAt) - 60_000)));
    // A reminder goes out once its journey has started (before any later event of the scenario).
    for (const m of sent.splice(0)) {
      const at = (m.at ?? new Date(T.getTime() - 30 * 60_000)).toISOString();
      const name = executionName(m.journey, TENANT, m.key);
      await store.recordDecision(TENANT, customerIdFor(TENANT, { email: m.email })!, { at, journey: m.journey, step: 'reminder', executionName: name, channel: 'email', outcome: 'sent', template: 'cart-reminder-1', locale: 'pl' });
    }
  }
  return { store, runner };
}

describe('an event killed halfway is completed by its redelivery after the lease', () => {
  it.each(scenarios)('$name', async (s) => {
    const at = s.at ?? T;
    const afterLease = new Date(at.getTime() + (EVENT_LEASE_SECONDS + 1) * 1000);
    const reference = await prepared(s);
    const [expected] = (await acceptEvents([s.event], deps(reference.store, reference.runner, at))).events;
    const want = await snapshot(reference.store, reference.runner);
    // The scenarios with a message before the goal are about its conversion: there is one to keep.
    if (s.sent) expect(JSON.stringify(want)).toContain('"converted":1');
    // Killed before the claim, the redelivery is the first delivery: compare with one at its time.
    const late = await prepared(s);
    await acceptEvents([s.event], deps(late.store, late.runner, afterLease));
    const wantLate = await snapshot(late.store, late.runner);

    let k = 0;
    for (; ; k++) {
      const run = await prepared(s);
      const clock = { calls: 0, at: k };
      const killed = await acceptEvents([s.event], deps(crashing(run.store, clock), crashing(run.runner, clock), at)).then(
        () => false,
        (e: Error) => {
          if (!(e instanceof Crash)) throw e;
          return true;
        },
      );
      if (!killed) break;
      // While the lease runs, a redelivery is told to come back: neither lost nor applied twice.
      if (k > 0) expect(await acceptEvents([s.event], deps(run.store, run.runner, new Date(at.getTime() + 1000)))).toMatchObject({ duplicate: false, retryAfterSeconds: EVENT_LEASE_SECONDS, events: [{ key: 'e', status: 'in-progress' }] });
      const redelivered = await acceptEvents([s.event], deps(run.store, run.runner, afterLease));
      expect(redelivered.events, `killed at call ${k}`).toEqual([expected]);
      expect(await snapshot(run.store, run.runner), `killed at call ${k}`).toEqual(k === 0 ? wantLate : want);
      expect((await acceptEvents([s.event], deps(run.store, run.runner, afterLease))).events).toEqual([{ key: 'e', status: 'duplicate' }]);
    }
    // Every call was a crash point once (the claim, each effect, marking it done).
    expect(k).toBeGreaterThan(3);
  });
});
