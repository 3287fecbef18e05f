import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ShippedFunction } from './cloud-assembly.ts';

const RUNTIME = join(dirname(fileURLToPath(import.meta.url)), 'lambda-runtime.ts');

/** The harness's time: the real clock plus an offset that only grows (see lambda-runtime.ts). */
export class HarnessClock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  get offsetMs(): number {
    return this.offset;
  }

  /** Moves time forward to `instant`; never back. */
  advanceTo(instant: number): void {
    const ahead = instant - this.now();
    if (ahead > 0) this.offset += ahead;
  }
}

export type Invocation =
  | { ok: true; result: unknown; ms: number }
  | { ok: false; error: { errorType: string; errorMessage: string; trace?: string[] }; ms: number };

/** What Lambda sets in every function's environment, beside the variables of the template. */
const RESERVED = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_EXECUTION_ENV',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
];

export interface SandboxOptions {
  region: string;
  /** The AWS stand-in: every service the SDK reaches through AWS_ENDPOINT_URL. */
  endpoint: string;
  /** DynamoDB Local. */
  dynamoEndpoint: string;
  /** Dummy credentials; the access key id tells the stand-in which function is calling. */
  accessKeyId: string;
  clock: HarnessClock;
  onLog: (handlerName: string, line: string) => void;
}

/** Exactly the template's environment, plus what Lambda itself sets and the two endpoint overrides. */
export function lambdaEnvironment(fn: ShippedFunction, o: Pick<SandboxOptions, 'region' | 'endpoint' | 'dynamoEndpoint' | 'accessKeyId'>): Record<string, string> {
  const clash = Object.keys(fn.environment).filter((k) => RESERVED.includes(k));
  if (clash.length > 0) throw new Error(`${fn.logicalId} sets reserved environment variables ${clash.join(', ')}: Lambda refuses such a function`);
  return {
    ...fn.environment,
    AWS_REGION: o.region,
    AWS_DEFAULT_REGION: o.region,
    AWS_ACCESS_KEY_ID: o.accessKeyId,
    AWS_SECRET_ACCESS_KEY: 'production-path-dummy-secret-key',
    AWS_SESSION_TOKEN: 'production-path-dummy-session-token',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: fn.assetDir,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin/:/bin',
    AWS_ENDPOINT_URL: o.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: o.dynamoEndpoint,
  };
}

/**
 * One function's execution environment: a child process running lambda-runtime.ts, started on
 * the first invocation (the cold start) and kept warm. Invocations run one at a time, like one
 * sandbox. An invocation that outlives the function's Timeout is killed and reported as Lambda
 * reports it (Sandbox.Timedout); the next invocation starts a fresh process.
 */
export class LambdaSandbox {
  private child: ChildProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: { id: string; child: ChildProcess; resolve: (r: Invocation) => void; started: number } | undefined;
  readonly env: Record<string, string>;
  coldStarts = 0;
  invocations = 0;

  constructor(
    readonly fn: ShippedFunction,
    private readonly o: SandboxOptions,
  ) {
    const major = /^nodejs(\d+)\.x$/.exec(fn.runtime)?.[1];
    if (major !== process.versions.node.split('.')[0]) {
      throw new Error(`${fn.logicalId} runs on ${fn.runtime}, but the tests run on Node ${process.version}: run them with npm scripts (node@24)`);
    }
    this.env = lambdaEnvironment(fn, o);
  }

  invoke(event: unknown): Promise<Invocation> {
    const run = this.queue.then(() => this.invokeNow(event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private spawnChild(): ChildProcess {
    this.coldStarts++;
    const child = spawn(process.execPath, [RUNTIME, this.fn.handler], { cwd: this.fn.assetDir, env: this.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const lines = (stream: NodeJS.ReadableStream | null) => {
      let rest = '';
      stream?.on('data', (d: Buffer) => {
        const parts = (rest + d.toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) if (line.trim()) this.o.onLog(this.fn.handlerName, line);
      });
    };
    lines(child.stdout);
    lines(child.stderr);
    child.on('message', (m: { id?: string; ok?: boolean; payload?: string; error?: Invocation & { ok: false } }) => {
      const p = this.pending;
      if (!p || p.child !== child || m.id !== p.id) return;
      this.pending = undefined;
      const ms = performance.now() - p.started;
      p.resolve(m.ok ? { ok: true, result: JSON.parse(m.payload ?? 'null'), ms } : { ok: false, error: m.error as never, ms });
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      // Only the invocation this process was running fails with it (a killed process exits late).
      const p = this.pending;
      if (!p || p.child !== child) return;
      this.pending = undefined;
      p.resolve({
        ok: false,
        error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${p.id} Error: Runtime exited with ${signal ?? `error: exit status ${code}`}` },
        ms: performance.now() - p.started,
      });
    });
    return child;
  }

  private invokeNow(event: unknown): Promise<Invocation> {
    this.invocations++;
    if (!this.child) this.child = this.spawnChild();
    const child = this.child;
    const id = randomUUID();
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    return new Promise<Invocation>((resolve) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        // Lambda ends a timed-out invocation's environment; the next one starts cold.
        if (this.child === child) this.child = undefined;
        child.kill('SIGKILL');
        resolve({
          ok: false,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${id} Error: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds` },
          ms: performance.now() - started,
        });
      }, timeoutMs);
      this.pending = {
        id,
        child,
        started,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      child.send({ type: 'invoke', id, event, clockOffsetMs: this.o.clock.offsetMs, timeoutMs, invokedFunctionArn: this.fn.arn });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
