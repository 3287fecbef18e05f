/**
 * `npm run bench [-- --customers 1000,10000 --ingest 2000 --per-journey 100 --out bench/results.json]`
 *
 * Measures, in one run on this machine: ingest throughput against the ceiling of the same
 * DynamoDB Local server, simulation speed against the bare interpreter, cost per journey on AWS
 * from counted usage, and peak memory. Prints a table and writes bench/results.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { StateMachine } from 'aws-local-stepfunctions';
import { signBase64Hmac } from '../functions/ingest/signatures.ts';
import { documentClient } from '../functions/adapters/dynamo/client.ts';
import { items } from '../functions/adapters/dynamo/keys.ts';
import { customerIdFor } from '../functions/shared/ids.ts';
import { silentLog } from '../functions/shared/logger.ts';
import { VirtualClock } from '../local/clock.ts';
import { synthesizeApp } from '../local/definitions.ts';
import { type DynamoDbLocal, LOCAL_CREDENTIALS, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { type LocalStack, startLocalStack } from '../local/stack.ts';
import type { LocalBackend } from '../local/storage.ts';
import { createStateTable } from '../local/tables.ts';

const ROOT = join(import.meta.dirname, '..');
const prices = JSON.parse(readFileSync(join(ROOT, 'bench', 'prices.json'), 'utf8')) as Record<string, number | string>;
const price = (k: string) => prices[k] as number;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const SIZES = arg('customers', '1000,10000').split(',').map(Number);
const INGEST_N = Number(arg('ingest', '2000'));
const PER_JOURNEY = Number(arg('per-journey', '100'));
const OUT = arg('out', join('bench', 'results.json'));
/** Where the scaling simulation keeps its state: memory (the engine alone) or DynamoDB Local (today's product path). */
const STORE_ARG = arg('store', 'memory');
if (STORE_ARG !== 'memory' && STORE_ARG !== 'dynamodb-local') throw new Error(`--store: "${STORE_ARG}" is neither memory nor dynamodb-local`);
const STORE: LocalBackend = STORE_ARG;
/** Where the results go: `--out` as given when absolute, else from the project folder. */
const OUT_FILE = resolve(ROOT, OUT);
const CONCURRENCY = 16;
const SECRET = 'bench-shopify-secret';
/** One set for every stack the bench starts; the simulation's API events use `apiKey`. */
const SECRETS = { apiKey: 'bench-key', shopifySecret: SECRET, wooSecret: 'w', stripeSecret: 's', unsubscribeSecret: 'bench-unsubscribe-secret-0123' };

/** A phase of at least this many items (webhooks, writes, customers) is long: its progress is shown by tenths. */
const LONG_PHASE = 1000;

/**
 * Progress on stderr (stdout carries only the table): a line as each phase starts and, for a long
 * one, a line at every further tenth done, with the seconds it has taken so far.
 */
class Progress {
  private shown = 0;
  private readonly t0 = performance.now();

  constructor(
    private readonly name: string,
    private readonly total = 0,
    private readonly long = total >= LONG_PHASE,
  ) {
    process.stderr.write(`${name}…\n`);
  }

  /** `done` of `total` are finished. */
  at(done: number): void {
    if (!this.long || this.total <= 0) return;
    const tenths = Math.min(10, Math.floor((done / this.total) * 10));
    if (tenths <= this.shown) return;
    this.shown = tenths;
    process.stderr.write(`  ${this.name}: ${tenths * 10}% (${Math.floor(done)}/${this.total}) after ${round((performance.now() - this.t0) / 1000, 1)} s\n`);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function pool<T>(n: number, concurrency: number, work: (i: number) => Promise<T>, progress?: Progress): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        out[i] = await work(i);
        progress?.at(++done);
      }
    }),
  );
  return out;
}

function javaPeakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Raw conditional writes from this process to the same server: the ceiling ingest is held against. */
async function ceiling(ddb: DynamoDbLocal, n: number, table: string, label: string) {
  const raw = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'eu-central-1', credentials: LOCAL_CREDENTIALS });
  // The same schema as the state table the ingest writes to.
  await createStateTable(raw, synthesizeApp(), table);
  const db = documentClient({ endpoint: ddb.endpoint, region: 'eu-central-1', credentials: LOCAL_CREDENTIALS });
  const latencies: number[] = [];
  const progress = new Progress(label, n);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(n, CONCURRENCY, async (i) => {
    const s = performance.now();
    await db.send(new PutCommand({ TableName: table, Item: { ...items.eventClaim('bench', String(i)), at: new Date().toISOString() }, ConditionExpression: 'attribute_not_exists(pk)' }));
    latencies.push(performance.now() - s);
  }, progress);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    writesPerSecond: Math.round(n / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    nodeCpuMsPerWrite: round((cpu.user + cpu.system) / 1000 / n, 3),
  };
}

function checkoutBody(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      token: `bench-${i}`,
      email: `bench.customer${i}@example.pl`,
      buyer_accepts_marketing: true,
      customer_locale: 'pl',
      line_items: [{ title: 'Kubek', quantity: 1, price: '49.90' }],
      total_price: '49.90',
      currency: 'PLN',
      abandoned_checkout_url: `https://sklep.example.pl/koszyk/${i}`,
      customer: { first_name: 'Zofia' },
    }),
  );
}

/** Signed Shopify checkouts over HTTP: verified, deduped, stored, journey started, 202. */
async function ingest(ddb: DynamoDbLocal, n: number, tablePrefix: string, label: string) {
  let peakNodeRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakNodeRss = Math.max(peakNodeRss, process.memoryUsage().rss);
  }, 50);
  let storeRequests = 0;
  const stack = await startLocalStack({
    clock: new VirtualClock(new Date('2026-06-01T08:00:00Z')),
    log: silentLog,
    dynamoEndpoint: ddb.endpoint,
    tablePrefix,
    secrets: SECRETS,
    rateLimitPerMinute: 10_000_000,
    onDynamoCapacity: () => {
      storeRequests++;
    },
  });
  const bodies = Array.from({ length: n }, (_, i) => checkoutBody(i));
  const latencies: number[] = [];
  let accepted = 0;
  storeRequests = 0;
  const progress = new Progress(label, n);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(n, CONCURRENCY, async (i) => {
    const body = bodies[i]!;
    const s = performance.now();
    const res = await fetch(`${stack.apiUrl}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'x-shopify-topic': 'checkouts/create', 'x-shopify-event-id': `bench-${i}`, 'x-shopify-hmac-sha256': signBase64Hmac(body, SECRET), 'content-type': 'application/json' },
      body,
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - s);
    if (res.status === 202) accepted++;
  }, progress);
  const seconds = (performance.now() - t0) / 1000;
  await stack.engine.idle();
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const started = stack.engine.counters.started;
  await stack.stop();
  latencies.sort((a, b) => a - b);
  return {
    requests: n,
    accepted,
    journeysStarted: started,
    webhooksPerSecond: Math.round(accepted / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    peakNodeRssMb: Math.round(peakNodeRss / 1024 / 1024),
    storeRequestsPerWebhook: round(storeRequests / n),
    // Client, server, verification and every store request: the whole webhook runs in this process.
    nodeCpuMsPerWebhook: round((cpu.user + cpu.system) / 1000 / n, 3),
  };
}

const T0 = new Date('2026-06-01T05:00:00Z');
const JOURNEYS = ['abandoned-cart', 'post-purchase', 'order-follow-up', 'dunning', 'win-back'] as const;
type JourneyId = (typeof JOURNEYS)[number];

const auth = { authorization: `Bearer ${SECRETS.apiKey}` };
function event(body: Record<string, unknown>) {
  return { method: 'POST', path: '/v1/events', headers: auth, rawBody: Buffer.from(JSON.stringify(body)) };
}

/** One customer's trigger for a journey; win-back customers are seeded with an order 180 days back. */
async function trigger(stack: LocalStack<LocalBackend>, journey: JourneyId, i: number): Promise<number> {
  const email = `sim${i}@example.pl`;
  const customer = { email, phone: `+4860${String(i).padStart(7, '0')}`, firstName: 'Zofia', locale: 'pl', consent: { emailMarketing: true, smsMarketing: true } };
  const at = T0.toISOString();
  switch (journey) {
    case 'abandoned-cart':
      await stack.request(event({ id: `e${i}`, type: 'checkout.abandoned', occurredAt: at, customer, checkout: { token: `t${i}`, items: [{ title: 'Kubek', quantity: 1, price: '49.90' }], total: '49.90', currency: 'PLN' } }));
      return 1;
    case 'post-purchase':
      await stack.request(event({ id: `e${i}`, type: 'order.placed', occurredAt: at, customer, order: { id: `o${i}`, total: '59.00', currency: 'PLN', items: [{ title: 'Kawa', quantity: 1, price: '59.00', category: 'Kawa' }] } }));
      return 1;
    case 'order-follow-up':
      await stack.request(event({ id: `e${i}`, type: 'order.delivered', occurredAt: at, customer, order: { id: `o${i}` } }));
      return 1;
    case 'dunning':
      await stack.request(event({ id: `e${i}`, type: 'payment.failed', occurredAt: at, customer, payment: { invoiceId: `inv${i}`, amount: '99.00', currency: 'PLN' } }));
      return 1;
    case 'win-back': {
      // Seeded straight into the store: the old order is history, not part of this run's cost.
      const customerId = customerIdFor('default', { email })!;
      const old = new Date(T0.getTime() - 180 * 86_400_000).toISOString();
      await stack.store.upsertCustomer('default', customerId, customer, old);
      await stack.store.recordConsent('default', customerId, 'email', 'marketing', true, old, 'bench', `seed${i}`);
      await stack.store.putOrder('default', customerId, { id: `old${i}`, total: '120.00', currency: 'PLN', items: [] }, old);
      return 0;
    }
  }
}

interface SimRun {
  customers: number;
  wallSeconds: number;
  customerDaysPerSecond: number;
  storeRequestsPerCustomer: number;
  sent: { email: number; smsParts: number; tasks: number };
  counters: LocalStack['engine']['counters'];
  stateTable: { rru: number; wru: number };
  ingestRequests: number;
}

/**
 * Customers through five journeys for 30 simulated days. In memory (the default, `--store`) the
 * engine and the use cases are measured, not a database server; the cost runs use DynamoDB Local,
 * whose capacity units are priced.
 */
async function simulateCustomers(ddb: DynamoDbLocal, customers: number, journeys: readonly JourneyId[], prefix: string, label: string, store: LocalBackend = STORE): Promise<SimRun> {
  const sent = { email: 0, smsParts: 0, tasks: 0 };
  const stateTable = { rru: 0, wru: 0 };
  let storeRequests = 0;
  const stateName = `${prefix}koszyk-state`;
  const backend =
    store === 'memory'
      ? { backend: 'memory' as const, onStoreCall: () => storeRequests++ }
      : {
          dynamoEndpoint: ddb.endpoint,
          tablePrefix: prefix,
          onDynamoCapacity: (table: string, kind: 'read' | 'write', units: number) => {
            storeRequests++;
            if (table !== stateName) return;
            if (kind === 'read') stateTable.rru += units;
            else stateTable.wru += units;
          },
        };
  const stack = await startLocalStack({
    clock: new VirtualClock(T0),
    log: silentLog,
    ...backend,
    secrets: SECRETS,
    rateLimitPerMinute: 10_000_000,
    frequencyCap: { max: 100, days: 7 },
    sendingHours: { from: '00:00', to: '24:00' },
    smsDailyCap: 10_000_000,
    observe: (d) => {
      if (d.outcome === 'sent' && d.channel === 'email') sent.email++;
      if (d.outcome === 'sent' && d.channel === 'sms') sent.smsParts += d.segments ?? 1;
      if (d.outcome === 'task') sent.tasks++;
    },
  });
  // The SES emulator keeps every message in memory; the counts come from the decisions instead.
  const clearing = setInterval(() => {
    fetch(`${stack.sesEndpoint}/clear-store`, { method: 'POST' }).catch(() => undefined);
  }, 5000);
  const t0 = performance.now();
  let ingestRequests = 0;
  const counts = await pool(customers, CONCURRENCY, (i) => trigger(stack, journeys[i % journeys.length]!, i), new Progress(`${label}: triggers`, customers));
  ingestRequests = counts.reduce((a, b) => a + b, 0);
  // Read off the virtual clock, so that the run measured is the same as without progress.
  const days = new Progress(`${label}: 30 simulated days`, 30, customers >= LONG_PHASE);
  const watching = setInterval(() => days.at((stack.clock.now().getTime() - T0.getTime()) / 86_400_000), 1000);
  await stack.engine.advanceTo(new Date(T0.getTime() + 30 * 86_400_000));
  clearInterval(watching);
  days.at(30);
  const wallSeconds = (performance.now() - t0) / 1000;
  clearInterval(clearing);
  const counters = structuredClone(stack.engine.counters);
  await stack.stop();
  return {
    customers,
    wallSeconds: round(wallSeconds),
    customerDaysPerSecond: Math.round((customers * 30) / wallSeconds),
    storeRequestsPerCustomer: round(storeRequests / customers, 1),
    sent,
    counters,
    stateTable,
    ingestRequests,
  };
}

/** The same synthesized definitions in aws-local-stepfunctions alone: no-op tasks, zero waits. */
async function bareInterpreter(customers: number, label: string) {
  const { journeys } = synthesizeApp();
  const machines = JOURNEYS.map((id) => {
    const jd = journeys.get(id)!;
    const waits = Object.fromEntries(Object.entries(jd.definition.States).filter(([, s]) => s.Type === 'Wait').map(([n]) => [n, 0]));
    const tasks = Object.fromEntries(Object.keys(jd.taskHandlers).map((n) => [n, async () => ({ continue: true, outcome: 'sent', nextAt: T0.toISOString() })]));
    // Same as the engine: the execution-wide timeout is not handed to setTimeout.
    const { TimeoutSeconds: _t, ...definition } = jd.definition;
    return { id, machine: new StateMachine(definition as never), waits, tasks };
  });
  const progress = new Progress(label, customers);
  const t0 = performance.now();
  await pool(customers, 64, async (i) => {
    const m = machines[i % machines.length]!;
    const input = { version: 1, tenant: 'default', customerId: `c${i}`, journey: m.id, key: `k${i}`, firstAt: T0.toISOString() };
    await m.machine.run(input, { overrides: { taskResourceLocalHandlers: m.tasks, waitTimeOverrides: m.waits }, context: { Execution: { Name: `x${i}`, Input: input, StartTime: T0.toISOString() } } }).result;
  }, progress);
  const wallSeconds = (performance.now() - t0) / 1000;
  return { customers, wallSeconds: round(wallSeconds), customerDaysPerSecond: Math.round((customers * 30) / wallSeconds) };
}

/** $ per 1,000 journeys from what one journey's run counted. */
function cost(run: SimRun, journey: JourneyId) {
  const per = (x: number) => x / run.customers;
  const jc = run.counters.byJourney[journey] ?? { started: 0, transitions: 0, taskInvocations: 0, taskMs: 0 };
  const transitions = per(jc.transitions);
  const invocations = per(jc.taskInvocations + run.ingestRequests + (journey === 'win-back' ? 1 / run.customers : 0));
  const gbSeconds = (per(jc.taskMs) / 1000) * price('lambdaMemoryGb');
  const orchestration =
    transitions * price('stepFunctionsStandardPerTransition') +
    invocations * price('lambdaPerRequest') +
    gbSeconds * price('lambdaArmPerGbSecond') +
    per(run.stateTable.wru) * price('dynamoDbPerWriteRequestUnit') +
    per(run.stateTable.rru) * price('dynamoDbPerReadRequestUnit') +
    per(run.ingestRequests) * price('httpApiPerRequest') +
    per(run.sent.tasks) * price('eventBridgePerEvent');
  const messaging = per(run.sent.email) * price('sesPerEmail') + per(run.sent.smsParts) * price('smsPerPartPoland');
  return {
    journey,
    perJourney: {
      transitions: round(transitions),
      lambdaInvocations: round(invocations),
      lambdaGbSeconds: round(gbSeconds, 5),
      dynamoWru: round(per(run.stateTable.wru)),
      dynamoRru: round(per(run.stateTable.rru)),
      emails: round(per(run.sent.email)),
      smsParts: round(per(run.sent.smsParts)),
    },
    usdPer1000: {
      orchestration: round(orchestration * 1000, 4),
      messaging: round(messaging * 1000, 4),
      total: round((orchestration + messaging) * 1000, 4),
      pinpointJourneysReference: round((price('pinpointJourneysPerTargetedEndpoint') + messaging) * 1000, 4),
    },
  };
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

async function main(): Promise<void> {
  new Progress('starting DynamoDB Local');
  const ddb = await startDynamoDbLocal();
  try {
    // Both sides are measured warm: a first pass of each lets the JVM and V8 compile their hot paths.
    await ceiling(ddb, Math.min(INGEST_N, 2000), 'bench-warmup', 'warm-up: ceiling');
    await ingest(ddb, Math.min(INGEST_N, 1000), 'warmup-', 'warm-up: ingest');
    const ceil = await ceiling(ddb, INGEST_N * 2, 'bench-ceiling', 'ceiling');
    const ing = await ingest(ddb, INGEST_N, 'ingest-', 'ingest');
    const javaAfterIngest = javaPeakRssMb(ddb.pid);
    const simulation: { size: number; engine: Omit<SimRun, 'counters' | 'stateTable' | 'sent' | 'ingestRequests'>; bare: Awaited<ReturnType<typeof bareInterpreter>>; overhead: number }[] = [];
    for (const size of SIZES) {
      const run = await simulateCustomers(ddb, size, JOURNEYS, `sim${size}-`, `simulation ${size}`);
      const bare = await bareInterpreter(size, `bare interpreter ${size}`);
      simulation.push({
        size,
        engine: { customers: run.customers, wallSeconds: run.wallSeconds, customerDaysPerSecond: run.customerDaysPerSecond, storeRequestsPerCustomer: run.storeRequestsPerCustomer },
        bare,
        overhead: round(run.wallSeconds / bare.wallSeconds, 1),
      });
    }
    const costs = [];
    for (const j of JOURNEYS) {
      costs.push(cost(await simulateCustomers(ddb, PER_JOURNEY, [j], `cost-${j}-`, `cost ${j}`, 'dynamodb-local'), j));
    }
    const results = {
      ranAt: new Date().toISOString(),
      command: `npm run bench -- --customers ${SIZES.join(',')} --ingest ${INGEST_N} --per-journey ${PER_JOURNEY}${STORE === 'memory' ? '' : ` --store ${STORE}`}${OUT === join('bench', 'results.json') ? '' : ` --out ${OUT}`}`,
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGb: Math.round(totalmem() / 1024 ** 3), node: process.version },
      prices: { file: 'bench/prices.json', asOf: prices['asOf'], region: prices['region'] },
      ingest: {
        ...ing,
        ceilingConditionalWritesPerSecond: ceil.writesPerSecond,
        ceilingP50Ms: ceil.p50Ms,
        ceilingP99Ms: ceil.p99Ms,
        ceilingNodeCpuMsPerWrite: ceil.nodeCpuMsPerWrite,
        ratioToCeiling: round(ing.webhooksPerSecond / ceil.writesPerSecond),
      },
      memory: { peakNodeRssMb: ing.peakNodeRssMb, peakDynamoDbLocalRssMb: javaAfterIngest },
      simulation,
      costPer1000Journeys: costs,
    };
    writeFileSync(OUT_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stderr.write(`wrote ${OUT_FILE}\n`);
    printTable(results);
  } finally {
    await ddb.stop();
  }
}

function printTable(r: {
  machine: Record<string, unknown>;
  ingest: Record<string, number>;
  memory: Record<string, number | undefined>;
  simulation: { size: number; engine: { wallSeconds: number; customerDaysPerSecond: number; storeRequestsPerCustomer: number }; bare: { wallSeconds: number; customerDaysPerSecond: number }; overhead: number }[];
  costPer1000Journeys: ReturnType<typeof cost>[];
}): void {
  const out: string[] = [];
  out.push(`machine: ${r.machine['cpu']} × ${r.machine['cores']}, ${r.machine['memoryGb']} GiB, Node ${r.machine['node']}`);
  out.push('');
  out.push('| ingest (signed Shopify webhooks, 16 in flight) | value |', '|---|---|');
  out.push(`| accepted end to end | ${r.ingest['webhooksPerSecond']}/s (p50 ${r.ingest['p50Ms']} ms, p99 ${r.ingest['p99Ms']} ms) |`);
  out.push(`| ceiling: raw conditional writes, same server and process | ${r.ingest['ceilingConditionalWritesPerSecond']}/s (p50 ${r.ingest['ceilingP50Ms']} ms, p99 ${r.ingest['ceilingP99Ms']} ms) |`);
  out.push(`| ratio | ${r.ingest['ratioToCeiling']} |`);
  out.push(`| store requests per webhook (ceiling: 1) | ${r.ingest['storeRequestsPerWebhook']} |`);
  out.push(`| this process's CPU per webhook / per ceiling write | ${r.ingest['nodeCpuMsPerWebhook']} ms / ${r.ingest['ceilingNodeCpuMsPerWrite']} ms |`);
  out.push(`| peak RSS | engine ${r.memory['peakNodeRssMb']} MiB, DynamoDB Local ${r.memory['peakDynamoDbLocalRssMb'] ?? '?'} MiB |`);
  out.push('');
  out.push(`| customers × 30 days, five journeys | engine on ${STORE} (wall s, customer-days/s) | store requests per customer | bare interpreter (wall s, customer-days/s) | overhead |`, '|---|---|---|---|---|');
  for (const s of r.simulation) {
    out.push(`| ${s.size} | ${s.engine.wallSeconds} s, ${s.engine.customerDaysPerSecond}/s | ${s.engine.storeRequestsPerCustomer} | ${s.bare.wallSeconds} s, ${s.bare.customerDaysPerSecond}/s | ${s.overhead}× |`);
  }
  out.push('');
  out.push('| $ per 1,000 journeys | transitions | orchestration | messaging | total | Pinpoint journeys reference |', '|---|---|---|---|---|---|');
  for (const c of r.costPer1000Journeys) {
    out.push(`| ${c.journey} | ${c.perJourney.transitions} | ${c.usdPer1000.orchestration} | ${c.usdPer1000.messaging} | ${c.usdPer1000.total} | ${c.usdPer1000.pinpointJourneysReference} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
