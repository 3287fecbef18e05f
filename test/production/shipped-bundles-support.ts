import { afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { type Execution, simplePath } from './executions.ts';
import type { ProductionPath } from './harness.ts';
import { machineOf, WEBHOOK_SECRET } from './shop.ts';

/**
 * What every test of shipped-bundles.test.ts stands on: the secrets operators set after deploy,
 * a day of its own starting at 09:00 in Warsaw, and after it the checks that the functions called
 * only what their roles allow and logged no customer's address; with the readings the tests share.
 */

export const API_KEY = 'production-path-api-key';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The first 09:00 in Warsaw after `from`. */
function nineInWarsaw(from: number): number {
  const hourMinute = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Warsaw', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const day = new Date(from);
  for (let d = 0; d <= 2; d++) {
    for (const utcHour of [7, 8]) {
      const t = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + d, utcHour);
      if (t > from && hourMinute.format(t) === '09:00') return t;
    }
  }
  throw new Error('no 09:00 in Warsaw within two days');
}

/** A Task's Parameters applied to its input: `key.$` fields take `$.path` from the input, `$$.path` from the context. */
export function builtBy(parameters: unknown, input: unknown, context: unknown): unknown {
  if (Array.isArray(parameters)) return parameters.map((v) => builtBy(v, input, context));
  if (parameters === null || typeof parameters !== 'object') return parameters;
  return Object.fromEntries(
    Object.entries(parameters).map(([k, v]) => {
      if (!k.endsWith('.$')) return [k, builtBy(v, input, context)];
      const path = String(v);
      return [k.slice(0, -2), path.startsWith('$$') ? simplePath(path.slice(1), context) : simplePath(path, input)];
    }),
  );
}

/** Registers the file's hooks on `p` and gives the helpers its tests use. */
export function shippedBundleTests(p: ProductionPath) {
  /** Every address the tests use: none may appear in a function's log. */
  const ADDRESSES: string[] = [];

  /** The ARN a function gets for a secret, from its environment in the template. */
  const secretArn = (handlerName: string, variable: string): string => {
    const arn = p.app.fn(handlerName).environment[variable];
    if (!arn) throw new Error(`${handlerName} has no ${variable} in its environment: the secrets contract is not in the template`);
    return arn;
  };

  beforeAll(() => {
    // Operators set these after deploy; WooCommerce is deliberately left unset.
    p.aws.setSecret(secretArn('ingest', 'API_KEYS_SECRET_ARN'), `${API_KEY}\nother-shop::another-key`);
    p.aws.setSecret(secretArn('ingest', 'SHOPIFY_SECRET_ARN'), WEBHOOK_SECRET);
    p.aws.setSecret(secretArn('ingest', 'STRIPE_SECRET_ARN'), WEBHOOK_SECRET);
  });

  let seen = { calls: 0, logs: 0 };
  beforeEach(() => {
    // Every test starts at 09:00 in Warsaw, inside the sending hours, on a day of its own.
    p.clock.advanceTo(nineInWarsaw(p.clock.now()));
    seen = { calls: p.aws.calls.length, logs: p.logs.length };
  });

  afterEach(async () => {
    p.aws.clearFaults();
    await p.settled();
    p.executions.stopAll();
    // Whatever a test did, the functions called only what their roles allow and the stand-in
    // serves, and wrote no customer's address to their logs.
    const calls = p.aws.calls.slice(seen.calls);
    expect(calls.filter((c) => ['AccessDeniedException', 'UnknownOperationException', 'InvalidSignatureException'].includes(c.error ?? ''))).toEqual([]);
    expect(p.logs.slice(seen.logs).filter(({ line }) => ADDRESSES.some((a) => line.toLowerCase().includes(a)))).toEqual([]);
  });

  return {
    secretArn,
    /** An address for a test, kept out of every log from now on. */
    address(local: string): string {
      const a = `${local}@example.pl`;
      ADDRESSES.push(a);
      return a;
    },
    /** Keeps an address the test did not make (a sample's) out of every log too. */
    watchAddress(a: string): void {
      ADDRESSES.push(a);
    },
    now: () => new Date(p.clock.now()),
    async decisions(email: string): Promise<Record<string, unknown>[]> {
      const res = await p.http({ method: 'GET', url: `/v1/customers/decisions?email=${encodeURIComponent(email)}`, headers: { Authorization: `Bearer ${API_KEY}` } });
      expect(res.status).toBe(200);
      return res.json<{ decisions: Record<string, unknown>[] }>().decisions;
    },
    /** The execution a StartExecution call (recorded on the stand-in) started. */
    startedBy(call: { request: Record<string, unknown> }): Execution {
      const exec = p.executions.executions.get(p.executions.executionArn(String(call.request['stateMachineArn']), String(call.request['name'])));
      if (!exec) throw new Error('no execution for that call');
      return exec;
    },
    /** StartExecution calls for one journey's enrolment key (its cart token, invoice id…), on its `live` alias, never on the bare state machine. */
    startsOf(journey: string, key: string) {
      const arn = `${machineOf(p.app, journey).arn}:live`;
      return p.aws.callsOf('states:StartExecution').filter((c) => c.request['stateMachineArn'] === arn && (JSON.parse(String(c.request['input'])) as { key?: string }).key === key);
    },
    /** The customer id the engine gave an address (its data-subject API says). */
    async customerIdOf(email: string): Promise<string> {
      const res = await p.http({ method: 'GET', url: `/v1/customers/decisions?email=${encodeURIComponent(email)}`, headers: { Authorization: `Bearer ${API_KEY}` } });
      return res.json<{ customerId: string }>().customerId;
    },
  };
}
