import type { AslDefinition } from '../asl.ts';

/**
 * The executions port: what the local engine keeps about its executions, the definitions they
 * run and the time a virtual clock reached. Two implementations, held to the same behaviour by
 * test/contract/executions.test.ts: DynamoDB (dynamodb-executions.ts; `npm start`, the e2e tests)
 * and memory (memory-executions.ts; the simulator). Every transition is guarded by the status it
 * leaves, so a stop that lands while a segment runs wins over the segment's own ending.
 */

export type ExecutionStatus = 'RUNNING' | 'WAITING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

export interface ExecutionRecord {
  journey: string;
  name: string;
  status: ExecutionStatus;
  /** State to run next. */
  state: string;
  input: string;
  originalInput: string;
  startedAt: string;
  /**
   * The version (content hash) of the definition the execution started with; it resumes on that
   * one, as a Standard execution on AWS does. Absent on executions written before versions were kept.
   */
  version?: string;
  /** Present exactly while the execution is queued (WAITING): when it wakes. */
  wakeAt?: string;
  endedAt?: string;
  stopReason?: string;
  error?: string;
  /** Billable transitions so far. */
  transitions: number;
}

/** One version of a journey's definition, as the engine first saw it. */
export interface StoredDefinition {
  /** Content hash of definition and task handlers (see versions.ts). */
  version: string;
  journey: string;
  definition: AslDefinition;
  /** Task state name → handler name. */
  taskHandlers: Record<string, string>;
}

export interface ExecutionStore {
  /** Writes a new execution (RUNNING, or WAITING with `wakeAt`); false when the journey has one of that name. */
  create(record: ExecutionRecord): Promise<boolean>;
  get(journey: string, name: string): Promise<ExecutionRecord | undefined>;
  /** RUNNING or WAITING → STOPPED with the reason, dequeued; false from any other status. */
  stop(journey: string, name: string, reason: string): Promise<boolean>;
  /** RUNNING → WAITING at `state` with `input` until `wakeAt`, adding `transitions`; false when no longer RUNNING. */
  suspend(journey: string, name: string, at: { state: string; input: string; wakeAt: string; transitions: number }): Promise<boolean>;
  /** RUNNING → SUCCEEDED or FAILED at `endedAt`, adding `transitions`; false when no longer RUNNING. */
  complete(journey: string, name: string, end: { status: 'SUCCEEDED' | 'FAILED'; endedAt: string; error?: string; transitions: number }): Promise<boolean>;
  /** Queued executions with `wakeAt` ≤ `until`, earliest first; at most `limit` when given. */
  due(until: string, limit?: number): Promise<ExecutionRecord[]>;
  /** WAITING → RUNNING, dequeued: the right to run its next segment; false when another claim or a stop won. */
  claim(journey: string, name: string): Promise<boolean>;
  /** Executions left RUNNING: mid-segment when the process stopped. */
  running(): Promise<ExecutionRecord[]>;
  /** RUNNING → WAITING, queued at `at`; false when no longer RUNNING. */
  requeue(journey: string, name: string, at: string): Promise<boolean>;
  /** The latest start or end of any execution: the last time the engine is known to have reached. */
  latestRecorded(): Promise<string | undefined>;
  /** The time a persisted virtual clock reached, if one was kept. */
  readClock(): Promise<string | undefined>;
  /** Keeps `at` as the time reached, only ever forwards; false when the time kept is not earlier. */
  keepClock(at: string): Promise<boolean>;
  /** Keeps a definition version (content-addressed: keeping one twice changes nothing). */
  putDefinition(definition: StoredDefinition): Promise<void>;
  getDefinition(version: string): Promise<StoredDefinition | undefined>;
}
