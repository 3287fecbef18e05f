import { readFileSync } from 'node:fs';
import type { LocalStack } from '../local/stack.ts';
import type { LocalBackend } from '../local/storage.ts';
import type { CpuBreakdown, Part } from './bench-profile.ts';

const PART_NAMES: Record<Part, string> = {
  interpreter: 'interpreter (aws-local-stepfunctions, JSONPath)',
  product: 'product: use cases, rules, templates, handlers (functions/, workflows/)',
  store: 'in-memory store (functions/adapters/memory)',
  engine: 'local engine and stack (local/, the bench driver)',
  runtime: 'runtime: garbage collection, microtasks, Node',
};

/** The benchmark's plumbing: progress lines, a work pool, percentiles, the printed table. */

/** A phase of at least this many items (webhooks, writes, customers) is long: its progress is shown by tenths. */
export const LONG_PHASE = 1000;

/**
 * Progress on stderr (stdout carries only the table): a line as each phase starts and, for a long
 * one, a line at every further tenth done, with the seconds it has taken so far.
 */
export class Progress {
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

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function pool<T>(n: number, concurrency: number, work: (i: number) => Promise<T>, progress?: Progress): Promise<T[]> {
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

export function javaPeakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface SimulationRow {
  size: number;
  overhead: number;
  cpuOverhead: number;
  runs: { engine: { wallSeconds: number; cpuSeconds: number; customerDaysPerSecond: number; storeRequestsPerCustomer: number; peakRssMb: number }; bare: { wallSeconds: number; cpuSeconds: number; customerDaysPerSecond: number }; overhead: number; cpuOverhead: number }[];
  cpuBreakdown?: CpuBreakdown;
}

/** The tables of the phases that ran, in the README's form. */
export function printTable(store: string, r: {
  machine: Record<string, unknown>;
  ingest?: Record<string, number>;
  memory?: Record<string, number | undefined>;
  simulation: SimulationRow[];
  costPer1000Journeys?: ReturnType<typeof cost>[];
}): void {
  const out: string[] = [];
  out.push(`machine: ${r.machine['cpu']} × ${r.machine['cores']}, ${r.machine['memoryGb']} GiB, Node ${r.machine['node']}`);
  if (r.ingest && r.memory) {
    out.push('');
    out.push('| ingest (signed Shopify webhooks, 16 in flight) | value |', '|---|---|');
    out.push(`| accepted end to end | ${r.ingest['webhooksPerSecond']}/s (p50 ${r.ingest['p50Ms']} ms, p99 ${r.ingest['p99Ms']} ms) |`);
    out.push(`| ceiling: raw conditional writes, same server and process | ${r.ingest['ceilingConditionalWritesPerSecond']}/s (p50 ${r.ingest['ceilingP50Ms']} ms, p99 ${r.ingest['ceilingP99Ms']} ms) |`);
    out.push(`| ratio | ${r.ingest['ratioToCeiling']} |`);
    out.push(`| store requests per webhook (ceiling: 1) | ${r.ingest['storeRequestsPerWebhook']} |`);
    out.push(`| this process's CPU per webhook / per ceiling write | ${r.ingest['nodeCpuMsPerWebhook']} ms / ${r.ingest['ceilingNodeCpuMsPerWrite']} ms |`);
    out.push(`| peak RSS | engine ${r.memory['peakNodeRssMb']} MiB, DynamoDB Local ${r.memory['peakDynamoDbLocalRssMb'] ?? '?'} MiB |`);
  }
  out.push('');
  out.push(`| customers × 30 days, five journeys | engine on ${store} (wall s, customer-days/s, CPU s, peak RSS) | store requests per customer | bare interpreter (wall s, customer-days/s, CPU s) | overhead (wall, CPU) |`, '|---|---|---|---|---|');
  for (const s of r.simulation) {
    for (const [k, run] of s.runs.entries()) {
      const { engine: e, bare: b } = run;
      const label = s.runs.length > 1 ? `${s.size} (run ${k + 1})` : `${s.size}`;
      out.push(`| ${label} | ${e.wallSeconds} s, ${e.customerDaysPerSecond}/s, ${e.cpuSeconds} s, ${e.peakRssMb} MiB | ${e.storeRequestsPerCustomer} | ${b.wallSeconds} s, ${b.customerDaysPerSecond}/s, ${b.cpuSeconds} s | ${run.overhead}×, ${run.cpuOverhead}× |`);
    }
    if (s.runs.length > 1) out.push(`| ${s.size}, median of ${s.runs.length} | | | | ${s.overhead}×, ${s.cpuOverhead}× |`);
  }
  for (const s of r.simulation.filter((x) => x.cpuBreakdown)) {
    const { shares, floorWithoutEngine } = s.cpuBreakdown!;
    out.push('', `| where the engine's CPU goes, ${s.size} customers (sampled) | share |`, '|---|---|');
    for (const [part, share] of Object.entries(shares)) out.push(`| ${PART_NAMES[part as Part]} | ${share}% |`);
    out.push(`| overhead a zero-cost engine would still show: (interpreter + product + store) ÷ interpreter | ${floorWithoutEngine}× |`);
  }
  if (r.costPer1000Journeys) {
    out.push('');
    out.push('| $ per 1,000 journeys | transitions | orchestration | messaging | total | Pinpoint journeys reference |', '|---|---|---|---|---|---|');
    for (const c of r.costPer1000Journeys) {
      out.push(`| ${c.journey} | ${c.perJourney.transitions} | ${c.usdPer1000.orchestration} | ${c.usdPer1000.messaging} | ${c.usdPer1000.total} | ${c.usdPer1000.pinpointJourneysReference} |`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

export interface SimRun {
  customers: number;
  wallSeconds: number;
  /** This process's CPU time (user and system, every thread) over the same span. */
  cpuSeconds: number;
  customerDaysPerSecond: number;
  storeRequestsPerCustomer: number;
  /** This process's peak resident memory up to the end of the run (its earlier phases included). */
  peakRssMb: number;
  sent: { email: number; smsParts: number; tasks: number };
  counters: LocalStack<LocalBackend>['engine']['counters'];
  stateTable: { rru: number; wru: number };
  ingestRequests: number;
}


/** What one journey of a simulated run costs, priced with bench/prices.json. */
export function cost(run: SimRun, journey: string, price: (k: string) => number) {
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

