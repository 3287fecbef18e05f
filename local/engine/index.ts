import type { JourneyInput, JourneyRunner } from '../../functions/app/ports.ts';
import type { Clock } from '../../functions/shared/clock.ts';
import { type Log, LogCode } from '../../functions/shared/logger.ts';
import { VirtualClock } from '../clock.ts';
import type { JourneyDefinition } from '../asl.ts';
import { ClockKeeper } from './clock-keeper.ts';
import { countStart, countTransitions, type EngineCounters, emptyCounters } from './counters.ts';
import type { ExecutionRecord, ExecutionStore } from './executions.ts';
import { InFlight, type LocalSchedule, Scheduler } from './scheduler.ts';
import { SegmentRunner, type TaskHandler, wakeTime } from './segment.ts';
import { DefinitionVersions } from './versions.ts';

export type { EngineCounters } from './counters.ts';
export type { ExecutionRecord, ExecutionStatus, ExecutionStore, StoredDefinition } from './executions.ts';
export type { LocalSchedule } from './scheduler.ts';
export { suspendingDefinition, type TaskHandler } from './segment.ts';
export { definitionVersion } from './versions.ts';

export interface LocalEngineOptions {
  schedules?: LocalSchedule[];
  journeys: Map<string, JourneyDefinition>;
  /**
   * The definitions have passed the interpreter's validator already (synthesizeApp's do), so the
   * engine does not validate them again: the validator compiles its JSON schema anew for every
   * definition, which costs most of a start. @default false
   */
  validated?: boolean;
  handlers: Record<string, TaskHandler>;
  /** Where executions, the definition versions they run on and a persisted clock are kept. */
  executions: ExecutionStore;
  clock: Clock;
  log: Log;
  /**
   * Under a virtual clock: keep the time it reaches beside the executions, so that
   * `resumeClock` after a restart carries on from it. @default false
   */
  persistClock?: boolean;
  /** Told, and awaited, after each segment: the transitions and task invocations it took (journey counters). A failure is logged. */
  onUsage?: (usage: ExecutionUsage) => Promise<void>;
}

/** What one segment of an execution used, as AWS would bill it. */
export interface ExecutionUsage {
  journey: string;
  executionName: string;
  /** The execution's input (JourneyInput, as JSON). */
  input: string;
  transitions: number;
  invocations: number;
  at: Date;
}

/**
 * Runs the CDK-synthesized state machines with aws-local-stepfunctions. An execution runs up
 * to a Wait, is kept in the executions store with its wake time, and later resumes by running
 * the definition it started with from the Wait's Next state. Restarts lose nothing: queued and
 * interrupted executions are picked up from the store.
 */
export class LocalEngine implements JourneyRunner {
  readonly counters: EngineCounters = emptyCounters();
  private readonly executions: ExecutionStore;
  private readonly versions: DefinitionVersions;
  private readonly segments: SegmentRunner;
  private readonly inFlight = new InFlight();
  private readonly scheduler: Scheduler;
  private readonly keeper: ClockKeeper;

  constructor(private readonly o: LocalEngineOptions) {
    this.executions = o.executions;
    this.versions = new DefinitionVersions(o.journeys, o.executions, o.handlers, o.validated === true);
    this.segments = new SegmentRunner({ handlers: o.handlers, counters: this.counters, clock: o.clock });
    this.scheduler = new Scheduler({
      schedules: o.schedules ?? [],
      executions: o.executions,
      clock: o.clock,
      log: o.log,
      inFlight: this.inFlight,
      resume: (record) => this.runSegment(record),
    });
    this.keeper = new ClockKeeper(o.executions, o.clock, o.persistClock === true);
  }

  get clock(): Clock {
    return this.o.clock;
  }

  async start(journey: string, executionName: string, input: JourneyInput): Promise<'started' | 'exists'> {
    const def = this.versions.latest(journey);
    const record: ExecutionRecord = {
      journey,
      name: executionName,
      status: 'RUNNING',
      state: def.definition.StartAt,
      input: JSON.stringify(input),
      originalInput: JSON.stringify(input),
      startedAt: this.o.clock.now().toISOString(),
      version: def.version,
      transitions: 0,
    };
    // A definition that opens with a Wait (every journey: it waits for the first send's time)
    // has a first segment with no side effects, so it is evaluated here and the execution is
    // written once, already waiting, instead of written and then suspended.
    const opening = await this.segments.openingWait(def, record);
    if (opening?.next) {
      const wakeAt = wakeTime(opening, this.o.clock.now()).toISOString();
      Object.assign(record, { status: 'WAITING', state: opening.next, input: JSON.stringify(opening.output), wakeAt, transitions: 1 });
    }
    await this.versions.keep(def);
    if (!(await this.executions.create(record))) return 'exists';
    countStart(this.counters, journey);
    if (record.status === 'WAITING') {
      countTransitions(this.counters, journey, record.transitions);
      await this.report(record, record.transitions, 0);
      this.o.log.info(LogCode.EngineSuspended, { journey, executionName, next: record.state, wakeAt: record.wakeAt });
    } else {
      this.inFlight.track(this.runSegment(record));
    }
    return 'started';
  }

  async stop(journey: string, executionName: string, reason: string): Promise<void> {
    await this.executions.stop(journey, executionName, reason);
  }

  describe(journey: string, executionName: string): Promise<ExecutionRecord | undefined> {
    return this.executions.get(journey, executionName);
  }

  /** Resolves when no segment is running (new ones started meanwhile are awaited too). */
  idle(): Promise<void> {
    return this.inFlight.idle();
  }

  /** Runs the claimed (RUNNING) execution's next segment on its definition, and writes how it ended. */
  private async runSegment(record: ExecutionRecord): Promise<void> {
    const { journey, name } = record;
    const end = (status: 'SUCCEEDED' | 'FAILED', transitions: number, error?: string) =>
      this.executions.complete(journey, name, { status, endedAt: this.o.clock.now().toISOString(), transitions, ...(error !== undefined ? { error } : {}) });
    let def: Awaited<ReturnType<DefinitionVersions['of']>>;
    try {
      def = await this.versions.of(record);
    } catch (e) {
      // Its definition is gone (the store was edited by hand): running it on another would be a guess.
      this.o.log.error(LogCode.EngineFailed, { journey, executionName: name, state: record.state, error: 'DefinitionNotFound' });
      await end('FAILED', 0, (e as Error).message.slice(0, 500));
      return;
    }
    const outcome = await this.segments.run(def, record);
    if (outcome.kind !== 'timed-out') await this.report(record, outcome.transitions, outcome.invocations);
    switch (outcome.kind) {
      case 'timed-out':
        this.o.log.error(LogCode.EngineFailed, { journey, executionName: name, error: 'States.Timeout' });
        await end('FAILED', 0, 'States.Timeout');
        return;
      case 'failed':
        this.o.log.error(LogCode.EngineFailed, { journey, executionName: name, state: record.state, error: outcome.errorName });
        await end('FAILED', outcome.transitions, outcome.error);
        return;
      case 'suspended': {
        const wakeAt = outcome.wakeAt.toISOString();
        if (await this.executions.suspend(journey, name, { state: outcome.next, input: outcome.input, wakeAt, transitions: outcome.transitions })) {
          this.o.log.info(LogCode.EngineSuspended, { journey, executionName: name, next: outcome.next, wakeAt });
        }
        return;
      }
      case 'succeeded':
        await end('SUCCEEDED', outcome.transitions);
        return;
    }
  }

  /** Tells `onUsage` what a segment used; the execution goes on whatever becomes of the count. */
  private async report(record: ExecutionRecord, transitions: number, invocations: number): Promise<void> {
    if (!this.o.onUsage || (transitions === 0 && invocations === 0)) return;
    try {
      await this.o.onUsage({ journey: record.journey, executionName: record.name, input: record.originalInput, transitions, invocations, at: this.o.clock.now() });
    } catch (e) {
      this.o.log.warn(LogCode.StatsNotCounted, { journey: record.journey, executionName: record.name, error: (e as Error).name });
    }
  }

  /** Runs every schedule whose time has come, each once, then plans its next run. */
  runSchedules(): Promise<void> {
    return this.scheduler.runSchedules();
  }

  /** Earliest queued wake time, if any. */
  nextWake(): Promise<Date | undefined> {
    return this.scheduler.nextWake();
  }

  /** Claims and runs every execution whose wait is over, `concurrency` at a time. */
  runDue(concurrency = 32): Promise<number> {
    return this.scheduler.runDue(concurrency);
  }

  /**
   * After a crash, executions that were mid-segment are queued again at "now": their steps are
   * idempotent, so re-running the segment sends nothing twice.
   */
  async recover(): Promise<number> {
    const interrupted = await this.executions.running();
    const now = this.o.clock.now().toISOString();
    for (const r of interrupted) await this.executions.requeue(r.journey, r.name, now);
    return interrupted.length;
  }

  /** Virtual time: runs every wake-up up to `to`, each at its own instant, then sets the clock to `to`. */
  async advanceTo(to: Date): Promise<void> {
    const clock = this.o.clock;
    if (!(clock instanceof VirtualClock)) throw new Error('advanceTo needs a virtual clock');
    await this.idle();
    for (;;) {
      const wake = await this.scheduler.nextWake();
      const schedule = this.scheduler.nextSchedule();
      const next = wake && schedule ? (wake < schedule ? wake : schedule) : (wake ?? schedule);
      if (!next || next.getTime() > to.getTime()) break;
      await this.keeper.save(next);
      clock.set(next);
      await this.scheduler.runSchedules();
      await this.scheduler.runDue();
    }
    await this.keeper.save(to);
    clock.set(to);
  }

  /** After a restart under a persisted virtual clock: carries on from the time reached (see ClockKeeper.resume). */
  resumeClock(): Promise<Date> {
    return this.keeper.resume();
  }

  /** Real time: polls for due executions. */
  startTimer(intervalMs = 1000): void {
    this.scheduler.startTimer(intervalMs);
  }

  async close(): Promise<void> {
    this.scheduler.stopTimer();
    await this.idle();
  }
}
