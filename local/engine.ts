import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StateMachine } from 'aws-local-stepfunctions';

type JSONValue = Parameters<NonNullable<NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers']>[string]>[0];
import type { Clock } from '../functions/shared/clock.ts';
import type { JourneyInput, JourneyRunner } from '../functions/app/ports.ts';
import { type Log, LogCode } from '../functions/shared/logger.ts';
import type { AslDefinition, AslState, JourneyDefinition } from './definitions.ts';
import { VirtualClock } from './clock.ts';

export type TaskHandler = (input: unknown) => Promise<unknown>;

/** Marker a suspended segment ends with (a Wait state rewritten as a Pass state). */
interface Suspend {
  __suspend: true;
  next: string | null;
  seconds?: number;
  timestamp?: string;
  output: unknown;
}

type ExecutionStatus = 'RUNNING' | 'WAITING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

interface ExecutionRecord {
  pk: string;
  sk: 'EXEC';
  journey: string;
  name: string;
  status: ExecutionStatus;
  /** State to run next. */
  state: string;
  input: string;
  originalInput: string;
  startedAt: string;
  /** Present only while the execution is queued: makes the wake index sparse. */
  queue?: 'Q';
  wakeAt?: string;
  stopReason?: string;
  error?: string;
  transitions: number;
}

export interface EngineCounters {
  started: number;
  segments: number;
  /** Billable transitions on AWS Standard: states entered, Waits included. */
  transitions: number;
  taskInvocations: number;
  /** The same, per journey (for cost per journey). */
  byJourney: Record<string, { started: number; transitions: number; taskInvocations: number; taskMs: number }>;
}

/** A recurring run (a segment selection), the local stand-in for EventBridge Scheduler. */
export interface LocalSchedule {
  name: string;
  next(from: Date): Date;
  run(at: Date): Promise<void>;
}

export interface LocalEngineOptions {
  schedules?: LocalSchedule[];
  journeys: Map<string, JourneyDefinition>;
  handlers: Record<string, TaskHandler>;
  db: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  log: Log;
  /**
   * Under a virtual clock: keep the time it reaches in the table (one item beside the executions),
   * so that `resumeClock` after a restart carries on from it. @default false
   */
  persistClock?: boolean;
}

export const WAKE_INDEX = 'byWake';
/** Key of the item holding the time a persisted virtual clock reached; not an execution. */
const CLOCK_KEY = { pk: 'CLOCK', sk: 'CLOCK' };

function isSuspend(v: unknown): v is Suspend {
  return typeof v === 'object' && v !== null && (v as { __suspend?: unknown }).__suspend === true;
}

/** When a suspended execution wakes: the Wait's timestamp, or its seconds from now. */
function wakeTime(s: Suspend, now: Date): Date {
  return s.timestamp !== undefined ? new Date(s.timestamp) : new Date(now.getTime() + (s.seconds ?? 0) * 1000);
}

/**
 * Rewrites each Wait into a Pass that ends the segment and reports where to resume and when;
 * the interpreter itself evaluates Seconds/SecondsPath/Timestamp/TimestampPath for us.
 */
export function suspendingDefinition(def: AslDefinition): AslDefinition {
  const States: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(def.States)) {
    if (state.Type !== 'Wait') {
      States[name] = state;
      continue;
    }
    if (state.OutputPath !== undefined) throw new Error(`Wait state "${name}": OutputPath is not supported by the local engine`);
    const parameters: Record<string, unknown> = { __suspend: true, next: state.Next ?? null, 'output.$': '$' };
    if (state.Seconds !== undefined) parameters['seconds'] = state.Seconds;
    if (state.SecondsPath !== undefined) parameters['seconds.$'] = state.SecondsPath;
    if (state.Timestamp !== undefined) parameters['timestamp'] = state.Timestamp;
    if (state.TimestampPath !== undefined) parameters['timestamp.$'] = state.TimestampPath;
    States[name] = { Type: 'Pass', ...(state.InputPath ? { InputPath: state.InputPath } : {}), Parameters: parameters, End: true };
  }
  // The execution-wide timeout spans restarts, so the engine enforces it (see runSegment);
  // handing days to the interpreter's setTimeout would overflow it.
  const { TimeoutSeconds: _timeout, ...rest } = def;
  return { ...rest, States };
}

/**
 * Runs the CDK-synthesized state machines with aws-local-stepfunctions. An execution runs up
 * to a Wait, is persisted in DynamoDB with its wake time, and later resumes by running the same
 * definition from the Wait's Next state. Restarts lose nothing: queued and interrupted
 * executions are picked up from the table.
 */
export class LocalEngine implements JourneyRunner {
  readonly counters: EngineCounters = { started: 0, segments: 0, transitions: 0, taskInvocations: 0, byJourney: {} };

  private journeyCounters(journey: string) {
    this.counters.byJourney[journey] ??= { started: 0, transitions: 0, taskInvocations: 0, taskMs: 0 };
    return this.counters.byJourney[journey]!;
  }

  private countTransitions(journey: string, n: number): void {
    this.counters.transitions += n;
    this.journeyCounters(journey).transitions += n;
  }
  private readonly machines = new Map<string, StateMachine>();
  private readonly suspending = new Map<string, AslDefinition>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly nextRuns = new Map<LocalSchedule, Date>();

  constructor(private readonly o: LocalEngineOptions) {
    for (const [journey, jd] of o.journeys) {
      const rewritten = suspendingDefinition(jd.definition);
      // Validate the definition as synthesized, once; the rewritten segments skip validation.
      new StateMachine(jd.definition as never);
      this.suspending.set(journey, rewritten);
      for (const handler of Object.values(jd.taskHandlers)) {
        if (!o.handlers[handler]) throw new Error(`no local handler "${handler}" for journey ${journey}`);
      }
    }
  }

  private nextSchedule(): { schedule: LocalSchedule; at: Date } | undefined {
    let best: { schedule: LocalSchedule; at: Date } | undefined;
    for (const schedule of this.o.schedules ?? []) {
      let at = this.nextRuns.get(schedule);
      if (!at) {
        at = schedule.next(this.o.clock.now());
        this.nextRuns.set(schedule, at);
      }
      if (!best || at < best.at) best = { schedule, at };
    }
    return best;
  }

  /** Runs every schedule whose time has come, each once, then plans its next run. */
  async runSchedules(): Promise<void> {
    const now = this.o.clock.now();
    for (const schedule of this.o.schedules ?? []) {
      const at = this.nextRuns.get(schedule) ?? schedule.next(now);
      if (at.getTime() > now.getTime()) {
        this.nextRuns.set(schedule, at);
        continue;
      }
      this.nextRuns.set(schedule, schedule.next(new Date(at.getTime() + 60_000)));
      await schedule.run(at);
    }
    await this.idle();
  }

  get clock(): Clock {
    return this.o.clock;
  }

  private machine(journey: string, startAt: string): StateMachine {
    const cacheKey = `${journey}\u0000${startAt}`;
    let m = this.machines.get(cacheKey);
    if (!m) {
      const def = this.suspending.get(journey);
      if (!def) throw new Error(`unknown journey ${journey}`);
      m = new StateMachine({ ...def, StartAt: startAt } as never, { validationOptions: { noValidate: true } });
      this.machines.set(cacheKey, m);
    }
    return m;
  }

  /** Sends a conditional write; false when its condition did not hold (another transition won). */
  private async guarded(command: PutCommand | UpdateCommand): Promise<boolean> {
    try {
      if (command instanceof PutCommand) await this.o.db.send(command);
      else await this.o.db.send(command);
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  private pk(journey: string, name: string): string {
    return `EXEC#${journey}#${name}`;
  }

  async start(journey: string, executionName: string, input: JourneyInput): Promise<'started' | 'exists'> {
    const jd = this.o.journeys.get(journey);
    if (!jd) throw new Error(`unknown journey ${journey}`);
    const now = this.o.clock.now().toISOString();
    const record: ExecutionRecord = {
      pk: this.pk(journey, executionName),
      sk: 'EXEC',
      journey,
      name: executionName,
      status: 'RUNNING',
      state: jd.definition.StartAt,
      input: JSON.stringify(input),
      originalInput: JSON.stringify(input),
      startedAt: now,
      transitions: 0,
    };
    // A definition that opens with a Wait (every journey: it waits for the first send's time)
    // has a first segment with no side effects, so it is evaluated here and the execution is
    // written once, already waiting, instead of written and then suspended.
    const opening = jd.definition.States[jd.definition.StartAt]?.Type === 'Wait' ? await this.evaluate(record) : undefined;
    if (isSuspend(opening) && opening.next !== null) {
      const wakeAt = wakeTime(opening, this.o.clock.now()).toISOString();
      Object.assign(record, { status: 'WAITING', state: opening.next, input: JSON.stringify(opening.output), queue: 'Q', wakeAt, transitions: 1 });
    }
    if (!(await this.guarded(new PutCommand({ TableName: this.o.tableName, Item: record, ConditionExpression: 'attribute_not_exists(pk)' })))) return 'exists';
    this.counters.started++;
    this.journeyCounters(journey).started++;
    if (record.status === 'WAITING') {
      this.countTransitions(journey, record.transitions);
      this.o.log.info(LogCode.EngineSuspended, { journey, executionName, next: record.state, wakeAt: record.wakeAt });
    } else {
      this.track(this.runSegment(record));
    }
    return 'started';
  }

  /** Runs the opening Wait alone (rewritten to a Pass, so no task can run): where and when to resume. */
  private async evaluate(record: ExecutionRecord): Promise<unknown> {
    const only = this.suspending.get(record.journey)!.States[record.state]!;
    if (only.Type !== 'Pass') return undefined;
    try {
      return await this.machine(record.journey, record.state).run(JSON.parse(record.input), { context: this.context(record) }).result;
    } catch {
      // A bad input fails the execution the usual way, in runSegment.
      return undefined;
    }
  }

  private context(record: ExecutionRecord) {
    return {
      Execution: {
        Id: `arn:aws:states:local:000000000000:execution:${record.journey}:${record.name}`,
        Name: record.name,
        Input: JSON.parse(record.originalInput),
        StartTime: record.startedAt,
      },
    };
  }

  async stop(journey: string, executionName: string, reason: string): Promise<void> {
    await this.guarded(
      new UpdateCommand({
        TableName: this.o.tableName,
        Key: { pk: this.pk(journey, executionName), sk: 'EXEC' },
        UpdateExpression: 'SET #status = :stopped, stopReason = :reason REMOVE #queue, wakeAt',
        ConditionExpression: '#status IN (:running, :waiting)',
        ExpressionAttributeNames: { '#status': 'status', '#queue': 'queue' },
        ExpressionAttributeValues: { ':stopped': 'STOPPED', ':reason': reason, ':running': 'RUNNING', ':waiting': 'WAITING' },
      }),
    );
  }

  async describe(journey: string, executionName: string): Promise<ExecutionRecord | undefined> {
    const out = await this.o.db.send(
      new GetCommand({ TableName: this.o.tableName, Key: { pk: this.pk(journey, executionName), sk: 'EXEC' }, ConsistentRead: true }),
    );
    return out.Item as ExecutionRecord | undefined;
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
  }

  /** Resolves when no segment is running (new ones started meanwhile are awaited too). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async runSegment(record: ExecutionRecord): Promise<void> {
    const { journey, name } = record;
    const jd = this.o.journeys.get(journey)!;
    const taskResourceLocalHandlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    for (const [state, handler] of Object.entries(jd.taskHandlers)) {
      taskResourceLocalHandlers[state] = async (input) => {
        this.counters.taskInvocations++;
        const jc = this.journeyCounters(journey);
        jc.taskInvocations++;
        const t0 = performance.now();
        try {
          return (await this.o.handlers[handler]!(input)) as JSONValue;
        } finally {
          jc.taskMs += performance.now() - t0;
        }
      };
      retryIntervalOverrides[state] = 0;
    }
    this.counters.segments++;
    const timeoutSeconds = jd.definition['TimeoutSeconds'];
    if (typeof timeoutSeconds === 'number' && this.o.clock.now().getTime() > Date.parse(record.startedAt) + timeoutSeconds * 1000) {
      this.o.log.error(LogCode.EngineFailed, { journey, executionName: name, error: 'States.Timeout' });
      await this.finish(record, 'FAILED', { error: 'States.Timeout' });
      return;
    }
    let output: unknown;
    let transitions = 0;
    try {
      const execution = this.machine(journey, record.state).run(JSON.parse(record.input), {
        overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
        context: this.context(record),
      });
      const counting = (async () => {
        for await (const event of execution.eventLogs) {
          if ((event as { type?: string }).type === 'StateEntered') transitions++;
        }
      })();
      output = await execution.result;
      await counting.catch(() => undefined);
    } catch (e) {
      this.countTransitions(journey, transitions);
      this.o.log.error(LogCode.EngineFailed, { journey, executionName: name, state: record.state, error: (e as Error).name });
      await this.finish(record, 'FAILED', { error: (e as Error).message.slice(0, 500) }, transitions);
      return;
    }
    this.countTransitions(journey, transitions);
    if (isSuspend(output) && output.next !== null) {
      await this.suspend(record, output.next, JSON.stringify(output.output), wakeTime(output, this.o.clock.now()), transitions);
      return;
    }
    await this.finish(record, 'SUCCEEDED', {}, transitions);
  }

  private async suspend(record: ExecutionRecord, next: string, input: string, wakeAt: Date, transitions: number): Promise<void> {
    if (
      await this.guarded(
        new UpdateCommand({
          TableName: this.o.tableName,
          Key: { pk: record.pk, sk: 'EXEC' },
          UpdateExpression: 'SET #status = :waiting, #state = :state, #input = :input, #queue = :q, wakeAt = :wakeAt ADD transitions :n',
          // A stop that arrived while this segment ran wins.
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#state': 'state', '#input': 'input', '#queue': 'queue' },
          ExpressionAttributeValues: { ':waiting': 'WAITING', ':state': next, ':input': input, ':q': 'Q', ':wakeAt': wakeAt.toISOString(), ':running': 'RUNNING', ':n': transitions },
        }),
      )
    ) {
      this.o.log.info(LogCode.EngineSuspended, { journey: record.journey, executionName: record.name, next, wakeAt: wakeAt.toISOString() });
    }
  }

  private async finish(record: ExecutionRecord, status: 'SUCCEEDED' | 'FAILED', extra: { error?: string }, transitions = 0): Promise<void> {
    await this.guarded(
      new UpdateCommand({
        TableName: this.o.tableName,
        Key: { pk: record.pk, sk: 'EXEC' },
        UpdateExpression: `SET #status = :status, endedAt = :at${extra.error ? ', #error = :error' : ''} REMOVE #queue, wakeAt ADD transitions :n`,
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { '#status': 'status', '#queue': 'queue', ...(extra.error ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: { ':status': status, ':at': this.o.clock.now().toISOString(), ':running': 'RUNNING', ':n': transitions, ...(extra.error ? { ':error': extra.error } : {}) },
      }),
    );
  }

  private async due(until: Date, limit?: number): Promise<ExecutionRecord[]> {
    const items: ExecutionRecord[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.o.db.send(
        new QueryCommand({
          TableName: this.o.tableName,
          IndexName: WAKE_INDEX,
          KeyConditionExpression: '#queue = :q AND wakeAt <= :until',
          ExpressionAttributeNames: { '#queue': 'queue' },
          ExpressionAttributeValues: { ':q': 'Q', ':until': until.toISOString() },
          ExclusiveStartKey,
          Limit: limit,
        }),
      );
      items.push(...((out.Items ?? []) as ExecutionRecord[]));
      ExclusiveStartKey = limit ? undefined : out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  /** Earliest queued wake time, if any. */
  async nextWake(): Promise<Date | undefined> {
    const [first] = await this.due(new Date('9999-12-31T00:00:00Z'), 1);
    return first?.wakeAt ? new Date(first.wakeAt) : undefined;
  }

  /** Claims and runs every execution whose wait is over, `concurrency` at a time. */
  async runDue(concurrency = 32): Promise<number> {
    const due = await this.due(this.o.clock.now());
    let claimed = 0;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < due.length; i = next++) {
        const item = due[i]!;
        const won = await this.guarded(
          new UpdateCommand({
            TableName: this.o.tableName,
            Key: { pk: item.pk, sk: 'EXEC' },
            UpdateExpression: 'SET #status = :running REMOVE #queue, wakeAt',
            ConditionExpression: '#status = :waiting',
            ExpressionAttributeNames: { '#status': 'status', '#queue': 'queue' },
            ExpressionAttributeValues: { ':running': 'RUNNING', ':waiting': 'WAITING' },
          }),
        );
        if (!won) continue;
        claimed++;
        this.o.log.info(LogCode.EngineResumed, { journey: item.journey, executionName: item.name, state: item.state });
        const run = this.runSegment({ ...item, status: 'RUNNING' });
        this.track(run);
        // The execution stays RUNNING and is recovered on the next start.
        await run.catch((e: Error) => this.o.log.error(LogCode.EngineFailed, { journey: item.journey, executionName: item.name, error: e.name }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
    await this.idle();
    return claimed;
  }

  /**
   * After a crash, executions that were mid-segment are queued again at "now": their steps are
   * idempotent, so re-running the segment sends nothing twice.
   */
  async recover(): Promise<number> {
    const out = await this.o.db.send(
      new QueryCommand({
        TableName: this.o.tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: '#status = :running',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':running': 'RUNNING' },
      }),
    );
    const now = this.o.clock.now().toISOString();
    for (const item of (out.Items ?? []) as ExecutionRecord[]) {
      await this.o.db.send(
        new UpdateCommand({
          TableName: this.o.tableName,
          Key: { pk: item.pk, sk: 'EXEC' },
          UpdateExpression: 'SET #status = :waiting, #queue = :q, wakeAt = :now',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#queue': 'queue' },
          ExpressionAttributeValues: { ':waiting': 'WAITING', ':q': 'Q', ':now': now, ':running': 'RUNNING' },
        }),
      );
    }
    return out.Items?.length ?? 0;
  }

  /** Virtual time: runs every wake-up up to `to`, each at its own instant, then sets the clock to `to`. */
  async advanceTo(to: Date): Promise<void> {
    const clock = this.o.clock;
    if (!(clock instanceof VirtualClock)) throw new Error('advanceTo needs a virtual clock');
    await this.idle();
    for (;;) {
      const wake = await this.nextWake();
      const schedule = this.nextSchedule()?.at;
      const next = wake && schedule ? (wake < schedule ? wake : schedule) : (wake ?? schedule);
      if (!next || next.getTime() > to.getTime()) break;
      await this.saveClock(next);
      clock.set(next);
      await this.runSchedules();
      await this.runDue();
    }
    await this.saveClock(to);
    clock.set(to);
  }

  /**
   * Kept before the clock moves, so nothing is ever written at a time later than the one kept;
   * only ever forwards (two advances racing cannot move it back).
   */
  private async saveClock(at: Date): Promise<void> {
    if (!this.o.persistClock) return;
    await this.guarded(
      new UpdateCommand({
        TableName: this.o.tableName,
        Key: CLOCK_KEY,
        UpdateExpression: 'SET #now = :now',
        ConditionExpression: 'attribute_not_exists(#now) OR #now < :now',
        ExpressionAttributeNames: { '#now': 'now' },
        ExpressionAttributeValues: { ':now': at.toISOString() },
      }),
    );
  }

  /**
   * After a restart under a persisted virtual clock: carries on from the time the clock had
   * reached, and never behind what the table records as having happened (an execution's start or
   * end, written by an earlier run that crashed before keeping its time, or by a run on the real
   * clock). With no time kept yet (a new data dir, or one only run on the real clock) the clock
   * only moves forward, to the latest time recorded. A waiting execution's wake time lies in its
   * future, not a time reached, so it does not move the clock. Call before `recover`, which queues
   * interrupted executions at "now".
   */
  async resumeClock(): Promise<Date> {
    const clock = this.o.clock;
    if (!(clock instanceof VirtualClock)) throw new Error('resumeClock needs a virtual clock');
    const saved = await this.o.db.send(new GetCommand({ TableName: this.o.tableName, Key: CLOCK_KEY, ConsistentRead: true }));
    const kept = typeof saved.Item?.['now'] === 'string' ? (saved.Item['now'] as string) : undefined;
    let latest = kept ?? '';
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.o.db.send(
        new ScanCommand({
          TableName: this.o.tableName,
          FilterExpression: 'sk = :exec',
          ProjectionExpression: 'startedAt, endedAt',
          ExpressionAttributeValues: { ':exec': 'EXEC' },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      for (const item of out.Items ?? []) {
        for (const at of [item['startedAt'], item['endedAt']]) if (typeof at === 'string' && at > latest) latest = at;
      }
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const reached = new Date(latest);
    if (!Number.isNaN(reached.getTime())) {
      if (kept !== undefined) clock.restore(reached);
      else clock.set(reached);
    }
    await this.saveClock(clock.now());
    return clock.now();
  }

  /** Real time: polls for due executions. */
  startTimer(intervalMs = 1000): void {
    this.nextSchedule();
    const tick = () => {
      this.runSchedules()
        .then(() => this.runDue())
        .catch((e) => this.o.log.error(LogCode.EngineFailed, { error: (e as Error).message }))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  async close(): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    if (t) clearTimeout(t);
    await this.idle();
  }
}
