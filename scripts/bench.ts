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

import { cost, javaPeakRssMb, LONG_PHASE, percentile, pool, printTable, Progress, round, type SimRun } from './bench-support.ts';

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
      await stack.store.recordConsent('default', customerId, 'email', 'marketing', { kind: 'opt-in', granted: true, at: old, source: 'bench', eventKey: `seed${i}` }, new Date(old));
      await stack.store.putOrder('default', customerId, { id: `old${i}`, total: '120.00', currency: 'PLN', items: [] }, old);
      return 0;
    }
  }
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
      costs.push(cost(await simulateCustomers(ddb, PER_JOURNEY, [j], `cost-${j}-`, `cost ${j}`, 'dynamodb-local'), j, price));
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
    printTable(STORE, results);
  } finally {
    await ddb.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
