import { SESv2Client } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { handleRequest, type IngestDeps } from '../../functions/ingest/ingest.ts';
import { makeStepHandler } from '../../functions/journey-step/handler.ts';
import { EVENT_LEASE_SECONDS } from '../../functions/shared/config.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { SesMailer } from '../../functions/adapters/ses.ts';
import { type EmailMessage, type Mailer, PermanentSendError } from '../../functions/app/ports.ts';
import { signUnsubscribeToken } from '../../functions/shared/unsubscribe-token.ts';
import { loadJourneys, loadTemplates } from '../../workflows/src/load.ts';
import { freePort, LOCAL_CREDENTIALS } from '../../local/dynamodb-local.ts';
import type { LocalStackOptions } from '../../local/stack.ts';
import { localHarness } from '../support/harness.ts';
import { apiEvent, CART, checkoutEvent, hours, inbox, orderEvent, SECRETS } from '../support/local.ts';

const harness = localHarness();
const T = new Date('2026-05-12T08:00:00Z');
const later = (ms: number) => new Date(T.getTime() + ms);
const stack = (extra: Partial<LocalStackOptions> = {}) => harness.stack(T, extra);

/** The real SES adapter against the stack's emulator, with faults injected per call. */
async function faultyStack(faults: ((m: EmailMessage, send: () => Promise<{ messageId: string | undefined }>) => Promise<{ messageId: string | undefined }>)[]) {
  const sesPort = await freePort();
  const real = new SesMailer(new SESv2Client({ endpoint: `http://127.0.0.1:${sesPort}`, region: 'eu-central-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 }), 'sklep@example.com');
  let call = 0;
  const mailer: Mailer = {
    send: (m) => {
      const fault = faults[call++];
      return fault ? fault(m, () => real.send(m)) : real.send(m);
    },
  };
  return stack({ sesPort, mailer });
}

const throttled = () => Promise.reject(Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }));

/** The first reminder is one arm of abandoned-cart's subject test (a stable hash of the customer). */
const FIRST_REMINDER = expect.stringMatching(/^first-reminder(-b)?$/);

describe('provider faults', () => {
  it('27 SES throttling twice: retried, sent exactly once, the journey goes on', async () => {
    const s = await faultyStack([throttled, throttled]);
    const email = 'throttled@example.pl';
    await s.request(checkoutEvent('f27', email, 'f27', T));
    await s.engine.advanceTo(later(hours(48)));
    expect((await inbox(s.sesEndpoint!, email, CART)).length).toBe(2);
    const decisions = await s.store.listDecisions('default', customerIdFor('default', { email })!);
    expect(decisions.map((d) => [d.step, d.outcome])).toEqual([
      [FIRST_REMINDER, 'sent'],
      ['second-reminder', 'sent'],
    ]);
  });

  it('28 lost response (accepted, then the connection dropped): not sent again, recorded, the next step still runs', async () => {
    const s = await faultyStack([
      async (_m, send) => {
        await send();
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      },
    ]);
    const email = 'lost.response@example.pl';
    await s.request(checkoutEvent('f28', email, 'f28', T));
    await s.engine.advanceTo(later(hours(48)));
    expect((await inbox(s.sesEndpoint!, email, CART)).length).toBe(2);
    const decisions = await s.store.listDecisions('default', customerIdFor('default', { email })!);
    expect(decisions.map((d) => [d.step, d.outcome, d.reason])).toEqual([
      [FIRST_REMINDER, 'suppressed', 'delivery_uncertain'],
      ['second-reminder', 'sent', undefined],
    ]);
  });

  it('29 a permanent rejection is recorded and ends only that step', async () => {
    // What SesMailer turns SES's MessageRejected into (adapter test covers the mapping).
    const s = await faultyStack([() => Promise.reject(new PermanentSendError('MessageRejected'))]);
    const email = 'rejected@example.pl';
    await s.request(checkoutEvent('f29', email, 'f29', T));
    await s.engine.advanceTo(later(hours(48)));
    const decisions = await s.store.listDecisions('default', customerIdFor('default', { email })!);
    expect(decisions.map((d) => [d.step, d.reason ?? d.outcome])).toEqual([
      [FIRST_REMINDER, 'rejected_by_provider'],
      ['second-reminder', 'sent'],
    ]);
  });

  it('30 a transient DynamoDB failure during ingest answers 500, loses nothing, and the retry is processed once', async () => {
    const s = await stack();
    let failures = 1;
    const flaky = new Proxy(s.store, {
      get(target, prop, receiver) {
        if (prop === 'putCart' && failures > 0) {
          return async () => {
            failures--;
            throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' });
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const deps: IngestDeps = {
      config: { tenant: 'default', apiKeys: [SECRETS.apiKey], shopifySecrets: [], wooSecrets: [], stripeSecrets: [], unsubscribeSecret: SECRETS.unsubscribeSecret, maxBodyBytes: 262_144 },
      store: flaky,
      journeys: loadJourneys(),
      runner: s.engine,
      clock: s.clock,
      log: s.log,
    };
    const req = checkoutEvent('f30', 'flaky.db@example.pl', 'f30', T);
    await expect(handleRequest(req, deps)).rejects.toThrow('Throughput exceeds');
    expect((await handleRequest(req, deps)).status).toBe(202);
    expect((await handleRequest(req, deps)).status).toBe(200);
    await s.engine.idle();
    expect(s.engine.counters.started).toBe(1);
  });
});

describe('a delivery while another holds the event', () => {
  it('answers 409 with Retry-After while the lease runs (never a 2xx that would lose it, never a 500), and applies it after', async () => {
    const s = await stack();
    const req = checkoutEvent('lease-1', 'leased@example.pl', 'lease-1', T);
    // An attempt that claimed the event and was killed (a timeout, out of memory) before finishing.
    expect(await s.store.claimEvent('default', 'api:lease-1', T, EVENT_LEASE_SECONDS)).toMatchObject({ state: 'claimed' });
    const during = await s.request(req);
    expect(during).toMatchObject({ status: 409, headers: { 'retry-after': String(EVENT_LEASE_SECONDS + 1) }, body: { status: 'in-progress', events: [{ key: 'api:lease-1', status: 'in-progress' }] } });
    expect(s.log.lines.some((l) => l.includes('"code":"INGEST_IN_PROGRESS"'))).toBe(true);
    await s.engine.advanceTo(later((EVENT_LEASE_SECONDS + 1) * 1000));
    expect((await s.request(req)).status).toBe(202);
    expect((await s.request(req)).status).toBe(200);
    await s.engine.idle();
    expect(s.engine.counters.started).toBe(1);
  }, 300_000);
});

describe('ordering, withdrawal and redeploys', () => {
  it('31 an order before its checkout event prevents the cart journey', async () => {
    const s = await stack();
    await s.request(orderEvent('f31-o', 'early.bird@example.pl', 'f31', T));
    const res = await s.request(checkoutEvent('f31-c', 'early.bird@example.pl', 'f31', later(-60_000)));
    expect(res.body).toMatchObject({ events: [{ status: 'already-ordered' }] });
    expect(await s.engine.describe('abandoned-cart', executionName('abandoned-cart', 'default', 'f31'))).toBeUndefined();
  });

  it('32 invoice.paid before a late invoice.payment_failed leaves no ladder running', async () => {
    const s = await stack();
    const payment = { invoiceId: 'f32', amount: '12.00', currency: 'PLN' };
    await s.request(apiEvent({ id: 'f32-p', type: 'payment.succeeded', occurredAt: T.toISOString(), customer: { email: 'f32@example.pl' }, payment }));
    await s.request(apiEvent({ id: 'f32-f', type: 'payment.failed', occurredAt: later(-3_600_000).toISOString(), customer: { email: 'f32@example.pl' }, payment }));
    expect(await s.engine.describe('dunning', executionName('dunning', 'default', 'f32'))).toBeUndefined();
  });

  it('33 unsubscribe mid-journey stops the rest; a GET alone changes nothing', async () => {
    const s = await stack();
    const email = 'leaves.midway@example.pl';
    await s.request(checkoutEvent('f33', email, 'f33', T));
    await s.engine.advanceTo(later(hours(2)));
    const token = signUnsubscribeToken(SECRETS.unsubscribeSecret, { t: 'default', c: customerIdFor('default', { email })!, ch: 'email' }, s.clock.now());
    expect((await s.request({ method: 'GET', path: '/unsubscribe', query: { token }, rawBody: Buffer.alloc(0) })).status).toBe(200);
    expect((await s.store.getConsent('default', customerIdFor('default', { email })!, 'email', 'marketing'))?.granted).toBe(true);
    expect((await s.request({ method: 'POST', path: '/unsubscribe', query: { token }, rawBody: Buffer.from('List-Unsubscribe=One-Click') })).status).toBe(200);
    await s.engine.advanceTo(later(hours(48)));
    expect(await inbox(s.sesEndpoint!, email, CART)).toHaveLength(1);
  });

  it('34 forged and expired unsubscribe tokens are refused', async () => {
    const s = await stack();
    const token = signUnsubscribeToken(SECRETS.unsubscribeSecret, { t: 'default', c: 'c_x', ch: 'email' }, new Date('2025-01-01T00:00:00Z'));
    const post = (t: string) => s.request({ method: 'POST', path: '/unsubscribe', query: { token: t }, rawBody: Buffer.alloc(0) });
    expect((await post(token)).body).toEqual({ error: 'unsubscribe token expired' });
    const fresh = signUnsubscribeToken('another-secret-of-length', { t: 'default', c: 'c_x', ch: 'email' }, T);
    expect((await post(fresh)).body).toEqual({ error: 'unsubscribe token bad signature' });
  });

  it('35 a step payload of the previous version (no trigger, no next) is still accepted', async () => {
    const s = await stack();
    const email = 'old.payload@example.pl';
    await s.request(checkoutEvent('f35', email, 'f35', T));
    const sent: string[] = [];
    const step = makeStepHandler(() => ({
      config: { shopName: 'Sklep', publicUrl: s.apiUrl, unsubscribeSecret: SECRETS.unsubscribeSecret },
      store: s.store,
      mailer: {
        send: async (m) => {
          sent.push(m.subject);
          return { messageId: 'm' };
        },
      },
      sms: { send: async () => ({ messageId: 's' }) },
      events: { taskCreated: async () => undefined },
      templates: loadTemplates(),
      journeys: loadJourneys(),
      clock: s.clock,
      log: s.log,
    }));
    const previous = {
      version: 1,
      journey: 'abandoned-cart',
      step: 'first-reminder',
      channel: 'email',
      template: 'cart-reminder-1',
      topic: 'marketing',
      last: false,
      executionName: 'old-exec',
      enrolment: { version: 1, tenant: 'default', customerId: customerIdFor('default', { email }), journey: 'abandoned-cart', key: 'f35' },
    };
    await expect(step(previous)).resolves.toEqual({ continue: true, outcome: 'sent' });
    expect(sent).toEqual(['Zofio, Twoje zakupy czekają w koszyku']);
  });

  it('36 crash mid-segment: the execution is resumed on start and nothing is sent twice', async () => {
    const s = await stack({ tablePrefix: 'crash-' });
    const email = 'crash@example.pl';
    await s.request(checkoutEvent('f36', email, 'f36', T));
    await s.engine.advanceTo(later(hours(1)));
    await harness.crash(s);
    const again = await harness.stack(later(hours(1)), { tablePrefix: 'crash-' });
    await again.engine.advanceTo(later(hours(48)));
    expect(await inbox(again.sesEndpoint!, email, CART)).toHaveLength(2);
  });
});

describe('abuse and privacy', () => {
  it('37 paid SMS stop at the tenant’s daily cap (SMS pumping), with the reason', async () => {
    const s = await stack({ smsDailyCap: 2 });
    for (let i = 0; i < 3; i++) {
      await s.request(
        apiEvent({ id: `f37-${i}`, type: 'payment.failed', occurredAt: T.toISOString(), customer: { email: `pump${i}@example.pl`, phone: `+4860055500${i}` }, payment: { invoiceId: `f37-${i}`, amount: '1.00', currency: 'PLN' } }),
      );
    }
    await s.engine.advanceTo(later(hours(24 * 3 + 1)));
    expect(s.smsOutbox).toHaveLength(2);
    const reasons = await Promise.all([0, 1, 2].map(async (i) => (await s.store.listDecisions('default', customerIdFor('default', { email: `pump${i}@example.pl` })!)).find((d) => d.step === 'sms-reminder')?.reason));
    expect(reasons.filter((r) => r === 'sms_daily_cap')).toHaveLength(1);
  });

  it('38 running every journey leaves no e-mail address or phone number in the logs', async () => {
    const s = await stack();
    const people = [0, 1, 2, 3].map((i) => ({ email: `pii.person${i}@example.pl`, phone: `+4860011122${i}` }));
    const c = (i: number) => ({ ...people[i]!, firstName: 'Grażyna', preferredChannel: 'sms', consent: { emailMarketing: true, smsMarketing: true } });
    await s.request(apiEvent({ id: 'pii-1', type: 'checkout.abandoned', occurredAt: T.toISOString(), customer: c(0), checkout: { token: 'pii-1', items: [{ title: 'Sekretny kubek', quantity: 1, price: '9.00' }], total: '9.00', currency: 'PLN' } }));
    await s.request(apiEvent({ id: 'pii-2', type: 'order.placed', occurredAt: T.toISOString(), customer: c(1), order: { id: 'pii-2', total: '9.00', currency: 'PLN', items: [{ title: 'Sekretny kubek', quantity: 1, price: '9.00', category: 'Kawa' }] } }));
    await s.request(apiEvent({ id: 'pii-3', type: 'order.delivered', occurredAt: T.toISOString(), customer: c(2), order: { id: 'pii-2' } }));
    await s.request(apiEvent({ id: 'pii-4', type: 'payment.failed', occurredAt: T.toISOString(), customer: c(3), payment: { invoiceId: 'pii-4', amount: '9.00', currency: 'PLN' } }));
    await s.engine.advanceTo(later(hours(24 * 200)));
    const logs = s.log.lines.join('\n');
    expect(s.log.lines.filter((l) => l.includes('MESSAGE_SENT')).length).toBeGreaterThan(6);
    for (const p of people) {
      expect(logs).not.toContain(p.email);
      expect(logs).not.toContain(p.phone);
      expect(logs).not.toContain(p.phone.slice(3));
    }
    expect(logs).not.toContain('Grażyna');
    expect(logs).not.toContain('Sekretny');
  });
});
