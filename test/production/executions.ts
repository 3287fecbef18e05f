import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { ShippedStateMachine } from './cloud-assembly.ts';
import type { HarnessClock, Invocation } from './lambda-host.ts';

type JSONValue = Parameters<NonNullable<NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers']>[string]>[0];

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface TaskRecord {
  state: string;
  /** Virtual time the function was invoked at. */
  at: number;
  payload: unknown;
  outcome: Invocation;
}

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** While the execution waits (a Wait state, or the interval before a Retry): when it goes on. */
  wakeAt?: number;
  /** Every invocation of a Task state's function, in order. */
  tasks: TaskRecord[];
}

interface Running {
  exec: Execution;
  machine: ShippedStateMachine;
  abort: () => void;
  busy: boolean;
  pendingWake?: number;
  lastState?: string;
  gate?: { at: number; open: () => void; timer?: NodeJS.Timeout };
}

/** Longest a real-time timer may be set for (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER = 2 ** 31 - 1;

/** Resolves `$`, `$.a.b` and `$['a']` paths; anything else is refused loudly. */
export function simplePath(path: string, input: unknown): unknown {
  if (!path.startsWith('$')) throw new Error(`path ${path} is not a JSONPath`);
  let value = input;
  const re = /\.([A-Za-z_][\w-]*)|\['([^']+)'\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) throw new Error(`path ${path} is more than the harness resolves for a Wait state`);
    value = (value as Record<string, unknown> | undefined)?.[m[1] ?? m[2]!];
  }
  return value;
}

/** When a Wait state entered at `now` with `input` ends. */
export function waitEnd(state: Record<string, unknown>, input: unknown, now: number): number {
  const at = (v: unknown, what: string) => {
    const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(t)) throw new Error(`Wait ${what} is not a timestamp: ${JSON.stringify(v)}`);
    return t;
  };
  if (typeof state['Seconds'] === 'number') return now + state['Seconds'] * 1000;
  if (typeof state['Timestamp'] === 'string') return at(state['Timestamp'], 'Timestamp');
  if (typeof state['SecondsPath'] === 'string') return now + Number(simplePath(state['SecondsPath'], input)) * 1000;
  if (typeof state['TimestampPath'] === 'string') return at(simplePath(state['TimestampPath'], input), 'TimestampPath');
  throw new Error('Wait state without Seconds, Timestamp, SecondsPath or TimestampPath');
}

/** The interval before a retry, as Step Functions computes it (no jitter in these definitions). */
export function retryDelayMs(retrier: { IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number; JitterStrategy?: string }, attempt: number): number {
  if (retrier.JitterStrategy === 'FULL') throw new Error('JitterStrategy FULL: the harness would have to pick a random delay');
  const seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** Math.max(0, attempt - 1);
  return Math.min(seconds, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY) * 1000;
}

/**
 * Step Functions Standard executions of the synthesized definitions, run by
 * aws-local-stepfunctions. The definition is the template's, with two adjustments the
 * interpreter needs: Wait states and Retry intervals are overridden to 0 ms, and the execution's
 * TimeoutSeconds (366 days, beyond what a Node timer can hold) is enforced here on the harness
 * clock. In exchange the harness keeps the time they stand for: an execution entering a Wait
 * (or a Retry's interval) is held, still RUNNING and stoppable, right before its next Task, and
 * goes on when the harness clock reaches the Wait's end — by itself in real time, or when a test
 * advances the clock. So each Task invokes its function at the instant it would on AWS.
 */
export class StepFunctionsEngine {
  private readonly machines = new Map<string, { shipped: ShippedStateMachine; interpreter: StateMachine }>();
  private readonly running = new Map<string, Running>();
  readonly executions = new Map<string, Execution>();
  private waiters: (() => void)[] = [];
  /** Problems in the harness itself (a definition it cannot hold correctly): reported by settled(). */
  readonly harnessErrors: string[] = [];

  constructor(
    machines: readonly ShippedStateMachine[],
    private readonly invoke: (resourceArn: string, payload: unknown) => Promise<Invocation>,
    private readonly clock: HarnessClock,
  ) {
    for (const m of machines) {
      const { TimeoutSeconds: _timeout, ...definition } = m.definition;
      // Validates the definition (asl-validator, ARNs and paths checked) as the interpreter sees it.
      this.machines.set(m.arn, { shipped: m, interpreter: new StateMachine(definition as never) });
    }
  }

  hasMachine(arn: string): boolean {
    return this.machines.has(machineOfArn(arn));
  }

  executionArn(stateMachineArn: string, name: string): string {
    return `${machineOfArn(stateMachineArn).replace(':stateMachine:', ':execution:')}:${name}`;
  }

  start(qualifiedArn: string, name: string, input: string): Execution {
    // Started on an alias or a version: the execution is the state machine's (its ARN has no qualifier).
    const stateMachineArn = machineOfArn(qualifiedArn);
    const m = this.machines.get(stateMachineArn);
    if (!m) throw new Error(`no state machine ${stateMachineArn}`);
    const executionArn = this.executionArn(stateMachineArn, name);
    const exec: Execution = { executionArn, stateMachineArn, name, input, status: 'RUNNING', startDate: this.clock.now(), tasks: [] };
    this.executions.set(executionArn, exec);

    const r: Running = { exec, machine: m.shipped, abort: () => undefined, busy: true };
    this.running.set(executionArn, r);
    const definition = m.shipped.definition;
    const taskResourceLocalHandlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
    const waitTimeOverrides: Record<string, number> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state['Type'] === 'Wait') waitTimeOverrides[stateName] = 0;
      if (state['Retry']) retryIntervalOverrides[stateName] = 0;
      if (state['Type'] === 'Task') {
        const resource = String(state['Resource']);
        taskResourceLocalHandlers[stateName] = (payload) => this.task(r, stateName, resource, payload) as Promise<JSONValue>;
      }
    }
    const run = m.interpreter.run(JSON.parse(input) as JSONValue, {
      overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: `arn:aws:iam::000000000000:role/${m.shipped.logicalId}Role`, StartTime: new Date(exec.startDate).toISOString() },
        StateMachine: { Id: stateMachineArn, Name: m.shipped.name },
      } as never,
    });
    r.abort = run.abort;

    void (async () => {
      for await (const event of run.eventLogs) this.observe(r, event as unknown as Record<string, unknown>);
    })().catch((e: Error) => this.harnessErrors.push(`event log of ${name}: ${e.message}`));

    run.result.then(
      (output) => this.close(r, 'SUCCEEDED', { output: JSON.stringify(output) }),
      (e: Error & { cause?: Error }) => this.close(r, 'FAILED', { error: e.cause?.name ?? e.name, cause: e.cause?.message ?? e.message }),
    );
    return exec;
  }

  /** Follows the execution's events: a Wait entered or a Retry scheduled sets when the next Task may run. */
  private observe(r: Running, event: Record<string, unknown>): void {
    const state = event['state'] as { name: string; type: string; input: unknown } | undefined;
    if (!state) return;
    if (event['type'] === 'StateEntered') {
      r.lastState = state.name;
      if (r.pendingWake !== undefined && state.type !== 'Task') {
        this.harnessErrors.push(`${r.exec.name}: a Wait is followed by ${state.type} state "${state.name}"; the harness holds executions only before a Task`);
        this.stop(r.exec, 'Harness.Error', 'unsupported Wait placement');
      }
      if (state.type === 'Wait') r.pendingWake = waitEnd(r.machine.definition.States[state.name]!, state.input, this.clock.now());
    }
    if (event['type'] === 'StateRetried') {
      const retry = event['retry'] as { retrier: Parameters<typeof retryDelayMs>[0]; attempt: number };
      r.lastState = state.name;
      r.pendingWake = this.clock.now() + retryDelayMs(retry.retrier, retry.attempt);
    }
  }

  private async task(r: Running, stateName: string, resource: string, payload: unknown): Promise<unknown> {
    // The interpreter has just logged entering this state (or retrying it); let the log reach observe().
    await new Promise((resolve) => setImmediate(resolve));
    if (r.lastState !== stateName) {
      this.harnessErrors.push(`${r.exec.name}: task ${stateName} ran before its events were seen (last: ${r.lastState})`);
      throw new Error('harness lost track of the execution');
    }
    const wake = r.pendingWake;
    r.pendingWake = undefined;
    if (wake !== undefined && wake > this.clock.now()) await this.hold(r, wake);
    if (r.exec.status !== 'RUNNING') throw new Error(`execution ${r.exec.status}`);
    const at = this.clock.now();
    const outcome = await this.invoke(resource, payload);
    r.exec.tasks.push({ state: stateName, at, payload, outcome });
    if (!outcome.ok) {
      // A function error reaches the state machine under the function's errorType (Retry and Catch match on it).
      throw Object.assign(new Error(outcome.error.errorMessage), { name: outcome.error.errorType });
    }
    return outcome.result;
  }

  private hold(r: Running, at: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const open = () => {
        if (r.gate?.timer) clearTimeout(r.gate.timer);
        r.gate = undefined;
        r.exec.wakeAt = undefined;
        r.busy = r.exec.status === 'RUNNING';
        resolve();
      };
      const wait = at - this.clock.now();
      r.gate = { at, open, timer: wait < MAX_TIMER ? setTimeout(open, Math.max(0, wait)) : undefined };
      r.exec.wakeAt = at;
      r.busy = false;
      this.notify();
    });
  }

  private close(r: Running, status: ExecutionStatus, extra: Partial<Execution>): void {
    if (r.exec.status === 'RUNNING') Object.assign(r.exec, { status, stopDate: this.clock.now(), ...extra });
    this.running.delete(r.exec.executionArn);
    r.gate?.open();
    r.busy = false;
    this.notify();
  }

  /** StopExecution: ABORTED at once, whether it waits or runs (a running function finishes unheard). */
  stop(exec: Execution, error?: string, cause?: string): void {
    const r = this.running.get(exec.executionArn);
    if (!r || exec.status !== 'RUNNING') return;
    Object.assign(exec, { status: 'ABORTED', stopDate: this.clock.now(), error, cause });
    r.abort();
    this.close(r, 'ABORTED', {});
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when every open execution waits (or none is open); rejects on a harness error. */
  async settled(): Promise<void> {
    for (;;) {
      if (this.harnessErrors.length > 0) throw new Error(`production-path harness: ${this.harnessErrors.join('; ')}`);
      if (![...this.running.values()].some((r) => r.busy)) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Earliest wake-up among waiting executions. */
  nextWake(): number | undefined {
    let next: number | undefined;
    for (const r of this.running.values()) if (r.gate && (next === undefined || r.gate.at < next)) next = r.gate.at;
    return next;
  }

  /**
   * Moves the harness clock to `instant`, letting every waiting execution go on at its own wake
   * time in order (a 1 h reminder runs at +1 h even when the clock jumps two days), and times out
   * executions that outlive their definition's TimeoutSeconds.
   */
  async advanceTo(instant: number): Promise<void> {
    for (;;) {
      await this.settled();
      const next = this.nextWake();
      if (next === undefined || next > instant) break;
      this.clock.advanceTo(next);
      for (const r of [...this.running.values()]) {
        if (!r.gate || r.gate.at > this.clock.now()) continue;
        const timeout = r.machine.definition.TimeoutSeconds;
        if (timeout !== undefined && this.clock.now() >= r.exec.startDate + timeout * 1000) {
          Object.assign(r.exec, { status: 'TIMED_OUT', stopDate: this.clock.now(), error: 'States.Timeout' });
          r.abort();
          this.close(r, 'TIMED_OUT', {});
          continue;
        }
        r.gate.open();
      }
    }
    this.clock.advanceTo(instant);
  }

  /** Stops everything still open (end of a test file). */
  stopAll(): void {
    for (const r of [...this.running.values()]) this.stop(r.exec, 'Harness.Shutdown', 'test file finished');
  }

  static newName(): string {
    return randomUUID();
  }
}

/** A state machine's ARN without the alias or version an ARN may name after it. */
export function machineOfArn(arn: string): string {
  return arn.replace(/^(arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+):[^:]+$/, '$1');
}
