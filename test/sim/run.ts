import { MemoryOutbox } from '../../functions/adapters/memory/outbox.ts';
import type { StateStore } from '../../functions/app/ports.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { VirtualClock } from '../../local/clock.ts';
import type { SynthesizedApp } from '../../local/definitions.ts';
import type { LocalBackend } from '../../local/storage.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { type Fault, FaultInjector } from './faults.ts';
import { checkRun, checkSends, type Violation } from './invariants.ts';
import { contact, customerOf, eventBody, SHOPS, START, type Step, UNSUBSCRIBE_SECRET, unsubscribeToken } from './workload.ts';

/**
 * One deterministic run: a fresh stack on a virtual clock, the workload delivered as the
 * platforms deliver (each request 1 s after the one before; a request that got no 2xx answer is
 * delivered again, as Shopify and Stripe retry, at growing intervals), time advanced by the
 * workload, faults injected at the port calls the seed names, invariants checked as it goes and
 * at the end.
 */

export const FREQUENCY_CAP = { max: 2, days: 7 };
/** When a platform tries again after a failed delivery (after the first, second, … attempt). */
export const REDELIVERY_MINUTES = [1, 10, 60, 6 * 60, 24 * 60, 3 * 24 * 60];
/** After the workload, time runs on until every journey (the longest is 14 days) has had its turn. */
const DRAIN_DAYS = 30;

export type RequestKind = 'event' | 'unsubscribe' | 'sms-stop' | 'bounce' | 'complaint' | 'erase';

/** One request the platform delivers until it gets an answer, with every attempt's outcome. */
export interface Delivery {
  seq: number;
  kind: RequestKind;
  shop: number;
  customer: number;
  tenant: string;
  customerId: string;
  /** Event deliveries: the API body (its id is the event's). */
  body?: Record<string, unknown>;
  channel?: 'email' | 'sms';
  address?: string;
  request: () => Parameters<LocalStack['request']>[0];
  attempts: { at: string; status: number | 'crash' }[];
  /** The first 2xx answer. */
  ackedAt?: string;
  /** The platform sending an event it had delivered before: the delivery it repeats. */
  duplicateOf?: number;
  /** Whether any attempt met an injected fault. */
  faulted: boolean;
}

export interface Harness {
  stack: LocalStack<LocalBackend>;
  store: StateStore;
  clock: VirtualClock;
  injector: FaultInjector;
  deliveries: Delivery[];
  now(): Date;
}

export interface RunOptions {
  backend: LocalBackend;
  synthesized: SynthesizedApp;
  dynamoEndpoint?: string;
  tablePrefix?: string;
}

/** What a run exercised: a simulation that sends nothing or meets no fault proves nothing. */
export interface RunStats {
  messages: number;
  marketing: number;
  faults: number;
  redeliveries: number;
  erasures: number;
}

export interface RunResult {
  violations: Violation[];
  stats: RunStats;
  /** What happened, step by step: printed with a counterexample. */
  trace: string[];
}

export async function runWorkload(workload: readonly Step[], faults: readonly Fault[], o: RunOptions): Promise<RunResult> {
  const clock = new VirtualClock(START);
  const journeys = loadJourneys();
  const injector = new FaultInjector(faults, { journeys, now: () => clock.now() });
  const outbox = new MemoryOutbox();
  const [primary, ...others] = SHOPS;
  const stack = await startLocalStack<LocalBackend>({
    backend: o.backend,
    clock,
    log: silentLog,
    synthesized: o.synthesized,
    dynamoEndpoint: o.dynamoEndpoint,
    tablePrefix: o.tablePrefix,
    secrets: { apiKey: primary.apiKey, shopifySecret: 'sim-shopify', wooSecret: 'sim-woo', stripeSecret: 'sim-stripe', unsubscribeSecret: UNSUBSCRIBE_SECRET },
    extraCredentials: { apiKeys: others.map((s) => `${s.tenant}::${s.apiKey}`), shopifySecrets: [], wooSecrets: [], stripeSecrets: [] },
    senders: 'in-process',
    mailer: outbox.mailer,
    sms: outbox.sms,
    frequencyCap: FREQUENCY_CAP,
    intercept: injector.interceptor(),
  });
  const h: Harness = { stack, store: stack.store, clock, injector, deliveries: [], now: () => clock.now() };
  const trace: string[] = [];
  const violations: Violation[] = [];
  const pending: { due: number; delivery: Delivery }[] = [];
  let checkedSends = 0;
  const checkNewSends = async () => {
    violations.push(...(await checkSends(h, injector.sends.slice(checkedSends))));
    checkedSends = injector.sends.length;
  };

  const attempt = async (d: Delivery) => {
    await stack.engine.advanceTo(new Date(clock.now().getTime() + 1000));
    const at = clock.now().toISOString();
    const hitsBefore = injector.hits.length;
    let status: number | 'crash';
    try {
      status = (await stack.request(d.request())).status;
    } catch {
      status = 'crash';
    }
    if (injector.hits.length > hitsBefore) d.faulted = true;
    d.attempts.push({ at, status });
    trace.push(`${at} ${d.kind}#${d.seq} → ${status}${injector.hits.length > hitsBefore ? ` (faults: ${injector.hits.slice(hitsBefore).map((f) => `${f.kind}@${f.port}.${f.method}`).join(', ')})` : ''}`);
    if (status !== 'crash' && status >= 200 && status < 300) {
      d.ackedAt ??= at;
    } else {
      // Platforms deliver again after any answer but a 2xx, and after none.
      const wait = REDELIVERY_MINUTES[d.attempts.length - 1];
      if (wait !== undefined) pending.push({ due: clock.now().getTime() + wait * 60_000, delivery: d });
      // 409 (being processed) and 429 (slow down) ask for that redelivery; any other 4xx refuses valid input.
      if (status !== 'crash' && status >= 400 && status < 500 && status !== 409 && status !== 429) {
        violations.push({ invariant: 'good-input-accepted', detail: `${d.kind}#${d.seq} answered ${status}` });
      }
    }
    await stack.engine.idle();
  };
  const deliver = async (d: Omit<Delivery, 'seq' | 'attempts' | 'faulted'>) => {
    const delivery: Delivery = { ...d, seq: h.deliveries.length, attempts: [], faulted: false };
    h.deliveries.push(delivery);
    await attempt(delivery);
  };
  /** Lets time pass to `to`, redelivering what falls due on the way. */
  const advance = async (to: number) => {
    for (;;) {
      pending.sort((a, b) => a.due - b.due);
      const next = pending[0];
      if (!next || next.due > to) break;
      pending.shift();
      await stack.engine.advanceTo(new Date(Math.max(next.due, clock.now().getTime())));
      await attempt(next.delivery);
      await checkNewSends();
    }
    await stack.engine.advanceTo(new Date(Math.max(to, clock.now().getTime())));
  };

  const who = (shop: number, customer: number) => ({ shop, customer, ...customerOf(shop, customer) });
  const api = (s: number, body: Record<string, unknown>) => () => ({
    method: 'POST',
    path: '/v1/events',
    headers: { authorization: `Bearer ${SHOPS[s]!.apiKey}`, 'content-type': 'application/json' },
    rawBody: Buffer.from(JSON.stringify(body)),
  });
  const feedback = (message: Record<string, unknown>) => () => ({
    method: 'POST',
    path: '/_local/feedback',
    headers: { authorization: `Bearer ${primary.apiKey}`, 'content-type': 'application/json' },
    rawBody: Buffer.from(JSON.stringify(message)),
  });

  try {
    for (const step of workload) {
      switch (step.kind) {
        case 'event': {
          // Distinct milliseconds per event: no two statements of consent tie.
          const occurredAt = new Date(clock.now().getTime() + 1000 + step.skewMinutes * 60_000 + 1 + (h.deliveries.length % 997));
          const body = eventBody(step, `sim-${h.deliveries.length}`, occurredAt);
          await deliver({ kind: 'event', ...who(step.shop, step.customer), body, request: api(step.shop, body) });
          break;
        }
        case 'again': {
          const events = h.deliveries.filter((d) => d.kind === 'event');
          const earlier = events[events.length - 1 - (step.back % Math.max(events.length, 1))];
          if (earlier) await deliver({ kind: 'event', duplicateOf: earlier.seq, shop: earlier.shop, customer: earlier.customer, tenant: earlier.tenant, customerId: earlier.customerId, body: earlier.body, request: earlier.request });
          break;
        }
        case 'unsubscribe': {
          const token = unsubscribeToken(step.shop, step.customer, step.channel, clock.now());
          const request = () => ({ method: 'POST', path: '/unsubscribe', query: { token }, headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: Buffer.from('List-Unsubscribe=One-Click') });
          await deliver({ kind: 'unsubscribe', ...who(step.shop, step.customer), channel: step.channel, request });
          break;
        }
        case 'sms-stop': {
          const phone = contact(step.customer).phone;
          await deliver({ kind: 'sms-stop', ...who(0, step.customer), channel: 'sms', address: phone, request: feedback({ originationNumber: phone, messageBody: 'STOP' }) });
          break;
        }
        case 'bounce': {
          const email = contact(step.customer).email;
          const message = step.complaint
            ? { eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: email }] } }
            : { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: email }] } };
          await deliver({ kind: step.complaint ? 'complaint' : 'bounce', ...who(0, step.customer), channel: 'email', address: email, request: feedback(message) });
          break;
        }
        case 'erase': {
          const body = { email: contact(step.customer).email };
          await deliver({ kind: 'erase', ...who(step.shop, step.customer), request: () => ({ ...api(step.shop, body)(), path: '/v1/customers/erase' }) });
          break;
        }
        case 'advance':
          await advance(clock.now().getTime() + step.minutes * 60_000);
          trace.push(`${clock.now().toISOString()} advanced ${step.minutes}m`);
          break;
      }
      await checkNewSends();
    }
    await advance(clock.now().getTime() + DRAIN_DAYS * 86_400_000);
    await checkNewSends();
    violations.push(...(await checkRun(h)));
  } finally {
    await stack.stop();
  }
  const stats: RunStats = {
    messages: injector.sends.length,
    marketing: injector.sends.filter((m) => m.marketing).length,
    faults: injector.hits.length,
    redeliveries: h.deliveries.reduce((n, d) => n + d.attempts.length - 1, 0),
    erasures: h.deliveries.filter((d) => d.kind === 'erase' && d.ackedAt).length,
  };
  return { violations, stats, trace: [...trace, ...injector.sends.map((s) => `${s.at} sent ${s.channel}${s.marketing ? ' marketing' : ''} ${s.step?.journey}/${s.step?.step} ${s.step?.executionName}`)] };
}
