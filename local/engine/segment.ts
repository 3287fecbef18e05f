import { StateMachine } from 'aws-local-stepfunctions';
import type { Clock } from '../../functions/shared/clock.ts';
import type { AslDefinition, AslState } from '../asl.ts';
import { countTask, countTransitions, type EngineCounters } from './counters.ts';
import type { ExecutionRecord } from './executions.ts';

type JSONValue = Parameters<NonNullable<NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers']>[string]>[0];

export type TaskHandler = (input: unknown) => Promise<unknown>;

/** One version of a journey's definition, ready to run in segments. */
export interface RunnableDefinition {
  version: string;
  journey: string;
  /** As synthesized: its StartAt and TimeoutSeconds. */
  definition: AslDefinition;
  /** With every Wait rewritten to end the segment (see suspendingDefinition). */
  suspending: AslDefinition;
  /** Task state name → handler name. */
  taskHandlers: Record<string, string>;
}

/** Marker a suspended segment ends with (a Wait state rewritten as a Pass state). */
export interface Suspend {
  __suspend: true;
  next: string | null;
  seconds?: number;
  timestamp?: string;
  output: unknown;
}

export function isSuspend(v: unknown): v is Suspend {
  return typeof v === 'object' && v !== null && (v as { __suspend?: unknown }).__suspend === true;
}

/** When a suspended execution wakes: the Wait's timestamp, or its seconds from now. */
export function wakeTime(s: Suspend, now: Date): Date {
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
  // The execution-wide timeout spans restarts, so the engine enforces it (see SegmentRunner.run);
  // handing days to the interpreter's setTimeout would overflow it.
  const { TimeoutSeconds: _timeout, ...rest } = def;
  return { ...rest, States };
}

/** `$.a.b`: a path of plain field names, the only kind plainWait reads itself. */
const FIELD_PATH = /^\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/;

/**
 * A Wait that needs no interpreter to tell where and when it resumes: JSONPath, no InputPath, a
 * literal Seconds or Timestamp or a path of plain field names to a value the input has. What it
 * gives is what the rewritten Pass would (see suspendingDefinition): its output is its input.
 * Undefined for any other Wait, which the interpreter then evaluates.
 */
export function plainWait(state: AslState, input: string, machineLanguage?: unknown): Suspend | undefined {
  if ((state['QueryLanguage'] ?? machineLanguage ?? 'JSONPath') !== 'JSONPath' || state.InputPath !== undefined || typeof state.Next !== 'string') return undefined;
  const output = JSON.parse(input) as unknown;
  const read = (path: string): unknown => {
    const fields = FIELD_PATH.exec(path)?.[1]?.slice(1).split('.');
    if (!fields) return undefined;
    let v: unknown = output;
    for (const f of fields) {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, f)) return undefined;
      v = (v as Record<string, unknown>)[f];
    }
    return v;
  };
  const suspend = { __suspend: true as const, next: state.Next, output };
  if (typeof state.Seconds === 'number') return { ...suspend, seconds: state.Seconds };
  if (typeof state.Timestamp === 'string') return { ...suspend, timestamp: state.Timestamp };
  const seconds = state.SecondsPath === undefined ? undefined : read(state.SecondsPath);
  if (typeof seconds === 'number') return { ...suspend, seconds };
  const timestamp = state.TimestampPath === undefined ? undefined : read(state.TimestampPath);
  if (typeof timestamp === 'string') return { ...suspend, timestamp };
  return undefined;
}

/** How a segment ended; the engine writes it as the execution's next status. */
export type SegmentOutcome =
  | { kind: 'suspended'; next: string; input: string; wakeAt: Date; transitions: number; invocations: number }
  | { kind: 'succeeded'; transitions: number; invocations: number }
  | { kind: 'failed'; error: string; errorName: string; transitions: number; invocations: number }
  | { kind: 'timed-out' };

/**
 * Runs a definition with aws-local-stepfunctions from an execution's current state up to the
 * next Wait (which ends the segment: the engine turns it into a suspension) or the end.
 */
export class SegmentRunner {
  /** Interpreters by version and start state: building one parses the definition. */
  private readonly machines = new Map<string, StateMachine>();

  constructor(
    private readonly o: { handlers: Record<string, TaskHandler>; counters: EngineCounters; clock: Clock },
  ) {}

  private machine(def: RunnableDefinition, startAt: string): StateMachine {
    const cacheKey = `${def.version}\u0000${startAt}`;
    let m = this.machines.get(cacheKey);
    if (!m) {
      m = new StateMachine({ ...def.suspending, StartAt: startAt } as never, { validationOptions: { noValidate: true } });
      this.machines.set(cacheKey, m);
    }
    return m;
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

  /**
   * Runs the execution's current state alone when it is a Wait (rewritten to a Pass, so no task
   * can run): where and when to resume. Undefined for any other state or a bad input, which then
   * fails the execution the usual way, in `run`.
   */
  async openingWait(def: RunnableDefinition, record: ExecutionRecord): Promise<Suspend | undefined> {
    const state = def.definition.States[record.state];
    if (state?.Type !== 'Wait') return undefined;
    const plain = plainWait(state, record.input, def.definition['QueryLanguage']);
    if (plain) return plain;
    try {
      const out = await this.machine(def, record.state).run(JSON.parse(record.input), { context: this.context(record) }).result;
      return isSuspend(out) && out.next !== null ? out : undefined;
    } catch {
      return undefined;
    }
  }

  async run(def: RunnableDefinition, record: ExecutionRecord): Promise<SegmentOutcome> {
    const { journey } = record;
    const taskResourceLocalHandlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    let invocations = 0;
    for (const [state, handler] of Object.entries(def.taskHandlers)) {
      taskResourceLocalHandlers[state] = (input) => {
        invocations++;
        return countTask(this.o.counters, journey, async () => (await this.o.handlers[handler]!(input)) as JSONValue);
      };
      retryIntervalOverrides[state] = 0;
    }
    this.o.counters.segments++;
    const timeoutSeconds = def.definition['TimeoutSeconds'];
    if (typeof timeoutSeconds === 'number' && this.o.clock.now().getTime() > Date.parse(record.startedAt) + timeoutSeconds * 1000) {
      return { kind: 'timed-out' };
    }
    let output: unknown;
    let transitions = 0;
    try {
      const execution = this.machine(def, record.state).run(JSON.parse(record.input), {
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
      countTransitions(this.o.counters, journey, transitions);
      return { kind: 'failed', error: (e as Error).message.slice(0, 500), errorName: (e as Error).name, transitions, invocations };
    }
    countTransitions(this.o.counters, journey, transitions);
    if (isSuspend(output) && output.next !== null) {
      return { kind: 'suspended', next: output.next, input: JSON.stringify(output.output), wakeAt: wakeTime(output, this.o.clock.now()), transitions, invocations };
    }
    return { kind: 'succeeded', transitions, invocations };
  }
}
