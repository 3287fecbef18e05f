/**
 * A stand-in for the Lambda Node.js runtime: one child process per function, started by
 * lambda-host.ts with the function's environment and its bundle directory as the working
 * directory (LAMBDA_TASK_ROOT). It imports the bundle once (the cold start), then runs one
 * invocation at a time: an event arrives over IPC, the exported handler is called with a Lambda
 * context, and the result or the error goes back the way the runtime reports them.
 *
 * Node runs this file as it is (type stripping; no loader, nothing of the project imported), so
 * what executes in this process is the bundle from cdk.out and nothing else of the repository.
 *
 * Time: a Lambda reads the real clock, and a journey's reminder is due an hour later. Instead of
 * waiting, the harness keeps a virtual clock (real time plus an offset) and every invocation
 * carries that offset; `Date` is replaced here, before the bundle is imported, by one that adds
 * it (what a `--import` preload in NODE_OPTIONS would do, without changing the NODE_OPTIONS the
 * template sets). Timers and performance.now() keep real time, so SDK retries and timeouts
 * behave as deployed.
 *
 * argv: <handler, e.g. index.handler>
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

let offsetMs = 0;
const RealDate = Date;
const shiftedNow = () => RealDate.now() + offsetMs;
globalThis.Date = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    return Reflect.construct(target, args.length === 0 ? [shiftedNow()] : args, newTarget);
  },
  apply() {
    return new RealDate(shiftedNow()).toString();
  },
  get(target, prop, receiver) {
    return prop === 'now' ? shiftedNow : Reflect.get(target, prop, receiver);
  },
});

interface InvokeMessage {
  type: 'invoke';
  id: string;
  event: unknown;
  clockOffsetMs: number;
  timeoutMs: number;
  invokedFunctionArn: string;
}

type Reply = { id: string; ok: true; payload: string } | { id: string; ok: false; error: { errorType: string; errorMessage: string; trace: string[] } };

const handlerSetting = process.argv[2] ?? '';
const taskRoot = process.env['LAMBDA_TASK_ROOT'] ?? process.cwd();
const dot = handlerSetting.lastIndexOf('.');
const modulePath = handlerSetting.slice(0, dot);
const exportName = handlerSetting.slice(dot + 1);

class RuntimeError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** As the runtime does it: `<module>.js`, `.mjs` or `.cjs` under the task root. */
async function loadHandler(): Promise<(event: unknown, context: unknown) => Promise<unknown>> {
  if (dot <= 0) throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${handlerSetting}`);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(taskRoot, `${modulePath}${ext}`)).find((f) => existsSync(f));
  if (!file) throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new RuntimeError('Runtime.HandlerNotFound', `${handlerSetting} is undefined or not exported`);
  return fn as (event: unknown, context: unknown) => Promise<unknown>;
}

const init = loadHandler();
// A failed init is reported on the first invocation, as Lambda does; never as an unhandled rejection.
init.catch(() => undefined);

function errorOf(e: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const err = e instanceof Error ? e : new Error(String(e));
  return { errorType: err.name || 'Error', errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
}

const send = (reply: Reply) => process.send?.(reply);

process.on('message', (received: unknown) => {
  const message = received as InvokeMessage;
  if (message?.type !== 'invoke') return;
  void (async () => {
    offsetMs = message.clockOffsetMs;
    const deadline = RealDate.now() + message.timeoutMs;
    const name = process.env['AWS_LAMBDA_FUNCTION_NAME'] ?? 'function';
    const context = {
      awsRequestId: message.id,
      functionName: name,
      functionVersion: process.env['AWS_LAMBDA_FUNCTION_VERSION'] ?? '$LATEST',
      invokedFunctionArn: message.invokedFunctionArn,
      memoryLimitInMB: process.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] ?? '128',
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `${new RealDate(shiftedNow()).toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - RealDate.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    try {
      const handler = await init;
      const result = await handler(message.event, context);
      send({ id: message.id, ok: true, payload: JSON.stringify(result ?? null) });
    } catch (e) {
      send({ id: message.id, ok: false, error: errorOf(e) });
    }
  })();
});
