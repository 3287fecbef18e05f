import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { TraceEvent } from '../functions/app/run-graph.ts';
import { type Log, silentLog } from '../functions/shared/logger.ts';
import { parseDurationSeconds } from '../workflows/src/duration.ts';
import { VirtualClock } from './clock.ts';
import { parseCredential } from '../functions/ingest/signatures.ts';
import type { Stats } from '../functions/core/stats.ts';
import { secretsFromEnv, startLocalStack } from './stack.ts';
import type { LocalBackend } from './storage.ts';

/**
 * Replays timestamped requests through the real ingest and engine on a virtual clock and
 * prints what happened as JSON lines: ingest results, every message sent, every send
 * decided against, every conversion, and at the end a summary of each journey (the figures
 * GET /v1/journeys/stats answers).
 */
const InputLine = z
  .strictObject({
    at: z.iso.datetime({ offset: true }),
    route: z.string().startsWith('/'),
    method: z.enum(['GET', 'POST']).default('POST'),
    headers: z.record(z.string(), z.string()).optional(),
    headersFile: z.string().optional(),
    body: z.unknown().optional(),
    bodyFile: z.string().optional(),
  })
  .refine((l) => !(l.headers && l.headersFile), { message: 'give headers or headersFile, not both', path: ['headersFile'] })
  .refine((l) => !(l.body !== undefined && l.bodyFile), { message: 'give body or bodyFile, not both', path: ['bodyFile'] });

export interface SimulatedRequest {
  at: Date;
  route: string;
  method: string;
  headers: Record<string, string>;
  rawBody: Buffer;
  line: number;
}

export class InputError extends Error {
  override name = 'InputError';
}

/** Reads a JSONL file; every problem names the file, the line and the field. */
export function readScenario(file: string): SimulatedRequest[] {
  const base = dirname(resolve(file));
  const out: SimulatedRequest[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === '' || text.trimStart().startsWith('//')) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError(`${file}:${line}: not valid JSON (${(e as Error).message})`);
    }
    const parsed = InputLine.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InputError(`${file}:${line}: field "${issue.path.join('.') || '(line)'}": ${issue.message}`);
    }
    const l = parsed.data;
    const readRelative = (p: string, field: string) => {
      try {
        return readFileSync(resolve(base, p));
      } catch {
        throw new InputError(`${file}:${line}: field "${field}": cannot read ${p}`);
      }
    };
    let headers = l.headers ?? {};
    if (l.headersFile) {
      try {
        headers = z.record(z.string(), z.string()).parse(JSON.parse(readRelative(l.headersFile, 'headersFile').toString('utf8')));
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(`${file}:${line}: field "headersFile": ${l.headersFile} is not a JSON object of header strings`);
      }
    }
    const rawBody = l.bodyFile
      ? readRelative(l.bodyFile, 'bodyFile')
      : l.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(typeof l.body === 'string' ? l.body : JSON.stringify(l.body));
    out.push({ at: new Date(l.at), route: l.route, method: l.method, headers, rawBody, line });
  });
  // Stable: lines with the same timestamp keep file order.
  return out.map((r, i) => ({ r, i })).sort((a, b) => a.r.at.getTime() - b.r.at.getTime() || a.i - b.i).map(({ r }) => r);
}

export interface SimulationOptions {
  forSeconds: number;
  write: (line: Record<string, unknown>) => void;
  log?: Log;
  dynamoEndpoint?: string;
  /** Where the run keeps its state and executions (see startLocalStack). @default 'dynamodb-local' */
  backend?: LocalBackend;
  /**
   * How messages leave (see startLocalStack): in this process, kept as the emulators would keep
   * them, or through the SES emulator and the SMS outbox over HTTP. The lines written are the same.
   * @default 'in-process'
   */
  senders?: 'emulators' | 'in-process';
  /** Also print every node a journey graph passes, with its outcome. @default false */
  trace?: boolean;
}

export async function simulate(requests: SimulatedRequest[], o: SimulationOptions): Promise<void> {
  const start = requests[0]?.at ?? new Date();
  const clock = new VirtualClock(start);
  // What a request sets off is written after its ingest line, however fast the steps it starts run.
  let held: Record<string, unknown>[] | undefined;
  const out = { write: (line: Record<string, unknown>) => (held ? held.push(line) : o.write(line)) };
  const stack = await startLocalStack({
    clock,
    log: o.log ?? silentLog,
    dynamoEndpoint: o.dynamoEndpoint,
    backend: o.backend,
    senders: o.senders ?? 'in-process',
    onConversion: (c) =>
      out.write({ type: 'conversion', at: c.at, journey: c.journey, customerId: c.customerId, orderId: c.subject, revenue: c.revenue, currency: c.currency, step: c.step, variant: c.variant ?? null }),
    observe: (d) => {
      if (d.outcome === 'sent') {
        out.write({
          type: 'message',
          at: d.at,
          journey: d.journey,
          step: d.step,
          ...(d.variant ? { variant: d.variant } : {}),
          customerId: d.customerId,
          channel: d.channel,
          to: d.to,
          template: d.template,
          locale: d.locale,
          subject: d.subject,
          ...(d.channel === 'sms' ? { segments: d.segments, encoding: d.encoding } : {}),
        });
      } else if (d.outcome === 'deferred') {
        out.write({ type: 'suppressed', at: d.at, journey: d.journey, customerId: d.customerId, channel: d.channel, reason: d.reason, step: d.step, until: d.until });
      } else if (d.outcome === 'task') {
        out.write({ type: 'task', at: d.at, journey: d.journey, customerId: d.customerId, step: d.step, ...(d.variant ? { variant: d.variant } : {}), template: d.template, subject: d.subject });
      } else {
        out.write({ type: 'suppressed', at: d.at, journey: d.journey, customerId: d.customerId, channel: d.channel, reason: d.reason, template: d.template, step: d.step, ...(d.variant ? { variant: d.variant } : {}) });
      }
    },
    ...(o.trace ? { trace: (e: TraceEvent) => out.write({ type: 'trace', ...e }) } : {}),
  });
  try {
    for (const r of requests) {
      await stack.engine.advanceTo(r.at);
      held = [];
      const res = await stack.request({ method: r.method, path: r.route.split('?')[0]!, headers: r.headers, rawBody: r.rawBody, query: Object.fromEntries(new URL(r.route, 'http://x').searchParams) });
      const setOff = held;
      held = undefined;
      o.write({ type: 'ingest', at: clock.now().toISOString(), route: r.route, status: res.status, ...(res.status >= 400 ? { error: (res.body as { error?: string })?.error } : {}) });
      for (const line of setOff) o.write(line);
      await stack.engine.idle();
    }
    const last = requests.at(-1)?.at ?? start;
    await stack.engine.advanceTo(new Date(last.getTime() + o.forSeconds * 1000));
    o.write({ type: 'summary', journeys: await summary(stack) });
  } finally {
    await stack.stop();
  }
}

/** Every journey's figures, as the stats API answers them: asked of the API itself, so they are the same. */
async function summary(stack: Awaited<ReturnType<typeof startLocalStack>>): Promise<Stats['journeys']> {
  const key = parseCredential(secretsFromEnv().apiKey, stack.tenant).secret;
  const res = await stack.request({ method: 'GET', path: '/v1/journeys/stats', headers: { authorization: `Bearer ${key}` }, rawBody: Buffer.alloc(0) });
  if (res.status !== 200) throw new Error(`the stats API answered ${res.status}`);
  return (res.body as Stats).journeys;
}

export interface SimulateArgs {
  file: string;
  forSeconds: number;
  backend: LocalBackend;
  trace: boolean;
}

export const SIMULATE_USAGE = 'FILE.jsonl [--for P30D] [--backend memory|dynamodb-local] [--trace]';

/**
 * The simulator's command line (npm run simulate, npm run journeys -- simulate), or what is wrong
 * with it. The command line runs in memory unless told otherwise: a replay keeps nothing, so it
 * needs neither Java nor DynamoDB Local's start-up.
 */
export function parseSimulateArgs(argv: string[]): SimulateArgs | { error: string } | { usage: true } {
  const args = [...argv];
  let forSeconds = 30 * 86_400;
  const i = args.indexOf('--for');
  if (i >= 0) {
    const value = args[i + 1];
    try {
      forSeconds = parseDurationSeconds(value ?? '');
    } catch {
      return { error: `--for: "${value ?? ''}" is not an ISO-8601 duration such as P30D` };
    }
    args.splice(i, 2);
  }
  let backend: LocalBackend = 'memory';
  const j = args.indexOf('--backend');
  if (j >= 0) {
    const value = args[j + 1];
    if (value !== 'memory' && value !== 'dynamodb-local') return { error: `--backend: "${value ?? ''}" is neither memory nor dynamodb-local` };
    backend = value;
    args.splice(j, 2);
  }
  const t = args.indexOf('--trace');
  if (t >= 0) args.splice(t, 1);
  const file = args[0];
  if (!file) return { usage: true };
  if (file.startsWith('--')) return { error: `unknown option ${file}` };
  return { file, forSeconds, backend, trace: t >= 0 };
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseSimulateArgs(argv);
  if (!('file' in parsed)) {
    process.stderr.write(`${'error' in parsed ? parsed.error : `usage: npm run --silent simulate -- ${SIMULATE_USAGE}`}\n`);
    return 2;
  }
  let requests: SimulatedRequest[];
  try {
    requests = readScenario(parsed.file);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  await simulate(requests, { forSeconds: parsed.forSeconds, backend: parsed.backend, trace: parsed.trace, write: (l) => process.stdout.write(`${JSON.stringify(l)}\n`) });
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`simulation failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
