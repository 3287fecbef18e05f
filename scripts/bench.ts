/**
 * `npm run bench [-- --customers 1000,10000 --ingest 2000 --per-journey 100 --repeat 1 --store memory --out bench/results.json]`
 *
 * Measures, in one run on this machine: ingest throughput against the ceiling of the same
 * DynamoDB Local server, simulation speed against the bare interpreter running the same
 * executions, cost per journey on AWS from counted usage, and peak memory. Prints a table and
 * writes bench/results.json. `--ingest 0` and `--per-journey 0` leave out those phases (and, with
 * the memory store, DynamoDB Local); `--repeat N` runs each simulation size N times, engine and
 * bare interpreter in turn, and reports the median ratio; `--profile` adds a sampled run of the
 * first size and splits its CPU between the interpreter, the product, the store and the engine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { signBase64Hmac } from '../functions/ingest/signatures.ts';
import { documentClient } from '../functions/adapters/dynamo/client.ts';
import { items } from '../functions/adapters/dynamo/keys.ts';
import { silentLog } from '../functions/shared/logger.ts';
import { VirtualClock } from '../local/clock.ts';
import { synthesizeApp } from '../local/definitions.ts';
import { type DynamoDbLocal, LOCAL_CREDENTIALS, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { startLocalStack } from '../local/stack.ts';
import type { LocalBackend } from '../local/storage.ts';
import { createStateTable } from '../local/tables.ts';

import { cost, javaPeakRssMb, median, percentile, pool, printTable, Progress, round, type SimulationRow } from './bench-support.ts';
import { profiled } from './bench-profile.ts';
import { bareInterpreter, JOURNEYS, simulateCustomers } from './bench-simulation.ts';

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
/** Runs of each simulation size, engine and bare interpreter in turn; the overhead reported is the median of their ratios. */
const REPEAT = Number(arg('repeat', '1'));
/** One more run of the first size under the sampling profiler, to show where the engine's CPU goes. */
const PROFILE = process.argv.includes('--profile');
if (!Number.isInteger(REPEAT) || REPEAT < 1) throw new Error(`--repeat: "${arg('repeat', '1')}" is not a whole number of runs`);
/** Where the scaling simulation keeps its state: memory (the engine alone) or DynamoDB Local (today's product path). */
const STORE_ARG = arg('store', 'memory');
if (STORE_ARG !== 'memory' && STORE_ARG !== 'dynamodb-local') throw new Error(`--store: "${STORE_ARG}" is neither memory nor dynamodb-local`);
const STORE: LocalBackend = STORE_ARG;
/** Where the results go: `--out` as given when absolute, else from the project folder. */
const OUT_FILE = resolve(ROOT, OUT);
const CONCURRENCY = 16;
/** Customers in the unmeasured pass before the simulations. */
const WARM_UP = 500;
const SECRET = 'bench-shopify-secret';
/** One set for every stack the bench starts; the simulation's API events use `apiKey`. */
const SECRETS = { apiKey: 'bench-key', shopifySecret: SECRET, wooSecret: 'w', stripeSecret: 's', unsubscribeSecret: 'bench-unsubscribe-secret-0123' };

/** Raw conditional writes from this process to the same server: the ceiling ingest is held against. */
async function ceiling(ddb: DynamoDbLocal, n: number, table: string, label: string) {
  const raw = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'eu-central-1', credentials: LOCAL_CREDENTIALS });
  // The same schema as the state table the ingest writes to.
  await createStateTable(raw, await synthesizeApp(), table);
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

/**
 * Each phase runs when asked for: `--ingest 0` skips ingest and its ceiling, `--per-journey 0` the
 * cost runs, and DynamoDB Local is started only for a phase that uses it.
 */
async function main(): Promise<void> {
  const needsDynamo = INGEST_N > 0 || PER_JOURNEY > 0 || STORE === 'dynamodb-local';
  if (needsDynamo) new Progress('starting DynamoDB Local');
  const ddb = needsDynamo ? await startDynamoDbLocal() : undefined;
  try {
    let ingestResults: Record<string, number> | undefined;
    let javaAfterIngest: number | undefined;
    if (ddb && INGEST_N > 0) {
      // Both sides are measured warm: a first pass of each lets the JVM and V8 compile their hot paths.
      await ceiling(ddb, Math.min(INGEST_N, 2000), 'bench-warmup', 'warm-up: ceiling');
      await ingest(ddb, Math.min(INGEST_N, 1000), 'warmup-', 'warm-up: ingest');
      const ceil = await ceiling(ddb, INGEST_N * 2, 'bench-ceiling', 'ceiling');
      const ing = await ingest(ddb, INGEST_N, 'ingest-', 'ingest');
      javaAfterIngest = javaPeakRssMb(ddb.pid);
      ingestResults = {
        ...ing,
        ceilingConditionalWritesPerSecond: ceil.writesPerSecond,
        ceilingP50Ms: ceil.p50Ms,
        ceilingP99Ms: ceil.p99Ms,
        ceilingNodeCpuMsPerWrite: ceil.nodeCpuMsPerWrite,
        ratioToCeiling: round(ing.webhooksPerSecond / ceil.writesPerSecond),
      };
    }
    const simulation: SimulationRow[] = [];
    // As ingest: measured warm. An unmeasured pass lets V8 compile the engine's and the interpreter's hot paths first.
    if (SIZES.length > 0) {
      const warm = await simulateCustomers({ customers: WARM_UP, journeys: JOURNEYS, prefix: 'warm-up-', label: 'warm-up: simulation', store: STORE, ddb, secrets: SECRETS, record: true });
      await bareInterpreter(warm.recorded, WARM_UP, 'warm-up: bare interpreter');
    }
    for (const size of SIZES) {
      const runs = [];
      for (let k = 1; k <= REPEAT; k++) {
        const tag = REPEAT > 1 ? ` (run ${k} of ${REPEAT})` : '';
        const run = await simulateCustomers({ customers: size, journeys: JOURNEYS, prefix: `sim${size}-${k}-`, label: `simulation ${size}${tag}`, store: STORE, ddb, secrets: SECRETS, record: true });
        const bare = await bareInterpreter(run.recorded, size, `bare interpreter ${size}${tag}`);
        const { counters, stateTable: _s, ingestRequests: _i, recorded: _r, ...engine } = run;
        runs.push({
          engine: { ...engine, transitions: counters.transitions, taskInvocations: counters.taskInvocations, segments: counters.segments },
          bare,
          overhead: round(run.wallSeconds / bare.wallSeconds, 1),
          cpuOverhead: round(run.cpuSeconds / bare.cpuSeconds, 1),
        });
      }
      simulation.push({ size, overhead: round(median(runs.map((r) => r.overhead)), 1), cpuOverhead: round(median(runs.map((r) => r.cpuOverhead)), 1), runs });
    }
    // Apart from the measured runs: the profiler's own cost would count against the engine.
    if (PROFILE && simulation[0]) {
      const size = simulation[0].size;
      simulation[0].cpuBreakdown = await profiled((bracket) => simulateCustomers({ customers: size, journeys: JOURNEYS, prefix: `profile${size}-`, label: `simulation ${size} (profiled)`, store: STORE, ddb, secrets: SECRETS, bracket }));
    }
    const costs = [];
    if (ddb && PER_JOURNEY > 0) {
      for (const j of JOURNEYS) {
        const run = await simulateCustomers({ customers: PER_JOURNEY, journeys: [j], prefix: `cost-${j}-`, label: `cost ${j}`, store: 'dynamodb-local', ddb, secrets: SECRETS });
        costs.push(cost(run, j, price));
      }
    }
    const results = {
      ranAt: new Date().toISOString(),
      command: `npm run bench -- --customers ${SIZES.join(',')} --ingest ${INGEST_N} --per-journey ${PER_JOURNEY}${REPEAT > 1 ? ` --repeat ${REPEAT}` : ''}${PROFILE ? ' --profile' : ''}${STORE === 'memory' ? '' : ` --store ${STORE}`}${OUT === join('bench', 'results.json') ? '' : ` --out ${OUT}`}`,
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGb: Math.round(totalmem() / 1024 ** 3), node: process.version },
      prices: { file: 'bench/prices.json', asOf: prices['asOf'], region: prices['region'] },
      ...(ingestResults ? { ingest: ingestResults, memory: { peakNodeRssMb: ingestResults['peakNodeRssMb'], peakDynamoDbLocalRssMb: javaAfterIngest } } : {}),
      simulation,
      ...(costs.length ? { costPer1000Journeys: costs } : {}),
    };
    writeFileSync(OUT_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stderr.write(`wrote ${OUT_FILE}\n`);
    printTable(STORE, results);
  } finally {
    await ddb?.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
