import type { Clock } from '../../functions/shared/clock.ts';
import { VirtualClock } from '../clock.ts';
import type { ExecutionStore } from './executions.ts';

/** Keeps the time a virtual clock reaches beside the executions, so a restart carries on from it. */
export class ClockKeeper {
  constructor(
    private readonly executions: ExecutionStore,
    private readonly clock: Clock,
    private readonly persist: boolean,
  ) {}

  /**
   * Kept before the clock moves, so nothing is ever written at a time later than the one kept;
   * only ever forwards (two advances racing cannot move it back).
   */
  async save(at: Date): Promise<void> {
    if (!this.persist) return;
    await this.executions.keepClock(at.toISOString());
  }

  /**
   * After a restart under a persisted virtual clock: carries on from the time the clock had
   * reached, and never behind what the store records as having happened (an execution's start or
   * end, written by an earlier run that crashed before keeping its time, or by a run on the real
   * clock). With no time kept yet (a new data dir, or one only run on the real clock) the clock
   * only moves forward, to the latest time recorded. A waiting execution's wake time lies in its
   * future, not a time reached, so it does not move the clock. Call before `recover`, which queues
   * interrupted executions at "now".
   */
  async resume(): Promise<Date> {
    const clock = this.clock;
    if (!(clock instanceof VirtualClock)) throw new Error('resumeClock needs a virtual clock');
    const kept = await this.executions.readClock();
    const recorded = await this.executions.latestRecorded();
    let latest = kept ?? '';
    if (recorded !== undefined && recorded > latest) latest = recorded;
    const reached = new Date(latest);
    if (!Number.isNaN(reached.getTime())) {
      if (kept !== undefined) clock.restore(reached);
      else clock.set(reached);
    }
    await this.save(clock.now());
    return clock.now();
  }
}
