import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EmailMessage, Mailer, SmsMessage, SmsSender, StateStore } from '../../functions/app/ports.ts';
import { PermanentSendError } from '../../functions/app/ports.ts';
import { runStep, type StepConfig, type StepDeps } from '../../functions/app/run-step.ts';
import type { Decision } from '../../functions/core/model.ts';
import type { StepInput } from '../../functions/core/step-payload.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { loadJourneys, loadTemplates } from '../../workflows/src/load.ts';

/**
 * The send path of the step use case on the memory backend: the frequency cap taken with the
 * send's claim, the intent written before the provider call and its outcome after, and the SMS
 * cap counted in billed parts.
 */
const T = new Date('2026-06-02T08:00:00Z');
const TENANT = 'default';
const CUSTOMER = 'c_1';
const templates = loadTemplates();
const journeys = loadJourneys();

type Kind = 'cart' | 'order' | 'winback' | 'dunning' | 'cart-sms';

/** A customer with an address, a number and marketing consent on both channels. */
async function customer(store: StateStore, id = CUSTOMER): Promise<void> {
  await store.upsertCustomer(TENANT, id, { email: `${id}@example.pl`, phone: '+48600100200', firstName: 'Zofia', locale: 'pl' }, T.toISOString());
  await store.recordConsent(TENANT, id, 'email', 'marketing', { kind: 'opt-in', granted: true, at: T.toISOString(), source: 'api', eventKey: `consent-email-${id}` }, T);
  await store.recordConsent(TENANT, id, 'sms', 'marketing', { kind: 'opt-in', granted: true, at: T.toISOString(), source: 'api', eventKey: `consent-sms-${id}` }, T);
}

/** One enrolled step of a journey, with its subject stored: what a Task state would send. */
async function step(store: StateStore, kind: Kind, n: number, id = CUSTOMER): Promise<StepInput> {
  const key = `${kind}-${n}`;
  const at = T.toISOString();
  const base = { version: 2 as const, last: false, executionName: `${kind}-exec-${n}-${id}`, topic: 'marketing' as const };
  const enrol = async (journey: string) => {
    await store.createEnrolment(TENANT, id, { journey, key, executionName: base.executionName, startedAt: at });
    return { version: 1 as const, tenant: TENANT, customerId: id, journey, key };
  };
  const checkout = { token: key, items: [{ title: 'Kubek', quantity: 1, price: '49.90' }], total: '49.90', currency: 'PLN', recoveryUrl: `https://sklep.example.pl/k/${key}`, completed: false };
  switch (kind) {
    case 'cart':
    case 'cart-sms':
      await store.putCart(TENANT, id, checkout, at);
      return { ...base, journey: 'abandoned-cart', trigger: 'checkout', step: 'first-reminder', channel: kind === 'cart' ? 'email' : 'sms', template: 'cart-reminder-1', enrolment: await enrol('abandoned-cart') };
    case 'order':
      await store.putOrder(TENANT, id, { id: key, total: '49.90', currency: 'PLN', items: [{ title: 'Kubek', quantity: 1, price: '49.90', category: 'Kawa' }] }, at);
      return { ...base, journey: 'post-purchase', trigger: 'order.placed', step: 'how-to-use', channel: 'email', template: 'education-general', templateByCategory: { Kawa: 'education-coffee' }, enrolment: await enrol('post-purchase') };
    case 'winback':
      return { ...base, journey: 'win-back', trigger: 'schedule', step: 'we-miss-you', channel: 'email', template: 'winback-miss-you', enrolment: await enrol('win-back') };
    case 'dunning':
      await store.recordInvoiceFailure(TENANT, { invoiceId: key, customerId: id, amount: '120.00', currency: 'PLN' }, at);
      return { ...base, topic: 'service', journey: 'dunning', trigger: 'payment.failed', step: 'email-reminder', channel: 'email', template: 'dunning-email', enrolment: await enrol('dunning') };
  }
}

interface World {
  store: StateStore;
  emails: EmailMessage[];
  sms: SmsMessage[];
  deps: (o?: { mailer?: Mailer; sms?: SmsSender; store?: StateStore; config?: Partial<StepConfig> }) => StepDeps;
  decisions: (id?: string) => Promise<Decision[]>;
}

function world(config: Partial<StepConfig> = {}): World {
  const store = new MemoryStore();
  const emails: EmailMessage[] = [];
  const sms: SmsMessage[] = [];
  const mailer: Mailer = { send: async (m) => ({ messageId: `mail-${emails.push(m)}` }) };
  const smsSender: SmsSender = { send: async (m) => ({ messageId: `sms-${sms.push(m)}` }) };
  return {
    store,
    emails,
    sms,
    deps: (o = {}) => ({
      config: { shopName: 'Sklep', publicUrl: 'https://api.example.pl', unsubscribeSecret: 'unsubscribe-secret-123456', ...config, ...o.config },
      store: o.store ?? store,
      mailer: o.mailer ?? mailer,
      sms: o.sms ?? smsSender,
      events: { taskCreated: async () => undefined },
      templates,
      journeys,
      clock: { now: () => T },
      log: silentLog,
    }),
    decisions: (id = CUSTOMER) => store.listDecisions(TENANT, id),
  };
}

/** The process died: every port call from now on fails, as nothing after a crash reaches the store. */
class ProcessCrash extends Error {
  override name = 'ProcessCrash';
}

/** A store that stops working once `crash()` is called, and a mailer/SMS sender that sends, then crashes the process. */
function crashing(w: World) {
  let crashed = false;
  const store = new Proxy(w.store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (crashed) return Promise.reject(new ProcessCrash('the process is gone'));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const crashAfter =
    <M>(send: (m: M) => Promise<{ messageId: string | undefined }>) =>
    async (m: M) => {
      await send(m);
      crashed = true;
      throw new ProcessCrash('killed between the provider call and the outcome write');
    };
  return { store, crashAfter };
}

const reasons = (ds: Decision[]) => ds.map((d) => d.reason ?? d.outcome);

describe('frequency cap taken with the send claim', () => {
  it('many steps of different journeys for one customer at once send at most the cap; the rest record frequency_cap', async () => {
    const w = world({ frequencyCap: { max: 3, days: 7 } });
    await customer(w.store);
    const kinds: Kind[] = ['cart', 'order', 'winback', 'cart', 'order', 'winback', 'cart', 'order', 'winback', 'dunning', 'dunning'];
    const inputs = await Promise.all(kinds.map((k, i) => step(w.store, k, i)));
    const results = await Promise.all(inputs.map((input) => runStep(input, w.deps())));

    const marketing = results.filter((_, i) => kinds[i] !== 'dunning');
    expect(marketing.filter((r) => r.outcome === 'sent')).toHaveLength(3);
    expect(marketing.filter((r) => r.reason === 'frequency_cap')).toHaveLength(6);
    // Service messages take no slot.
    expect(results.filter((_, i) => kinds[i] === 'dunning').map((r) => r.outcome)).toEqual(['sent', 'sent']);
    expect(w.emails).toHaveLength(5);
    const decisions = await w.decisions();
    expect(decisions).toHaveLength(kinds.length);
    expect(new Set(decisions.map((d) => d.executionName)).size).toBe(kinds.length);
    expect(decisions.filter((d) => d.topic === 'marketing' && d.outcome === 'sent')).toHaveLength(3);
    expect(decisions.filter((d) => d.reason === 'frequency_cap')).toHaveLength(6);
  });

  it('gives the slot back when nothing went out: throttled (then retried), refused for good, or over the SMS cap', async () => {
    const w = world({ frequencyCap: { max: 1, days: 7 }, smsDailyCap: 1 });
    await customer(w.store);
    const [throttledCart, winback, order, smsCart, cart] = await Promise.all((['cart', 'winback', 'order', 'cart-sms', 'cart'] as Kind[]).map((k, i) => step(w.store, k, i)));
    const throttled: Mailer = { send: async () => Promise.reject(Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' })) };
    await expect(runStep(throttledCart!, w.deps({ mailer: throttled }))).rejects.toThrow('Maximum sending rate');
    const refused: Mailer = { send: async () => Promise.reject(new PermanentSendError('MessageRejected')) };
    expect(await runStep(winback!, w.deps({ mailer: refused }))).toMatchObject({ outcome: 'suppressed', reason: 'rejected_by_provider' });
    // The SMS is longer than the whole daily cap of 1 part: refused before it goes, slot given back.
    expect(await runStep(smsCart!, w.deps())).toMatchObject({ outcome: 'suppressed', reason: 'sms_daily_cap' });
    expect(await runStep(order!, w.deps())).toMatchObject({ outcome: 'sent' });
    // The slot is taken now: the throttled step's retry, and any other, is over the cap.
    expect(await runStep(throttledCart!, w.deps())).toMatchObject({ outcome: 'suppressed', reason: 'frequency_cap' });
    expect(await runStep(cart!, w.deps())).toMatchObject({ outcome: 'suppressed', reason: 'frequency_cap' });
    expect(w.emails).toHaveLength(1);
    expect(w.sms).toHaveLength(0);
  });

  it('holds under any interleaving of the steps’ storage calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.constantFrom<Kind>('cart', 'order', 'winback', 'dunning'), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        async (s, kinds, max) => {
          const w = world({ frequencyCap: { max, days: 7 } });
          await customer(w.store);
          const inputs = await Promise.all(kinds.map((k, i) => step(w.store, k, i)));
          // Every port call waits for the scheduler: the property sees the steps' calls in any order.
          const store = new Proxy(w.store, {
            get(target, prop, receiver) {
              const v = Reflect.get(target, prop, receiver);
              if (typeof v !== 'function') return v;
              return (...args: unknown[]) => s.schedule(Promise.resolve(), String(prop)).then(() => (v as (...a: unknown[]) => unknown).apply(target, args));
            },
          });
          const results = await s.waitFor(Promise.all(inputs.map((input) => runStep(input, w.deps({ store })))));
          const marketing = kinds.filter((k) => k !== 'dunning').length;
          expect(results.filter((r, i) => kinds[i] !== 'dunning' && r.outcome === 'sent')).toHaveLength(Math.min(marketing, max));
          expect(results.filter((r) => r.reason === 'frequency_cap')).toHaveLength(Math.max(0, marketing - max));
          expect(results.filter((r, i) => kinds[i] === 'dunning' && r.outcome === 'sent')).toHaveLength(kinds.length - marketing);
          expect(w.emails).toHaveLength(Math.min(marketing, max) + kinds.length - marketing);
          expect(await w.decisions()).toHaveLength(kinds.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('send intent before the provider call, outcome after', () => {
  it('a crash between the e-mail going out and its outcome being written: one message, one delivery_uncertain, and the cap counts it', async () => {
    const w = world({ frequencyCap: { max: 1, days: 7 } });
    await customer(w.store);
    const input = await step(w.store, 'cart', 1);
    const { store, crashAfter } = crashing(w);
    await expect(runStep(input, w.deps({ store, mailer: { send: crashAfter(w.deps().mailer.send) } }))).rejects.toThrow(ProcessCrash);
    expect(w.emails).toHaveLength(1);
    expect(await w.decisions()).toEqual([]);

    // The Task is retried with the same input.
    expect(await runStep(input, w.deps())).toEqual({ continue: true, outcome: 'suppressed', reason: 'delivery_uncertain' });
    expect(await runStep(input, w.deps())).toEqual({ continue: true, outcome: 'suppressed', reason: 'delivery_uncertain' });
    expect(w.emails).toHaveLength(1);
    const decisions = await w.decisions();
    expect(decisions).toEqual([expect.objectContaining({ executionName: input.executionName, outcome: 'suppressed', reason: 'delivery_uncertain', at: T.toISOString() })]);
    expect((await w.store.exportCustomer(TENANT, CUSTOMER))['sends']).toEqual([
      expect.objectContaining({ executionName: input.executionName, step: 'first-reminder', channel: 'email', template: 'cart-reminder-1', status: 'done', outcome: 'uncertain' }),
    ]);
    // It may have gone, so it holds its slot: the next marketing message is over the cap.
    expect(await runStep(await step(w.store, 'winback', 2), w.deps())).toMatchObject({ outcome: 'suppressed', reason: 'frequency_cap' });
    expect(w.emails).toHaveLength(1);
  });

  it('the same for an SMS', async () => {
    const w = world({ frequencyCap: { max: 1, days: 7 } });
    await customer(w.store);
    const input = await step(w.store, 'cart-sms', 1);
    const { store, crashAfter } = crashing(w);
    await expect(runStep(input, w.deps({ store, sms: { send: crashAfter(w.deps().sms.send) } }))).rejects.toThrow(ProcessCrash);
    expect(w.sms).toHaveLength(1);
    expect(await runStep(input, w.deps())).toEqual({ continue: true, outcome: 'suppressed', reason: 'delivery_uncertain' });
    expect(await runStep(input, w.deps())).toEqual({ continue: true, outcome: 'suppressed', reason: 'delivery_uncertain' });
    expect(w.sms).toHaveLength(1);
    expect(reasons(await w.decisions())).toEqual(['delivery_uncertain']);
    expect((await w.decisions())[0]).toMatchObject({ channel: 'sms', template: 'cart-reminder-1' });
    expect(await runStep(await step(w.store, 'cart', 2), w.deps())).toMatchObject({ outcome: 'suppressed', reason: 'frequency_cap' });
  });

  it('a crash after the outcome but before the decision: the rerun writes the decision it stood for, once, and sends nothing', async () => {
    const w = world();
    await customer(w.store);
    const input = await step(w.store, 'cart', 1);
    const failing = new Proxy(w.store, {
      get(target, prop, receiver) {
        if (prop === 'recordDecision') return () => Promise.reject(new ProcessCrash('the process is gone'));
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    await expect(runStep(input, w.deps({ store: failing }))).rejects.toThrow(ProcessCrash);
    expect(await runStep(input, w.deps())).toEqual({ continue: true, outcome: 'sent' });
    expect(await runStep(input, w.deps())).toEqual({ continue: true, outcome: 'sent' });
    expect(w.emails).toHaveLength(1);
    expect(await w.decisions()).toEqual([expect.objectContaining({ outcome: 'sent', messageId: 'mail-1', subject: w.emails[0]!.subject })]);
  });
});

describe('SMS daily cap in billed parts', () => {
  it('a message of several parts takes that many of the cap', async () => {
    // Measure the message first: the cap is then set to exactly its parts.
    const probe = world();
    await customer(probe.store);
    await runStep(await step(probe.store, 'cart-sms', 1), probe.deps());
    const parts = (await probe.decisions())[0]!.segments!;
    expect(parts).toBeGreaterThanOrEqual(2);

    const w = world({ smsDailyCap: parts });
    await customer(w.store);
    await customer(w.store, 'c_2');
    expect(await runStep(await step(w.store, 'cart-sms', 1), w.deps())).toMatchObject({ outcome: 'sent' });
    // A message count would let this one through (1 of `parts`); billed parts do not.
    expect(await runStep(await step(w.store, 'cart-sms', 2, 'c_2'), w.deps())).toMatchObject({ outcome: 'suppressed', reason: 'sms_daily_cap' });
    expect(w.sms).toHaveLength(1);
    expect(reasons(await w.decisions('c_2'))).toEqual(['sms_daily_cap']);
  });
});
