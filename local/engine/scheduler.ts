import type { Clock } from '../../functions/shared/clock.ts';
import { type Log, LogCode } from '../../functions/shared/logger.ts';
import type { ExecutionRecord, ExecutionStore } from './executions.ts';

/** A recurring run (a segment selection), the local stand-in for EventBridge Scheduler. */
export interface LocalSchedule {
  name: string;
  next(from: Date): Date;
  run(at: Date): Promise<void>;
}

/** The segments running now, so that callers (and shutdown) can wait until none is. */
export class InFlight {
  private readonly running = new Set<Promise<void>>();

  track(p: Promise<void>): void {
    this.running.add(p);
    p.finally(() => this.running.delete(p)).catch(() => undefined);
  }

  /** Resolves when no segment is running (new ones started meanwhile are awaited too). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

export interface SchedulerOptions {
  schedules: LocalSchedule[];
  executions: ExecutionStore;
  clock: Clock;
  log: Log;
  inFlight: InFlight;
  /** Runs the next segment of an execution this scheduler has claimed. */
  resume(record: ExecutionRecord): Promise<void>;
}

/** What wakes executions: their wait ending, and the daily schedules. */
export class Scheduler {
  private readonly nextRuns = new Map<LocalSchedule, Date>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: SchedulerOptions) {}

  /** When the next schedule runs (each is planned from now the first time it is asked). */
  nextSchedule(): Date | undefined {
    let best: Date | undefined;
    for (const schedule of this.o.schedules) {
      let at = this.nextRuns.get(schedule);
      if (!at) {
        at = schedule.next(this.o.clock.now());
        this.nextRuns.set(schedule, at);
      }
      if (!best || at < best) best = at;
    }
    return best;
  }

  /** Runs every schedule whose time has come, each once, then plans its next run. */
  async runSchedules(): Promise<void> {
    const now = this.o.clock.now();
    for (const schedule of this.o.schedules) {
      const at = this.nextRuns.get(schedule) ?? schedule.next(now);
      if (at.getTime() > now.getTime()) {
        this.nextRuns.set(schedule, at);
        continue;
      }
      this.nextRuns.set(schedule, schedule.next(new Date(at.getTime() + 60_000)));
      await schedule.run(at);
    }
    await this.o.inFlight.idle();
  }

  /** Earliest queued wake time, if any. */
  async nextWake(): Promise<Date | undefined> {
    const [first] = await this.o.executions.due('9999-12-31T00:00:00.000Z', 1);
    return first?.wakeAt ? new Date(first.wakeAt) : undefined;
  }

  /** Claims and runs every execution whose wait is over, `concurrency` at a time. */
  async runDue(concurrency = 32): Promise<number> {
    const due = await this.o.executions.due(this.o.clock.now().toISOString());
    let claimed = 0;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < due.length; i = next++) {
        const item = due[i]!;
        if (!(await this.o.executions.claim(item.journey, item.name))) continue;
        claimed++;
        this.o.log.info(LogCode.EngineResumed, { journey: item.journey, executionName: item.name, state: item.state });
        const { wakeAt: _wakeAt, ...claimedRecord } = item;
        const run = this.o.resume({ ...claimedRecord, status: 'RUNNING' });
        this.o.inFlight.track(run);
        // The execution stays RUNNING and is recovered on the next start.
        await run.catch((e: Error) => this.o.log.error(LogCode.EngineFailed, { journey: item.journey, executionName: item.name, error: e.name }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
    await this.o.inFlight.idle();
    return claimed;
  }

  /** Real time: polls for due schedules and executions every `intervalMs`. */
  startTimer(intervalMs: number): void {
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

  stopTimer(): void {
    const t = this.timer;
    this.timer = undefined;
    if (t) clearTimeout(t);
  }
}
