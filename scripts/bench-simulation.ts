/**
 * The bench's simulation phases: customers through five journeys for 30 simulated days on the
 * local engine, and the same definitions in the bare interpreter.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import type { JourneyInput, JourneyRunner } from '../functions/app/ports.ts';
import { customerIdFor } from '../functions/shared/ids.ts';
import { silentLog } from '../functions/shared/logger.ts';
import { VirtualClock } from '../local/clock.ts';
import { synthesizeApp } from '../local/definitions.ts';
import type { DynamoDbLocal } from '../local/dynamodb-local.ts';
import { type LocalSecrets, type LocalStack, startLocalStack } from '../local/stack.ts';
import type { LocalBackend } from '../local/storage.ts';
import type { Bracket } from './bench-profile.ts';
import { LONG_PHASE, pool, Progress, round, type SimRun } from './bench-support.ts';

const T0 = new Date('2026-06-01T05:00:00Z');
export const JOURNEYS = ['abandoned-cart', 'post-purchase', 'order-follow-up', 'dunning', 'win-back'] as const;
export type JourneyId = (typeof JOURNEYS)[number];
/** Triggers in flight at once. */
const CONCURRENCY = 16;

function event(apiKey: string, body: Record<string, unknown>) {
  return { method: 'POST', path: '/v1/events', headers: { authorization: `Bearer ${apiKey}` }, rawBody: Buffer.from(JSON.stringify(body)) };
}

/** One customer's trigger for a journey; win-back customers are seeded with an order 180 days back. */
async function trigger(stack: LocalStack<LocalBackend>, apiKey: string, journey: JourneyId, i: number): Promise<number> {
  const email = `sim${i}@example.pl`;
  const customer = { email, phone: `+4860${String(i).padStart(7, '0')}`, firstName: 'Zofia', locale: 'pl', consent: { emailMarketing: true, smsMarketing: true } };
  const at = T0.toISOString();
  const send = (body: Record<string, unknown>) => stack.request(event(apiKey, { id: `e${i}`, occurredAt: at, customer, ...body }));
  switch (journey) {
    case 'abandoned-cart':
      await send({ type: 'checkout.abandoned', checkout: { token: `t${i}`, items: [{ title: 'Kubek', quantity: 1, price: '49.90' }], total: '49.90', currency: 'PLN' } });
      return 1;
    case 'post-purchase':
      await send({ type: 'order.placed', order: { id: `o${i}`, total: '59.00', currency: 'PLN', items: [{ title: 'Kawa', quantity: 1, price: '59.00', category: 'Kawa' }] } });
      return 1;
    case 'order-follow-up':
      await send({ type: 'order.delivered', order: { id: `o${i}` } });
      return 1;
    case 'dunning':
      await send({ type: 'payment.failed', payment: { invoiceId: `inv${i}`, amount: '99.00', currency: 'PLN' } });
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

/** One execution the engine ran: its input and its steps' answers in order, for the bare interpreter to run again. */
export interface RecordedExecution {
  journey: string;
  name: string;
  input: JourneyInput;
  startedAt: string;
  answers: unknown[];
}

/** Records every execution started and every step's answer, keyed by journey and execution name. */
function recorder(clock: { now(): Date }) {
  const executions = new Map<string, RecordedExecution>();
  const key = (journey: string, name: string) => `${journey}\u0000${name}`;
  return {
    executions,
    runner: (engine: JourneyRunner): JourneyRunner => ({
      async start(journey, name, input) {
        // Kept before the start: the first segment may run before it returns.
        const k = key(journey, name);
        const fresh = !executions.has(k);
        // Flat records (JourneyInput, a step's answer): a spread copies them, at a fraction of the
        // cost of structuredClone, which would otherwise be charged to the engine's time.
        if (fresh) executions.set(k, { journey, name, input: { ...input }, startedAt: clock.now().toISOString(), answers: [] });
        const started = await engine.start(journey, name, input);
        if (started === 'exists' && fresh) executions.delete(k);
        return started;
      },
      stop: (journey, name, reason) => engine.stop(journey, name, reason),
    }),
    async invocation<T>(fn: string, event: unknown, run: () => Promise<T>): Promise<T> {
      const answer = await run();
      if (fn === 'journey-step') {
        const e = event as { journey: string; executionName: string };
        executions.get(key(e.journey, e.executionName))?.answers.push({ ...answer });
      }
      return answer;
    },
  };
}

export interface SimulationRun {
  customers: number;
  journeys: readonly JourneyId[];
  /** Table prefix on DynamoDB Local. */
  prefix: string;
  label: string;
  store: LocalBackend;
  /** Needed with the dynamodb-local store. */
  ddb?: DynamoDbLocal;
  secrets: LocalSecrets;
  /** Keep each execution and its steps' answers (the bare interpreter runs them again). */
  record?: boolean;
  /** Told where the measured phase (triggers and days, not the stack's start) begins and ends. */
  bracket?: Bracket;
}

/**
 * Customers through the journeys for 30 simulated days. In memory the engine and the use cases are
 * measured, not a database server; on DynamoDB Local (the cost runs) its capacity units are counted.
 */
export async function simulateCustomers(r: SimulationRun): Promise<SimRun & { recorded: RecordedExecution[] }> {
  const sent = { email: 0, smsParts: 0, tasks: 0 };
  const stateTable = { rru: 0, wru: 0 };
  let storeRequests = 0;
  const stateName = `${r.prefix}koszyk-state`;
  if (r.store === 'dynamodb-local' && !r.ddb) throw new Error('the dynamodb-local store needs DynamoDB Local');
  const backend =
    r.store === 'memory'
      ? { backend: 'memory' as const, onStoreCall: () => storeRequests++ }
      : {
          dynamoEndpoint: r.ddb!.endpoint,
          tablePrefix: r.prefix,
          onDynamoCapacity: (table: string, kind: 'read' | 'write', units: number) => {
            storeRequests++;
            if (table !== stateName) return;
            if (kind === 'read') stateTable.rru += units;
            else stateTable.wru += units;
          },
        };
  const clock = new VirtualClock(T0);
  const recording = r.record ? recorder(clock) : undefined;
  const stack = await startLocalStack({
    clock,
    ...(recording ? { intercept: { runner: recording.runner, invocation: recording.invocation } } : {}),
    log: silentLog,
    ...backend,
    secrets: r.secrets,
    // The messages are counted from the decisions below; none is kept.
    senders: 'in-process',
    outboxRetain: 0,
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
  await r.bracket?.begin();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const counts = await pool(r.customers, CONCURRENCY, (i) => trigger(stack, r.secrets.apiKey, r.journeys[i % r.journeys.length]!, i), new Progress(`${r.label}: triggers`, r.customers));
  const ingestRequests = counts.reduce((a, b) => a + b, 0);
  // A day at a time: the engine runs every wake-up at its own instant whatever the steps are, and
  // a timer could not report progress, since the run never gives the event loop a turn.
  const days = new Progress(`${r.label}: 30 simulated days`, 30, r.customers >= LONG_PHASE);
  for (let day = 1; day <= 30; day++) {
    await stack.engine.advanceTo(new Date(T0.getTime() + day * 86_400_000));
    days.at(day);
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await r.bracket?.end();
  // The process's peak so far, as the kernel kept it (a sampling timer would never run, see above).
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const counters = structuredClone(stack.engine.counters);
  await stack.stop();
  return {
    customers: r.customers,
    wallSeconds: round(wallSeconds),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    customerDaysPerSecond: Math.round((r.customers * 30) / wallSeconds),
    storeRequestsPerCustomer: round(storeRequests / r.customers, 1),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    sent,
    counters,
    stateTable,
    ingestRequests,
    recorded: recording ? [...recording.executions.values()] : [],
  };
}

export interface BareRun {
  executions: number;
  wallSeconds: number;
  cpuSeconds: number;
  customerDaysPerSecond: number;
}

/**
 * The same synthesized definitions in aws-local-stepfunctions alone: the executions the engine ran,
 * with the same inputs, each Task answering at once what the journey step answered in the engine's
 * run (so each takes the same path, state by state), every Wait zero seconds, no store.
 */
export async function bareInterpreter(recorded: RecordedExecution[], customers: number, label: string): Promise<BareRun> {
  const { journeys } = await synthesizeApp();
  const machines = new Map<string, { machine: StateMachine; waits: Record<string, number>; tasks: string[] }>(
    // Every shipped journey: a trigger aimed at one (an order for post-purchase) may enrol the
    // customer in others too (second-order, coffee-refill), and the engine ran those as well.
    [...journeys].map(([id, jd]) => {
      const waits = Object.fromEntries(Object.entries(jd.definition.States).filter(([, s]) => s.Type === 'Wait').map(([n]) => [n, 0]));
      // Same as the engine: the execution-wide timeout is not handed to setTimeout.
      const { TimeoutSeconds: _t, ...definition } = jd.definition;
      return [id, { machine: new StateMachine(definition as never), waits, tasks: Object.keys(jd.taskHandlers) }] as const;
    }),
  );
  const progress = new Progress(label, recorded.length);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await pool(recorded.length, 64, async (i) => {
    const r = recorded[i]!;
    const m = machines.get(r.journey)!;
    let k = 0;
    const answer = async () => {
      if (k >= r.answers.length) throw new Error(`${r.journey} ${r.name}: the bare run called more steps than the engine's run`);
      return r.answers[k++] as never;
    };
    const taskResourceLocalHandlers = Object.fromEntries(m.tasks.map((n) => [n, answer]));
    await m.machine.run(r.input as never, { overrides: { taskResourceLocalHandlers, waitTimeOverrides: m.waits }, context: { Execution: { Name: r.name, Input: r.input as never, StartTime: r.startedAt } } }).result;
    if (k !== r.answers.length) throw new Error(`${r.journey} ${r.name}: the bare run called ${k} steps, the engine's run ${r.answers.length}`);
  }, progress);
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { executions: recorded.length, wallSeconds: round(wallSeconds), cpuSeconds: round((cpu.user + cpu.system) / 1e6), customerDaysPerSecond: Math.round((customers * 30) / wallSeconds) };
}
