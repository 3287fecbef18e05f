import type { Clock } from '../functions/shared/clock.ts';

/** A clock that only moves when told to: simulations and tests fast-forward days with it. */
export class VirtualClock implements Clock {
  private t: number;
  constructor(start: Date) {
    this.t = start.getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  /** Moves forward only; time never runs backwards. */
  set(to: Date): void {
    this.t = Math.max(this.t, to.getTime());
  }
  /**
   * On a restart, before anything has run: carry on from the time a previous run reached, even
   * when that is before the time this clock was made with (by default the moment of starting).
   */
  restore(to: Date): void {
    this.t = to.getTime();
  }
}

export function isVirtual(clock: Clock): clock is VirtualClock {
  return clock instanceof VirtualClock;
}
