import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import type { ExecutionRecord, ExecutionStore, StoredDefinition } from '../../local/engine/executions.ts';
import { executionBackends } from '../support/execution-backends.ts';

/** The executions port: the same assertions against DynamoDB Local and memory. */

let ddb: DynamoDbLocal;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
});
afterAll(async () => {
  await ddb?.stop();
});

const backends = executionBackends(() => ddb, 'contract');

const T = '2026-05-04T08:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T) + minutes * 60_000).toISOString();

function waiting(name: string, wakeAt: string, extra: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return { journey: 'abandoned-cart', name, status: 'WAITING', state: 'first-reminder', input: '{"a":1}', originalInput: '{"a":1}', startedAt: T, version: 'v1', wakeAt, transitions: 1, ...extra };
}

function running(name: string, extra: Partial<ExecutionRecord> = {}): ExecutionRecord {
  const { wakeAt: _w, ...r } = waiting(name, T, { status: 'RUNNING', state: 'Wait 1 h', transitions: 0, ...extra });
  return r;
}

const names = (rs: ExecutionRecord[]) => rs.map((r) => r.name);

describe.each(backends)('ExecutionStore on %s', (_backend, make) => {
  let store: ExecutionStore;
  beforeAll(async () => {
    store = await make();
  });
  // Each test names its own executions, so they share the store.
  const id = () => `x-${randomUUID().slice(0, 8)}`;

  it('creates an execution once per journey and name, and gives it back as written', async () => {
    const name = id();
    const record = waiting(name, at(60));
    expect(await store.create(record)).toBe(true);
    expect(await store.create(waiting(name, at(5), { input: '{"other":true}' }))).toBe(false);
    expect(await store.get('abandoned-cart', name)).toEqual(record);
    expect(await store.create({ ...record, journey: 'dunning' })).toBe(true);
    expect(await store.get('post-purchase', name)).toBeUndefined();
  });

  it('keeps what was written: a record given or read back and then changed changes nothing stored', async () => {
    const name = id();
    const record = waiting(name, at(60));
    await store.create(record);
    record.state = 'changed by the caller';
    const read = (await store.get('abandoned-cart', name))!;
    expect(read.state).toBe('first-reminder');
    read.input = '{"changed":true}';
    const [due] = (await store.due(at(60))).filter((r) => r.name === name);
    expect(due?.input).toBe('{"a":1}');
    due!.wakeAt = at(1);
    expect((await store.get('abandoned-cart', name))?.wakeAt).toBe(at(60));
  });

  it('lists queued executions due by a time, earliest first, up to a limit', async () => {
    const s = await make();
    const wakes = [50, 10, 40, 20, 30, 70];
    const created = wakes.map((m) => ({ name: id(), m }));
    for (const c of created) await s.create(waiting(c.name, at(c.m)));
    await s.create(running(id()));
    const byTime = [...created].sort((a, b) => a.m - b.m);
    expect(names(await s.due(at(40)))).toEqual(byTime.filter((c) => c.m <= 40).map((c) => c.name));
    expect(names(await s.due(at(9)))).toEqual([]);
    expect(names(await s.due('9999-12-31T00:00:00.000Z', 1))).toEqual([byTime[0]!.name]);
    expect((await s.due(at(10)))[0]).toEqual(waiting(byTime[0]!.name, at(10)));
  });

  it('a claim takes a waiting execution out of the queue, once', async () => {
    const name = id();
    await store.create(waiting(name, at(-30)));
    expect(await store.claim('abandoned-cart', name)).toBe(true);
    expect(await store.claim('abandoned-cart', name)).toBe(false);
    const r = await store.get('abandoned-cart', name);
    expect(r).toMatchObject({ status: 'RUNNING', state: 'first-reminder' });
    expect(r?.wakeAt).toBeUndefined();
    expect(names(await store.due(at(0)))).not.toContain(name);
    expect(await store.claim('abandoned-cart', id())).toBe(false);
  });

  it('suspends a running execution at its next state, adding transitions; not one that is not running', async () => {
    const name = id();
    await store.create(running(name, { transitions: 1 }));
    expect(await store.suspend('abandoned-cart', name, { state: 'second-reminder', input: '{"b":2}', wakeAt: at(24 * 60), transitions: 3 })).toBe(true);
    expect(await store.get('abandoned-cart', name)).toEqual({ ...running(name), status: 'WAITING', state: 'second-reminder', input: '{"b":2}', wakeAt: at(24 * 60), transitions: 4 });
    expect(names(await store.due(at(24 * 60)))).toContain(name);
    expect(await store.suspend('abandoned-cart', name, { state: 'x', input: '{}', wakeAt: at(1), transitions: 1 })).toBe(false);
    expect(await store.get('abandoned-cart', name)).toMatchObject({ state: 'second-reminder', wakeAt: at(24 * 60), transitions: 4 });
  });

  it('completes a running execution as succeeded or failed, with its end time; not one that is not running', async () => {
    const ok = id();
    const bad = id();
    await store.create(running(ok, { transitions: 2 }));
    await store.create(running(bad));
    expect(await store.complete('abandoned-cart', ok, { status: 'SUCCEEDED', endedAt: at(90), transitions: 3 })).toBe(true);
    expect(await store.complete('abandoned-cart', bad, { status: 'FAILED', endedAt: at(91), error: 'States.Timeout', transitions: 0 })).toBe(true);
    expect(await store.get('abandoned-cart', ok)).toEqual({ ...running(ok), status: 'SUCCEEDED', endedAt: at(90), transitions: 5 });
    expect(await store.get('abandoned-cart', bad)).toEqual({ ...running(bad), status: 'FAILED', endedAt: at(91), error: 'States.Timeout', transitions: 0 });
    expect(await store.complete('abandoned-cart', ok, { status: 'FAILED', endedAt: at(92), error: 'late', transitions: 1 })).toBe(false);
    const queued = id();
    await store.create(waiting(queued, at(5)));
    expect(await store.complete('abandoned-cart', queued, { status: 'SUCCEEDED', endedAt: at(92), transitions: 1 })).toBe(false);
    expect(await store.get('abandoned-cart', queued)).toEqual(waiting(queued, at(5)));
  });

  it('stops a waiting or running execution, dequeued, with the reason; a stop wins over the segment that was running', async () => {
    const queued = id();
    const mid = id();
    await store.create(waiting(queued, at(-5)));
    await store.create(running(mid));
    expect(await store.stop('abandoned-cart', queued, 'order')).toBe(true);
    expect(await store.stop('abandoned-cart', mid, 'erasure')).toBe(true);
    expect(names(await store.due(at(0)))).not.toContain(queued);
    const stopped = await store.get('abandoned-cart', queued);
    expect(stopped).toMatchObject({ status: 'STOPPED', stopReason: 'order' });
    expect(stopped?.wakeAt).toBeUndefined();
    expect(stopped?.endedAt).toBeUndefined();
    // The segment that was running ends after the stop: its suspension or end is refused.
    expect(await store.suspend('abandoned-cart', mid, { state: 'second-reminder', input: '{}', wakeAt: at(60), transitions: 2 })).toBe(false);
    expect(await store.complete('abandoned-cart', mid, { status: 'SUCCEEDED', endedAt: at(1), transitions: 2 })).toBe(false);
    expect(await store.get('abandoned-cart', mid)).toMatchObject({ status: 'STOPPED', stopReason: 'erasure', transitions: 0 });
    expect(await store.stop('abandoned-cart', mid, 'again')).toBe(false);
    expect(await store.claim('abandoned-cart', queued)).toBe(false);
    expect(await store.stop('abandoned-cart', id(), 'never started')).toBe(false);
  });

  it('lists running executions for recovery and queues one again at a given time', async () => {
    const s = await make();
    const a = id();
    const b = id();
    await s.create(running(a));
    await s.create(waiting(b, at(30)));
    expect(names(await s.running())).toEqual([a]);
    expect(await s.requeue('abandoned-cart', a, at(1))).toBe(true);
    expect(await s.requeue('abandoned-cart', b, at(1))).toBe(false);
    expect(await s.running()).toEqual([]);
    expect(await s.get('abandoned-cart', a)).toEqual({ ...running(a), status: 'WAITING', wakeAt: at(1) });
    expect(names(await s.due(at(30)))).toEqual([a, b]);
  });

  it('knows the latest start or end recorded, not wake times, stops, the clock or definitions', async () => {
    const s = await make();
    expect(await s.latestRecorded()).toBeUndefined();
    await s.create(waiting(id(), at(600), { startedAt: at(5) }));
    const ended = id();
    await s.create(running(ended, { startedAt: at(1) }));
    await s.create(running(id(), { startedAt: at(3) }));
    expect(await s.latestRecorded()).toBe(at(5));
    await s.complete('abandoned-cart', ended, { status: 'SUCCEEDED', endedAt: at(8), transitions: 1 });
    await s.keepClock(at(500));
    await s.putDefinition({ version: 'v9', journey: 'dunning', definition: { StartAt: 'a', States: {} }, taskHandlers: {} });
    expect(await s.latestRecorded()).toBe(at(8));
  });

  it('keeps the clock only forwards', async () => {
    const s = await make();
    expect(await s.readClock()).toBeUndefined();
    expect(await s.keepClock(at(10))).toBe(true);
    expect(await s.keepClock(at(5))).toBe(false);
    expect(await s.keepClock(at(10))).toBe(false);
    expect(await s.readClock()).toBe(at(10));
    expect(await s.keepClock(at(11))).toBe(true);
    expect(await s.readClock()).toBe(at(11));
    // The clock is not an execution.
    expect(await s.running()).toEqual([]);
    expect(await s.due('9999-12-31T00:00:00.000Z')).toEqual([]);
  });

  it('keeps definition versions as given, by version', async () => {
    const def: StoredDefinition = {
      version: `v-${randomUUID().slice(0, 8)}`,
      journey: 'abandoned-cart',
      definition: {
        StartAt: 'Wait',
        States: { Wait: { Type: 'Wait', Seconds: 0.5, Next: 'Send' }, Send: { Type: 'Task', Resource: 'arn:x', Parameters: { empty: '', list: [], big: 2 ** 60 }, End: true } },
        TimeoutSeconds: 31_622_400,
        Comment: 'journey:abandoned-cart',
      },
      taskHandlers: { Send: 'journey-step' },
    };
    expect(await store.getDefinition(def.version)).toBeUndefined();
    await store.putDefinition(def);
    await store.putDefinition(def);
    expect(await store.getDefinition(def.version)).toEqual(def);
  });

  it('hands out copies: changing a record read does not change the store', async () => {
    const name = id();
    await store.create(waiting(name, at(7)));
    const read = await store.get('abandoned-cart', name);
    read!.status = 'STOPPED';
    const [due] = (await store.due(at(7))).filter((r) => r.name === name);
    due!.state = 'elsewhere';
    expect(await store.get('abandoned-cart', name)).toEqual(waiting(name, at(7)));
  });
});

describe('the memory executions store', () => {
  const ROOT = resolve(import.meta.dirname, '..', '..');

  /** Every module a file reaches through its imports, type-only ones included, as dependency-cruiser resolves them. */
  function reaches(file: string): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'koszyk-cruise-'));
    try {
      const config = join(dir, 'cruise.cjs');
      writeFileSync(
        config,
        `module.exports = { options: { doNotFollow: { path: 'node_modules' }, tsPreCompilationDeps: true, tsConfig: { fileName: 'tsconfig.json' }, enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] } } };\n`,
      );
      const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), file, '--config', config, '--output-type', 'json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(r.status, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { modules: { source: string }[] }).modules.map((m) => m.source);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('imports nothing from the AWS SDK (the DynamoDB one, checked the same way, does)', () => {
    const memory = reaches('local/engine/memory-executions.ts');
    expect(memory).toContain('local/engine/executions.ts');
    expect(memory.filter((m) => m.includes('@aws-sdk/'))).toEqual([]);
    expect(reaches('local/engine/dynamodb-executions.ts').some((m) => m.includes('@aws-sdk/'))).toBe(true);
  });
});
