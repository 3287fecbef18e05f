/** What the engine counts: AWS bills Standard executions by transition, and the bench prices them. */
export interface EngineCounters {
  started: number;
  segments: number;
  /** Billable transitions on AWS Standard: states entered, Waits included. */
  transitions: number;
  taskInvocations: number;
  /** The same, per journey (for cost per journey). */
  byJourney: Record<string, JourneyCounters>;
}

export interface JourneyCounters {
  started: number;
  transitions: number;
  taskInvocations: number;
  /** Time spent in task handlers: the Lambda GB-seconds a journey would cost. */
  taskMs: number;
}

export function emptyCounters(): EngineCounters {
  return { started: 0, segments: 0, transitions: 0, taskInvocations: 0, byJourney: {} };
}

function journeyCounters(c: EngineCounters, journey: string): JourneyCounters {
  c.byJourney[journey] ??= { started: 0, transitions: 0, taskInvocations: 0, taskMs: 0 };
  return c.byJourney[journey]!;
}

export function countStart(c: EngineCounters, journey: string): void {
  c.started++;
  journeyCounters(c, journey).started++;
}

export function countTransitions(c: EngineCounters, journey: string, n: number): void {
  c.transitions += n;
  journeyCounters(c, journey).transitions += n;
}

/** Runs one task invocation, counted and timed. */
export async function countTask<T>(c: EngineCounters, journey: string, invoke: () => Promise<T>): Promise<T> {
  c.taskInvocations++;
  const jc = journeyCounters(c, journey);
  jc.taskInvocations++;
  const t0 = performance.now();
  try {
    return await invoke();
  } finally {
    jc.taskMs += performance.now() - t0;
  }
}
