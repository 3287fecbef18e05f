import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { VirtualClock } from '../../local/clock.ts';
import { MemoryExecutionStore } from '../../local/engine/memory-executions.ts';
import { readScenario, simulate } from '../../local/simulate.ts';
import { startLocalStack } from '../../local/stack.ts';
import { type LocalStorageOptions, openLocalStorage } from '../../local/storage.ts';
import { CART, checkoutEvent, hours, inbox, memoryLog, SECRETS } from '../support/local.ts';

const T0 = new Date('2026-06-01T08:00:00Z');

/** Names of this process's child processes: DynamoDB Local would be a `java` among them. */
function children(): string[] {
  try {
    return execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    // ps exits 1 when there are none.
    return [];
  }
}

describe('the local stack in memory', () => {
  it('runs a journey end to end without starting DynamoDB Local', async () => {
    const s = await startLocalStack({ clock: new VirtualClock(T0), log: memoryLog(), secrets: SECRETS, backend: 'memory' });
    try {
      expect(s.dynamoEndpoint).toBeUndefined();
      expect(s.store).toBeInstanceOf(MemoryStore);
      expect(children()).not.toContain('java');
      const email = 'pamiec@example.pl';
      expect((await s.request(checkoutEvent('mem-1', email, 'tok-mem', T0))).status).toBe(202);
      // A redelivery is a duplicate there too, and starts nothing.
      expect((await s.request(checkoutEvent('mem-1', email, 'tok-mem', T0))).status).toBe(200);
      const name = executionName('abandoned-cart', 'default', 'tok-mem');
      expect(await s.engine.describe('abandoned-cart', name)).toMatchObject({ status: 'WAITING', wakeAt: new Date(T0.getTime() + hours(1)).toISOString(), transitions: 1 });
      await s.engine.advanceTo(new Date(T0.getTime() + hours(1)));
      expect(await inbox(s.sesEndpoint!, email, CART)).toHaveLength(1);
      await s.engine.advanceTo(new Date(T0.getTime() + hours(48)));
      expect(await inbox(s.sesEndpoint!, email, CART)).toHaveLength(2);
      expect(await s.engine.describe('abandoned-cart', name)).toMatchObject({ status: 'SUCCEEDED' });
      const decisions = await s.store.listDecisions('default', customerIdFor('default', { email })!);
      // The first reminder is one arm of the subject test, assigned by a stable hash.
      expect(decisions.map((d) => [d.step, d.outcome])).toEqual([
        [expect.stringMatching(/^first-reminder(-b)?$/), 'sent'],
        ['second-reminder', 'sent'],
      ]);
      expect(decisions[0]!.variant).toBe(decisions[0]!.step === 'first-reminder' ? 'a' : 'b');
      expect(s.engine.counters.started).toBe(1);
    } finally {
      await s.stop();
    }
  });

  it('refuses options that need a DynamoDB server rather than ignoring them', async () => {
    // Refused before the app's table is needed: no app is given.
    const open = (extra: Partial<LocalStorageOptions>) => openLocalStorage({ clock: new VirtualClock(T0), backend: 'memory', ...extra }, undefined as never);
    await expect(open({ dataDir: '/tmp/unused' })).rejects.toThrow('dataDir needs the dynamodb-local backend');
    await expect(open({ dynamoEndpoint: 'http://127.0.0.1:9' })).rejects.toThrow('dynamoEndpoint needs the dynamodb-local backend');
    await expect(open({ onDynamoCapacity: () => undefined })).rejects.toThrow('onDynamoCapacity needs the dynamodb-local backend');
    const storage = await open({});
    expect(storage.store).toBeInstanceOf(MemoryStore);
    expect(storage.executions).toBeInstanceOf(MemoryExecutionStore);
  });

  it('the simulator prints the same lines in memory as on DynamoDB Local', async () => {
    const scenario = readScenario(join(resolve(import.meta.dirname, '..', '..'), 'examples', 'api-abandoned.jsonl'));
    const run = async (backend: 'memory' | 'dynamodb-local') => {
      const lines: Record<string, unknown>[] = [];
      await simulate(scenario, { forSeconds: 3 * 86_400, backend, write: (l) => lines.push(l) });
      return lines;
    };
    const inMemory = await run('memory');
    expect(inMemory.filter((l) => l['type'] === 'message').length).toBeGreaterThan(2);
    expect(inMemory).toEqual(await run('dynamodb-local'));
  });
});
