import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import type { EmailMessage } from '../../functions/app/ports.ts';
import { type GraphDeps, runGraphStep, type TraceEvent } from '../../functions/app/run-graph.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { handleRequest, type IngestDeps } from '../../functions/ingest/ingest.ts';
import { GraphPayload } from '../../functions/core/step-payload.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { MemoryMetrics, MetricName } from '../../functions/shared/metrics.ts';
import { journeyFlow } from '../../workflows/src/journey.ts';
import { loadCatalogue, loadJourneys, loadTemplates } from '../../workflows/src/load.ts';
import { memoryLog } from '../support/local.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * The shipped win-back's VIP branch with the shop's code pool, on the memory backend: the walk the
 * step function makes, the admin route that loads the pool, retries and a crash between the claim
 * and the send, and an empty pool.
 */
const T = new Date('2026-07-04T07:00:00Z');
const winBack = loadJourneys().find((j) => j.id === 'win-back')!;
const flow = journeyFlow(winBack)!;
const idOf = (email: string) => customerIdFor('default', { email })!;

function world() {
  const store = new MemoryStore();
  const log = memoryLog();
  const metrics = new MemoryMetrics();
  const emails: EmailMessage[] = [];
  const trace: TraceEvent[] = [];
  let crashNext = false;
  const clock = { now: () => T };
  const step: GraphDeps = {
    config: { shopName: 'Sklep', publicUrl: 'https://api.example.pl', unsubscribeSecret: 'secret-0123456789-0123456789' },
    // The process dies as the send is claimed: after the code was given, before any e-mail.
    store: Object.assign(Object.create(store) as MemoryStore, {
      claimSend: (...a: Parameters<MemoryStore['claimSend']>) => {
        if (crashNext) {
          crashNext = false;
          return Promise.reject(new Error('the function was stopped'));
        }
        return store.claimSend(...a);
      },
    }),
    mailer: {
      send: async (m) => {
        emails.push(m);
        return { messageId: `m-${emails.length}` };
      },
    },
    sms: { send: async () => ({ messageId: 's' }) },
    events: { taskCreated: async () => undefined },
    templates: loadTemplates(),
    journeys: [winBack],
    clock,
    log,
    metrics,
    trace: (e) => trace.push(e),
  };
  const enrol: EnrolDeps = { config: { tenant: 'default' }, store, journeys: [winBack], runner: new RecordingRunner(), clock, log };
  const ingest: IngestDeps = { ...enrol, catalogue: loadCatalogue(), config: { tenant: 'default', apiKeys: ['key-0123456789'], shopifySecrets: [], wooSecrets: [], stripeSecrets: [], unsubscribeSecret: 'u', maxBodyBytes: 262_144 } };
  const request = (method: string, path: string, body?: unknown, key = 'key-0123456789') =>
    handleRequest({ method, path, headers: { authorization: `Bearer ${key}` }, rawBody: Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)) }, ingest);
  /** A customer who spent `total` zł half a year ago, with e-mail consent, enrolled by today's run. */
  const dormant = async (email: string, total: string) => {
    const placed: DomainEvent = { key: `o-${email}`, source: 'api', type: 'order.placed', occurredAt: '2026-01-05T12:00:00.000Z', customer: { email, firstName: 'Ola', consent: { emailMarketing: true } }, order: { id: `o-${email}`, total, currency: 'PLN', items: [] } } as DomainEvent;
    await acceptEvents([placed], enrol);
    const key = `2026-07-04.${idOf(email)}`;
    const name = executionName('win-back', 'default', key);
    await store.createEnrolment('default', idOf(email), { journey: 'win-back', key, executionName: name, startedAt: T.toISOString() });
    return GraphPayload.parse({
      version: 3,
      journey: 'win-back',
      trigger: 'schedule',
      topic: 'marketing',
      entry: 'vip',
      segment: JSON.stringify(flow.segment('vip').nodes),
      executionName: name,
      enrolment: { version: 1, tenant: 'default', customerId: idOf(email), journey: 'win-back', key, firstAt: T.toISOString() },
    });
  };
  return { store, log, metrics, emails, trace, step, request, dormant, crashOnce: () => (crashNext = true) };
}

const codeIn = (text: string) => /kod rabatowy to ([A-Z0-9-]+)/.exec(text)?.[1];

describe('the admin route of a code pool', () => {
  it('loads codes, answers duplicates and what is left, and refuses bad input naming the field', async () => {
    const w = world();
    expect((await w.request('POST', '/v1/code-pools/winback-vip', { codes: ['VIP-001', 'VIP-002'] }, 'wrong')).status).toBe(401);
    expect(await w.request('POST', '/v1/code-pools/winback-vip', { codes: ['VIP-001', 'VIP-002', 'VIP-001'] })).toEqual({ status: 200, body: { pool: 'winback-vip', added: 2, duplicates: 1, loaded: 2, claimed: 0, left: 2 } });
    // Sent again (a retry): nothing added.
    expect((await w.request('POST', '/v1/code-pools/winback-vip', { codes: ['VIP-002', 'VIP-003'] })).body).toMatchObject({ added: 1, duplicates: 1, left: 3 });
    expect(await w.request('GET', '/v1/code-pools/winback-vip')).toEqual({ status: 200, body: { pool: 'winback-vip', loaded: 3, claimed: 0, left: 3 } });
    expect((await w.request('GET', '/v1/code-pools/never-loaded')).body).toEqual({ pool: 'never-loaded', loaded: 0, claimed: 0, left: 0 });

    const refused = async (path: string, body: unknown) => {
      const res = await w.request('POST', path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      return (res.body as { details?: { path: string }[] }).details?.map((d) => d.path);
    };
    expect(await refused('/v1/code-pools/Winback_VIP', { codes: ['VIP-001'] })).toEqual(['pool']);
    expect(await refused('/v1/code-pools/winback-vip', { codes: ['VIP-004', 'x', 'spa ce'] })).toEqual(['codes.1', 'codes.2']);
    expect(await refused('/v1/code-pools/winback-vip', { codes: [] })).toEqual(['codes']);
    expect(await refused('/v1/code-pools/winback-vip', { codes: Array.from({ length: 1001 }, (_, i) => `C-${i}`) })).toEqual(['codes']);
    expect(await refused('/v1/code-pools/winback-vip', ['VIP-001'])).toEqual(['(body)']);
    expect(await refused('/v1/code-pools/winback-vip', { codes: ['VIP-009'], extra: 1 })).toEqual(['(body)']);
    expect((await w.request('POST', '/v1/code-pools/winback-vip', '{"codes": [')).status).toBe(400);
    expect((await w.request('GET', '/v1/code-pools/winback-vip')).body).toMatchObject({ loaded: 3 });
    // The pool and the counts are logged, never a code.
    expect(w.log.lines.some((l) => l.includes('VIP-00'))).toBe(false);
    expect(w.log.lines.filter((l) => l.includes('CODES_LOADED'))).toHaveLength(2);
  });
});

describe("win-back's VIP branch with a code pool", () => {
  it('gives each VIP a code of their own, the same on every retry; others get no code', async () => {
    const w = world();
    await w.request('POST', '/v1/code-pools/winback-vip', { codes: ['VIP-AAA1', 'VIP-BBB2', 'VIP-CCC3'] });
    const ola = await w.dormant('ola@example.pl', '1200.00');
    const ela = await w.dormant('ela@example.pl', '1500.00');
    const ida = await w.dormant('ida@example.pl', '80.00');
    expect(await runGraphStep(ola, w.step)).toMatchObject({ outcome: 'waiting', next: 'offer-wait' });
    expect(await runGraphStep(ela, w.step)).toMatchObject({ outcome: 'waiting' });
    await runGraphStep(ida, w.step);
    // Retried walks: the code and the send stand.
    await runGraphStep(ola, w.step);
    await runGraphStep(ela, w.step);
    const to = (email: string) => w.emails.filter((m) => m.to === email);
    expect(to('ola@example.pl').map((m) => codeIn(m.text))).toEqual(['VIP-AAA1']);
    expect(to('ela@example.pl').map((m) => codeIn(m.text))).toEqual(['VIP-BBB2']);
    expect(to('ida@example.pl').map((m) => m.subject)).toEqual([expect.stringMatching(/tęsknimy/)]);
    expect(await w.store.codePool('default', 'winback-vip')).toEqual({ loaded: 3, claimed: 2, left: 1 });
    expect(w.trace.filter((e) => e.node === 'vip-code').map((e) => [e.outcome, e.next])).toEqual([
      ['a code from winback-vip', 'vip-note-coded'],
      ['a code from winback-vip', 'vip-note-coded'],
      ['a code from winback-vip', 'vip-note-coded'],
      ['a code from winback-vip', 'vip-note-coded'],
    ]);
    // Kept with the customer's data: exported, never in a log.
    expect((await w.store.exportCustomer('default', idOf('ola@example.pl')))['codes']).toEqual([expect.objectContaining({ code: 'VIP-AAA1', node: 'vip-code' })]);
    expect(w.log.lines.some((l) => l.includes('VIP-AAA1'))).toBe(false);
  });

  it('a step that dies between the claim and the send sends the same code when retried', async () => {
    const w = world();
    await w.request('POST', '/v1/code-pools/winback-vip', { codes: ['VIP-AAA1', 'VIP-BBB2'] });
    const ola = await w.dormant('ola@example.pl', '1200.00');
    w.crashOnce();
    await expect(runGraphStep(ola, w.step)).rejects.toThrow('the function was stopped');
    expect(w.emails).toHaveLength(0);
    await runGraphStep(ola, w.step);
    expect(w.emails.map((m) => codeIn(m.text))).toEqual(['VIP-AAA1']);
    expect(await w.store.codePool('default', 'winback-vip')).toMatchObject({ claimed: 1, left: 1 });
  });

  it('an empty pool sends the note without a code, logged and counted, and a retry keeps that way', async () => {
    const w = world();
    await w.request('POST', '/v1/code-pools/winback-vip', { codes: ['VIP-AAA1'] });
    const ola = await w.dormant('ola@example.pl', '1200.00');
    const ela = await w.dormant('ela@example.pl', '1500.00');
    await runGraphStep(ola, w.step);
    await runGraphStep(ela, w.step);
    // Codes loaded after the decision do not change it.
    await w.request('POST', '/v1/code-pools/winback-vip', { codes: ['VIP-LATE'] });
    await runGraphStep(ela, w.step);
    const ela1 = w.emails.filter((m) => m.to === 'ela@example.pl');
    expect(ela1).toHaveLength(1);
    expect(ela1[0]!.subject).toBe('Dawno Cię u nas nie było — mamy coś dla stałych klientów');
    expect(ela1[0]!.text).not.toMatch(/kod|VIP-/i);
    const empty = w.log.lines.filter((l) => l.includes('CODE_POOL_EMPTY')).map((l) => JSON.parse(l));
    expect(empty).toEqual([{ level: 'WARN', code: 'CODE_POOL_EMPTY', journey: 'win-back', step: 'vip-code', pool: 'winback-vip' }]);
    expect(w.metrics.total(MetricName.CodePoolEmpty, { journey: 'win-back', step: 'vip-code' })).toBe(1);
    expect(w.trace.filter((e) => e.node === 'vip-code' && e.customerId === idOf('ela@example.pl')).map((e) => [e.outcome, e.next])).toEqual([
      ['winback-vip empty', 'vip-note'],
      ['winback-vip empty', 'vip-note'],
    ]);
  });

  it('a shop that loaded no codes sends every VIP the note without one', async () => {
    const w = world();
    await runGraphStep(await w.dormant('ola@example.pl', '1200.00'), w.step);
    expect(w.emails.map((m) => m.subject)).toEqual(['Dawno Cię u nas nie było — mamy coś dla stałych klientów']);
    expect(w.emails[0]!.text).toContain('darmowa dostawa');
  });
});
