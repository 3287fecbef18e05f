import { describe, expect, it } from 'vitest';
import { makeStepHandler } from '../../functions/journey-step/handler.ts';
import type { StepDeps } from '../../functions/app/run-step.ts';
import type { StepInput } from '../../functions/core/step-payload.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import type { Log } from '../../functions/shared/logger.ts';
import { MemoryMetrics } from '../../functions/shared/metrics.ts';
import { type EmailMessage, PermanentSendError } from '../../functions/app/ports.ts';
import type { Store } from '../../functions/adapters/dynamo/store.ts';
import type { CartRecord, ConsentState, CustomerProfile, Decision, Enrolment, SendClaim, SendIntent, SendOutcome, SendRecord } from '../../functions/core/model.ts';
import { verifyUnsubscribeToken } from '../../functions/shared/unsubscribe-token.ts';
import { loadTemplates } from '../../workflows/src/load.ts';

/** A plain in-memory stand-in for the parts of the store a step uses. */
class FakeStore {
  customer: CustomerProfile | undefined = { customerId: 'c_1', email: 'zofia@example.pl', firstName: 'Zofia', locale: 'pl', updatedAt: '' };
  consent: ConsentState | undefined = { granted: true, at: '2026-01-01T00:00:00Z', source: 'api' };
  cart: CartRecord | undefined = { token: 't1', items: [{ title: 'Kubek', quantity: 1, price: '10.00' }], total: '10.00', currency: 'PLN', completed: false, status: 'open', updatedAt: '' };
  enrolment: Enrolment | undefined = { journey: 'abandoned-cart', key: 't1', executionName: 'e1', status: 'active', startedAt: '' };
  intents = new Map<string, SendRecord>();
  /** The frequency cap's slots: when each marketing send was claimed. */
  slots: string[] = [];
  suppressed = new Set<string>();
  decisions: Decision[] = [];
  async stepContext() {
    return { enrolment: this.enrolment, customer: this.customer, consent: { email: this.consent, sms: this.consent }, subject: this.cart };
  }
  async endEnrolment(_t: string, _c: string, _j: string, _k: string, status: Enrolment['status']) {
    if (this.enrolment?.status !== 'active') return false;
    this.enrolment = { ...this.enrolment, status };
    return true;
  }
  async claimSend(_t: string, _c: string, intent: SendIntent, cap?: { max: number; days: number }): Promise<SendClaim> {
    const k = `${intent.executionName}/${intent.step}`;
    const found = this.intents.get(k);
    if (found) return { kind: 'exists', record: found };
    if (cap) {
      if (this.slots.filter((at) => Date.parse(at) >= Date.parse(intent.at) - cap.days * 86_400_000).length >= cap.max) return { kind: 'capped' };
      this.slots.push(intent.at);
    }
    this.intents.set(k, { ...intent, status: 'claimed' });
    return { kind: 'claimed' };
  }
  async completeSend(_t: string, _c: string, e: string, s: string, outcome: SendOutcome) {
    const found = this.intents.get(`${e}/${s}`);
    if (found?.status === 'claimed') this.intents.set(`${e}/${s}`, { ...found, status: 'done', ...outcome });
  }
  async releaseSend(_t: string, _c: string, e: string, s: string) {
    this.intents.delete(`${e}/${s}`);
  }
  async recordDecision(_t: string, _c: string, d: Decision) {
    if (this.decisions.some((x) => x.at === d.at && x.executionName === d.executionName && x.step === d.step)) return false;
    this.decisions.push(d);
    return true;
  }
  async isSuppressed(_t: string, _channel: string, address: string) { return this.suppressed.has(address); }
  /** Read again once the step is done: nobody here is erased. */
  async identify() {
    return {};
  }
  async eraseCustomer() {
    throw new Error('no erasure in these tests');
  }
}

function setup(mailer?: (m: EmailMessage) => Promise<{ messageId: string }>, config: Partial<StepDeps['config']> = {}) {
  const store = new FakeStore();
  const sent: EmailMessage[] = [];
  const metrics = new MemoryMetrics();
  const logged: { level: string; code: string; fields?: Record<string, unknown> }[] = [];
  const log: Log = {
    info: (code, fields) => logged.push({ level: 'info', code, fields }),
    warn: (code, fields) => logged.push({ level: 'warn', code, fields }),
    error: (code, fields) => logged.push({ level: 'error', code, fields }),
  };
  const deps: StepDeps = {
    config: { shopName: 'Sklep', publicUrl: 'https://api.example.pl', unsubscribeSecret: 'unsubscribe-secret-123456', ...config },
    store: store as unknown as Store,
    mailer: { send: mailer ?? (async (m) => { sent.push(m); return { messageId: `m${sent.length}` }; }) },
    sms: { send: async () => ({ messageId: 's1' }) },
    events: { taskCreated: async () => undefined },
    templates: loadTemplates(),
    journeys: loadJourneys(),
    clock: { now: () => new Date('2026-03-30T10:00:00Z') },
    log,
    metrics,
  };
  return { store, sent, metrics, logged, handler: makeStepHandler(() => deps) };
}

const input: StepInput = {
  version: 2,
  journey: 'abandoned-cart',
  trigger: 'checkout',
  step: 'first-reminder',
  channel: 'email',
  template: 'cart-reminder-1',
  topic: 'marketing',
  last: false,
  executionName: 'e1',
  enrolment: { version: 1, tenant: 'default', customerId: 'c_1', journey: 'abandoned-cart', key: 't1' },
};

describe('journey step handler', () => {
  it('sends the Polish reminder with one-click unsubscribe headers and a valid token', async () => {
    const { sent, store, handler } = setup();
    await expect(handler(input)).resolves.toEqual({ continue: true, outcome: 'sent' });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('Zofio, Twoje zakupy czekają w koszyku');
    const header = (name: string) => sent[0]!.headers.find((h) => h.name === name)?.value;
    expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const url = /^<(https:\/\/api\.example\.pl\/unsubscribe\?token=[^>]+)>$/.exec(header('List-Unsubscribe') ?? '')?.[1];
    expect(url).toBeDefined();
    const token = new URL(url!).searchParams.get('token')!;
    expect(verifyUnsubscribeToken('unsubscribe-secret-123456', token, new Date('2026-03-30T10:00:00Z'))).toMatchObject({ ok: true, payload: { c: 'c_1', ch: 'email' } });
    expect(store.decisions).toEqual([expect.objectContaining({ outcome: 'sent', step: 'first-reminder', locale: 'pl' })]);
  });

  it('never sends marketing without consent, and says why', async () => {
    const { sent, store, handler } = setup();
    store.consent = { granted: false, at: '2026-01-01T00:00:00Z', source: 'shopify:checkout.updated' };
    await expect(handler(input)).resolves.toEqual({ continue: true, outcome: 'suppressed', reason: 'no_consent' });
    expect(sent).toHaveLength(0);
    expect(store.decisions[0]).toMatchObject({ outcome: 'suppressed', reason: 'no_consent' });
  });

  it('never sends to a suppressed (bounced, complained, erased) address', async () => {
    const { sent, store, handler } = setup();
    store.suppressed.add('zofia@example.pl');
    await expect(handler(input)).resolves.toMatchObject({ outcome: 'suppressed', reason: 'suppressed_address' });
    expect(sent).toHaveLength(0);
  });

  it('skips marketing over the frequency cap, with the reason', async () => {
    const { sent, store, handler } = setup();
    store.slots.push('2026-03-25T10:00:00Z', '2026-03-27T10:00:00Z', '2026-03-29T10:00:00Z');
    await expect(handler(input)).resolves.toMatchObject({ outcome: 'suppressed', reason: 'frequency_cap' });
    expect(sent).toHaveLength(0);
  });

  it('reports an unsubscribe as the reason when the withdrawal came from the link', async () => {
    const { store, handler } = setup();
    store.consent = { granted: false, at: '2026-01-01T00:00:00Z', source: 'unsubscribe-link' };
    await expect(handler(input)).resolves.toMatchObject({ reason: 'unsubscribed' });
  });

  it('ends the journey when the cart was bought', async () => {
    const { sent, store, handler } = setup();
    store.cart = { ...store.cart!, status: 'ordered' };
    await expect(handler(input)).resolves.toEqual({ continue: false, outcome: 'goal_reached', reason: 'goal_reached' });
    expect(sent).toHaveLength(0);
    expect(store.enrolment?.status).toBe('goal-reached');
  });

  it('does not send the same step of the same execution twice: a rerun returns the recorded outcome, with no second decision', async () => {
    const { sent, store, handler } = setup();
    await handler(input);
    await expect(handler(input)).resolves.toEqual({ continue: true, outcome: 'sent' });
    expect(sent).toHaveLength(1);
    expect(store.decisions).toHaveLength(1);
  });

  it('gives the claim back after a transient failure so the retry sends', async () => {
    let calls = 0;
    const { store, handler } = setup(async () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      return { messageId: 'm' };
    });
    await expect(handler(input)).rejects.toThrow('Rate exceeded');
    await expect(handler(input)).resolves.toMatchObject({ outcome: 'sent' });
    expect(store.decisions.filter((d) => d.outcome === 'sent')).toHaveLength(1);
  });

  it('records a permanent rejection, counts it for the alarm and logs it, and carries on with the journey', async () => {
    const { store, metrics, logged, handler } = setup(async () => {
      throw new PermanentSendError('MessageRejected');
    });
    await expect(handler(input)).resolves.toEqual({ continue: true, outcome: 'suppressed', reason: 'rejected_by_provider' });
    expect(store.decisions[0]).toMatchObject({ reason: 'rejected_by_provider' });
    expect(metrics.total('ProviderRejected', { provider: 'ses' })).toBe(1);
    expect(metrics.total('MessageSuppressed', { journey: 'abandoned-cart', step: 'first-reminder', reason: 'rejected_by_provider' })).toBe(1);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', code: 'PROVIDER_REJECTED', fields: expect.objectContaining({ provider: 'ses', error: 'MessageRejected' }) }));
  });

  it('retries a send that never reached the provider (no connection): the claim is given back, nothing is recorded as uncertain', async () => {
    let calls = 0;
    const { store, metrics, handler } = setup(async () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
      return { messageId: 'm' };
    });
    await expect(handler(input)).rejects.toThrow('ECONNREFUSED');
    expect(store.decisions).toEqual([]);
    await expect(handler(input)).resolves.toMatchObject({ outcome: 'sent' });
    expect(metrics.total('ProviderError', { provider: 'ses' })).toBe(1);
    expect(metrics.total('MessageSent', { journey: 'abandoned-cart', channel: 'email' })).toBe(1);
  });

  it('records a timeout after the request went out as delivery_uncertain, never a second send', async () => {
    const { store, handler } = setup(async () => {
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
    });
    await expect(handler(input)).resolves.toMatchObject({ outcome: 'suppressed', reason: 'delivery_uncertain' });
    await expect(handler(input)).resolves.toMatchObject({ outcome: 'suppressed', reason: 'delivery_uncertain' });
    expect(store.decisions.map((d) => d.reason)).toEqual(['delivery_uncertain']);
  });

  it('never links a cart or an invoice to the engine’s own address: the shop’s site, or no link', async () => {
    const noLink = setup();
    noLink.store.cart = { ...noLink.store.cart!, recoveryUrl: undefined };
    await noLink.handler(input);
    const links = (m: EmailMessage) => [...`${m.text}${m.html}`.matchAll(/https:\/\/[^\s"<>]+/g)].map((x) => x[0]);
    // The engine's own pages (opt-out, "why did I get this?") are the only links to its address.
    expect(links(noLink.sent[0]!).filter((l) => !l.startsWith('https://api.example.pl/unsubscribe?token') && !l.startsWith('https://api.example.pl/why?token'))).toEqual([]);
    expect(noLink.sent[0]!.text).not.toMatch(/null|undefined/);

    const shop = setup(undefined, { shopUrl: 'https://sklep.example.pl' });
    shop.store.cart = { ...shop.store.cart!, recoveryUrl: undefined };
    await shop.handler(input);
    expect(links(shop.sent[0]!)).toContain('https://sklep.example.pl');
  });

  it('counts each decision by journey, step and reason', async () => {
    const { store, metrics, handler } = setup();
    store.consent = { granted: false, at: '2026-01-01T00:00:00Z', source: 'api' };
    await handler(input);
    expect(metrics.total('MessageSuppressed', { journey: 'abandoned-cart', step: 'first-reminder', reason: 'no_consent' })).toBe(1);
    expect(metrics.total('MessageSent')).toBe(0);
  });

  it('completes the enrolment on the last step', async () => {
    const setupResult = setup();
    const { store, handler } = setupResult;
    const { metrics } = setupResult;
    await expect(handler({ ...input, step: 'second-reminder', template: 'cart-reminder-2', last: true })).resolves.toEqual({ continue: false, outcome: 'sent' });
    expect(store.enrolment?.status).toBe('completed');
    expect(metrics.total('JourneyEnded', { journey: 'abandoned-cart', reason: 'completed' })).toBe(1);
  });

  it('refuses a payload of an unknown version', async () => {
    const { handler } = setup();
    await expect(handler({ ...input, version: 99 })).rejects.toThrow();
  });
});
