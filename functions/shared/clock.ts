/** Time as the engine sees it: the system clock on AWS, a virtual one in simulations and tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
