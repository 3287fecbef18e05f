import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import type { StateStore } from '../../functions/app/ports.ts';
import { type GraphDeps, runGraphStep, type TraceEvent } from '../../functions/app/run-graph.ts';
import { bucket, inHoldout, pickVariant } from '../../functions/core/assign.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import type { ObservedDecision } from '../../functions/app/run-step.ts';
import { GraphPayload } from '../../functions/core/step-payload.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { JourneyConfig, journeyFlow } from '../../workflows/src/journey.ts';
import { loadTemplates } from '../../workflows/src/load.ts';
import { graphPayload, graphStep } from '../support/graph-step.ts';
import { RecordingRunner } from '../support/recording-runner.ts';
import { FetchWebhookCaller } from '../../functions/adapters/webhook.ts';
import { journeysStats } from '../../functions/app/journey-stats.ts';
import { withStats } from '../../functions/app/measure.ts';
import { journeyVersion } from '../../functions/core/journey-version.ts';
import type { JourneyStats } from '../../functions/core/stats.ts';
import { COST_PRICES } from '../../functions/shared/prices.ts';

/**
 * A journey graph's walk on the memory backend, node by node: what the step function does for a
 * Task of a graph, with the segment the compiler would give it.
 */
const T = new Date('2026-06-02T10:00:00Z');
const templates = loadTemplates();

const graph = JourneyConfig.parse({
  id: 'shipping',
  name: 'Shipping',
  trigger: 'order.placed',
  topic: 'marketing',
  nodes: [
    { id: 'held', holdout: { percent: 30 } },
    { id: 'value', branch: { cases: [{ if: { field: 'order.total', gte: 500 }, next: 'vip' }], otherwise: 'test' } },
    { id: 'vip', send: { channel: 'email', template: 'followup-review' }, next: 'tagged' },
    { id: 'test', split: { variants: [{ name: 'a', weight: 50, next: 'mail-a' }, { name: 'b', weight: 50, next: 'mail-b' }] } },
    { id: 'mail-a', send: { channel: 'email', template: 'followup-check-in' }, next: 'tagged' },
    { id: 'mail-b', send: { channel: 'email', template: 'followup-nps' }, next: 'tagged' },
    { id: 'tagged', update: { tag: 'contacted' } },
    { id: 'arrived', waitFor: { event: 'order.delivered', timeout: 'P5D', onEvent: 'thanks', onTimeout: 'sorry' } },
    { id: 'sorry', send: { channel: 'email', template: 'followup-check-in', topic: 'service' }, next: 'end' },
    { id: 'thanks', exit: true },
  ],
});
const flow = journeyFlow(graph)!;

function world(store: StateStore = new MemoryStore()) {
  const decisions: ObservedDecision[] = [];
  const trace: TraceEvent[] = [];
  let now = T;
  const runner = new RecordingRunner();
  const { step, emails } = graphStep({ store, journeys: [graph], templates, now: () => now, extra: { observe: (d) => decisions.push(d), trace: (e) => trace.push(e) } });
  const enrol: EnrolDeps = { config: { tenant: 'default' }, store, journeys: [graph], runner, clock: { now: () => now }, log: silentLog };
  const walk = (customerId: string, orderId: string, entry: string, resume?: 'timeout', name = executionName('shipping', 'default', orderId)) =>
    runGraphStep(graphPayload(flow, { journey: 'shipping', trigger: 'order.placed', topic: 'marketing', entry, ...(resume ? { resume } : {}), executionName: name, customerId, key: orderId, firstAt: now.toISOString() }), step);
  return { store, emails, decisions, trace, runner, enrol, step, walk, at: (t: Date) => (now = t) };
}

const order = (n: number, total: string): DomainEvent =>
  ({
    key: `o-${n}`,
    source: 'api',
    type: 'order.placed',
    occurredAt: T.toISOString(),
    customer: { email: `k${n}@example.pl`, firstName: 'Ola', consent: { emailMarketing: true } },
    order: { id: `o-${n}`, total, currency: 'PLN', items: [{ title: 'Kubek', quantity: 1, price: total }] },
  }) as DomainEvent;
const delivered = (n: number, at: Date): DomainEvent => ({ key: `d-${n}`, source: 'api', type: 'order.delivered', occurredAt: at.toISOString(), customer: { email: `k${n}@example.pl` }, order: { id: `o-${n}` } }) as DomainEvent;
const idOf = (n: number) => customerIdFor('default', { email: `k${n}@example.pl` })!;

describe('a journey graph walk', () => {
  it('holds out, branches on value, splits by a stable hash, tags, and stops at the waitFor; each decision says its node and arm', async () => {
    const w = world();
    for (let n = 1; n <= 24; n++) {
      await acceptEvents([order(n, n % 4 === 0 ? '720.00' : '80.00')], w.enrol);
      const result = await w.walk(idOf(n), `o-${n}`, 'held');
      expect(result).toMatchObject({ continue: true, next: 'arrived', outcome: 'waiting', nextAt: new Date(T.getTime() + 5 * 86_400_000).toISOString() });
      const b = (node: string) => bucket('default', idOf(n), 'shipping', node);
      const decision = w.decisions.find((d) => d.customerId === idOf(n))!;
      if (inHoldout(30, b('held'))) {
        // Enrolled and measured, never messaged.
        expect(decision).toMatchObject({ outcome: 'suppressed', reason: 'holdout', variant: 'holdout' });
        expect(w.emails.some((m) => m.to === `k${n}@example.pl`)).toBe(false);
      } else if (n % 4 === 0) {
        expect(decision).toMatchObject({ step: 'vip', outcome: 'sent', template: 'followup-review' });
      } else {
        const arm = pickVariant([{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }], b('test')).name;
        expect(decision).toMatchObject({ step: `mail-${arm}`, outcome: 'sent', variant: arm });
        expect((await w.store.getEnrolment('default', idOf(n), 'shipping', `o-${n}`))?.variants).toEqual({ test: arm });
      }
      expect((await w.store.getCustomer('default', idOf(n)))?.tags).toEqual(['contacted']);
      expect((await w.store.getEnrolment('default', idOf(n), 'shipping', `o-${n}`))?.awaiting).toMatchObject({ node: 'arrived', event: 'order.delivered' });
    }
    const held = w.decisions.filter((d) => d.reason === 'holdout').length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(24);
    expect(new Set(w.decisions.filter((d) => d.variant === 'a' || d.variant === 'b').map((d) => d.variant))).toEqual(new Set(['a', 'b']));
    // --trace: every node passed, in order, with what came of it.
    const passed = w.trace.filter((t) => t.customerId === idOf(1)).map((t) => t.node);
    expect(passed.slice(0, 2)).toEqual(['held', 'value']);
    expect(passed.slice(-2)).toEqual(['tagged', 'arrived']);
  });

  it('a retried walk sends nothing twice and writes its arm once', async () => {
    const w = world();
    await acceptEvents([order(7, '80.00')], w.enrol);
    await w.walk(idOf(7), 'o-7', 'held');
    const before = { emails: w.emails.length, decisions: w.decisions.length };
    await w.walk(idOf(7), 'o-7', 'held');
    expect({ emails: w.emails.length, decisions: w.decisions.length }).toEqual(before);
  });

  it('the awaited event first: a continuation at the event branch replaces the waiting execution, and the timeout then does nothing', async () => {
    const w = world();
    await acceptEvents([order(2, '80.00')], w.enrol);
    const waiting = executionName('shipping', 'default', 'o-2');
    await w.walk(idOf(2), 'o-2', 'held');
    w.at(new Date(T.getTime() + 86_400_000));
    await acceptEvents([delivered(2, new Date(T.getTime() + 86_400_000))], w.enrol);
    const continuation = [...w.runner.started].find(([, input]) => input.entry !== undefined);
    expect(continuation?.[1]).toMatchObject({ entry: 'thanks', key: 'o-2' });
    expect(w.runner.stopped).toEqual([waiting]);
    const enrolment = await w.store.getEnrolment('default', idOf(2), 'shipping', 'o-2');
    expect(enrolment).toMatchObject({ executionName: continuation![0], continuedFrom: waiting });
    expect(enrolment?.awaiting).toBeUndefined();
    // Delivered again (a redelivery): the same continuation, nothing new.
    await acceptEvents([delivered(2, new Date(T.getTime() + 86_400_000))], w.enrol);
    expect([...w.runner.started.values()].filter((i) => i.entry)).toHaveLength(1);
    // The timeout's Task, had the stop come too late, finds the wait taken and sends nothing.
    const sent = w.emails.length;
    expect(await w.walk(idOf(2), 'o-2', 'arrived', 'timeout', waiting)).toMatchObject({ continue: false });
    expect(w.emails.length).toBe(sent);
    // The continuation walks from the event branch: an exit.
    expect(await w.walk(idOf(2), 'o-2', 'thanks', undefined, continuation![0])).toMatchObject({ outcome: 'exit' });
    expect(await w.store.getEnrolment('default', idOf(2), 'shipping', 'o-2')).toMatchObject({ status: 'completed', endReason: 'exit' });
  });

  it('the timeout first: the apology goes out, and an event after it starts nothing', async () => {
    const w = world();
    await acceptEvents([order(3, '80.00')], w.enrol);
    await w.walk(idOf(3), 'o-3', 'held');
    w.at(new Date(T.getTime() + 5 * 86_400_000));
    const result = await w.walk(idOf(3), 'o-3', 'arrived', 'timeout');
    expect(result).toMatchObject({ continue: false, outcome: 'completed' });
    expect(w.decisions.at(-1)).toMatchObject({ step: 'sorry', outcome: 'sent' });
    await acceptEvents([delivered(3, new Date(T.getTime() + 6 * 86_400_000))], w.enrol);
    expect([...w.runner.started.values()].filter((i) => i.entry)).toHaveLength(0);
  });

  it('the timeout step retried after a crash past its send goes on from the timeout: the send it may have made is recorded as uncertain', async () => {
    const w = world();
    await acceptEvents([order(4, '80.00')], w.enrol);
    await w.walk(idOf(4), 'o-4', 'held');
    w.at(new Date(T.getTime() + 5 * 86_400_000));
    const before = w.emails.length;
    // The first attempt cleared the wait, sent the apology and was killed before writing the outcome.
    const complete = w.store.completeSend.bind(w.store);
    w.store.completeSend = async () => {
      throw new Error('killed after the provider accepted');
    };
    await expect(w.walk(idOf(4), 'o-4', 'arrived', 'timeout')).rejects.toThrow('killed');
    w.store.completeSend = complete;
    // The Task's retry is the same execution: not the event coming first.
    expect(await w.walk(idOf(4), 'o-4', 'arrived', 'timeout')).toMatchObject({ continue: false, outcome: 'completed' });
    expect(w.decisions.at(-1)).toMatchObject({ step: 'sorry', reason: 'delivery_uncertain' });
    expect(w.emails).toHaveLength(before + 1);
  });
});

describe('a journey graph measured', () => {
  const measured = () => world(withStats(new MemoryStore(), { journeys: [graph], log: silentLog }));
  const statsOf = async (w: ReturnType<typeof world>) =>
    (await journeysStats({ tenant: 'default', store: w.store, journeys: [graph], prices: COST_PRICES, now: T }, 'shipping'))!.journeys[0]!;
  const count = (s: JourneyStats, from: string, to: string) => s.edges.find((e) => e.from === from && e.to === to)?.executions ?? 0;

  it('counts each edge an enrolment goes along once: from the start, inside a walk, out of a waitFor by timeout or by the event', async () => {
    const w = measured();
    // Customer 1 waits in vain and gets the apology; customer 2's parcel arrives first.
    for (const n of [1, 2]) {
      await acceptEvents([order(n, '80.00')], w.enrol);
      await w.walk(idOf(n), `o-${n}`, 'held');
    }
    // A retried walk goes along the same edges: nothing counted twice.
    await w.walk(idOf(1), 'o-1', 'held');
    w.at(new Date(T.getTime() + 86_400_000));
    await acceptEvents([delivered(2, new Date(T.getTime() + 86_400_000))], w.enrol);
    const continuation = [...w.runner.started].find(([, input]) => input.entry !== undefined)!;
    await w.walk(idOf(2), 'o-2', 'thanks', undefined, continuation[0]);
    w.at(new Date(T.getTime() + 5 * 86_400_000));
    await w.walk(idOf(1), 'o-1', 'arrived', 'timeout');
    await w.walk(idOf(1), 'o-1', 'arrived', 'timeout');
    const s = await statsOf(w);
    const arm = (n: number) => pickVariant([{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }], bucket('default', idOf(n), 'shipping', 'test')).name;
    expect(count(s, '(start)', 'held')).toBe(2);
    expect(count(s, 'held', 'value')).toBe(2);
    expect(count(s, 'value', 'test')).toBe(2);
    expect(count(s, 'test', 'mail-a') + count(s, 'test', 'mail-b')).toBe(2);
    expect(count(s, 'test', `mail-${arm(1)}`)).toBe(arm(1) === arm(2) ? 2 : 1);
    expect(count(s, 'tagged', 'arrived')).toBe(2);
    expect(count(s, 'arrived', 'sorry')).toBe(1);
    expect(count(s, 'sorry', '(end)')).toBe(1);
    expect(count(s, 'arrived', 'thanks')).toBe(1);
    expect(count(s, 'thanks', '(end)')).toBe(1);
    expect(count(s, 'value', 'vip')).toBe(0);
    // Every figure is kept under the definition version the enrolments started on.
    expect(s.versions).toEqual([{ version: journeyVersion(graph), firstDay: '2026-06-02', lastDay: '2026-06-07', entered: 2, finished: s.finished, sent: s.sent, delivered: s.delivered, clicked: 0, bounced: 0, complained: 0, converted: 0, revenue: { PLN: '0.00' } }]);
    expect(s.finished).toBe(2);
    expect(w.decisions.every((d) => d.version === journeyVersion(graph))).toBe(true);
  });

  it('an opening wait: its edge out counts when the wait is over, not for an enrolment that left during it', async () => {
    const waiting = JourneyConfig.parse({ ...graph, id: 'shipping', nodes: [{ id: 'pause', wait: { for: 'PT2H' } }, ...graph.nodes!] });
    const w = measured();
    const enrol = { ...w.enrol, journeys: [waiting] };
    await acceptEvents([order(4, '80.00'), order(5, '80.00')], enrol);
    expect((await w.store.getEnrolment('default', idOf(4), 'shipping', 'o-4'))).toMatchObject({ passed: ['(start)>pause'], pending: ['pause>held'] });
    // Customer 5's order is cancelled during the wait: the journey ends there. Customer 4 goes on.
    await w.store.endEnrolment('default', idOf(5), 'shipping', 'o-5', 'stopped', 'exit-event', T.toISOString());
    await w.walk(idOf(4), 'o-4', 'held');
    const s = await statsOf(w);
    expect(count(s, '(start)', 'pause')).toBe(2);
    expect(count(s, 'pause', 'held')).toBe(1);
    expect(count(s, 'held', 'value')).toBe(1);
  });
});

describe('a webhook node', () => {
  it('POSTs once, signed, with an idempotency key; its declared answer reaches later templates; a 5xx is retried by the step', async () => {
    const { createServer } = await import('node:http');
    const { createHmac } = await import('node:crypto');
    const calls: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    let fail = 1;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls.push({ headers: req.headers, body });
        if (fail-- > 0) return void res.writeHead(503).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'KOD-7\u202EX', secret: 'not declared' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const journey = JourneyConfig.parse({
        id: 'coded',
        name: 'Coded',
        trigger: 'order.placed',
        topic: 'service',
        nodes: [
          { id: 'get-code', webhook: { url: `http://127.0.0.1:${port}/codes`, fields: ['code'] } },
          { id: 'mail', send: { channel: 'email', template: 'code-mail' } },
        ],
      });
      const f = journeyFlow(journey)!;
      const w = world();
      const deps = {
        ...w.step,
        journeys: [journey],
        config: { ...w.step.config, webhookSecret: 'whsec-test-0123456789' },
        webhooks: new FetchWebhookCaller(),
        templates: new Map([...templates, ['code-mail', { pl: { subject: 'Kod', text: 'Twój kod: {{webhook.code}}' }, en: { subject: 'Code', text: 'Your code: {{webhook.code}}' } }]]),
      } as GraphDeps;
      await acceptEvents([order(9, '80.00')], { ...w.enrol, journeys: [journey] });
      const payload = GraphPayload.parse({
        version: 3, journey: 'coded', trigger: 'order.placed', topic: 'service', entry: 'get-code', segment: JSON.stringify(f.segment('get-code').nodes),
        executionName: 'exec-coded', enrolment: { version: 1, tenant: 'default', customerId: idOf(9), journey: 'coded', key: 'o-9', firstAt: T.toISOString() },
      });
      // The shop's endpoint is down: the step fails and Step Functions retries it.
      await expect(runGraphStep(payload, deps)).rejects.toThrow('webhook: 503');
      expect(await runGraphStep(payload, deps)).toMatchObject({ outcome: 'completed' });
      // A retry after the answer was kept calls nobody.
      await runGraphStep(payload, deps);
      expect(calls).toHaveLength(2);
      const [, ok] = calls;
      expect(ok!.headers['idempotency-key']).toBe('exec-coded:get-code');
      const [t, v1] = String(ok!.headers['x-koszyk-signature']).split(',').map((x) => x.split('=')[1]);
      expect(v1).toBe(createHmac('sha256', 'whsec-test-0123456789').update(`${t}.${ok!.body}`).digest('hex'));
      expect(JSON.parse(ok!.body)).toMatchObject({ shop: 'default', journey: 'coded', node: 'get-code', key: 'o-9', customer: { email: 'k9@example.pl' } });
      // Only the declared field, cleaned of bidirectional overrides.
      expect((await w.store.getEnrolment('default', idOf(9), 'coded', 'o-9'))?.data).toEqual({ 'get-code': { code: 'KOD-7X' } });
      expect(w.emails.map((m) => m.text)).toEqual([expect.stringContaining('Twój kod: KOD-7X')]);
    } finally {
      server.close();
    }
  });
});
