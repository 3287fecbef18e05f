
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../functions/shared/logger.ts';
import { VirtualClock } from '../../local/clock.ts';
import { type JourneyDefinition, synthesizeApp } from '../../local/definitions.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { definitionVersion, type ExecutionStore, LocalEngine } from '../../local/engine/index.ts';
import { executionBackends } from '../support/execution-backends.ts';

/**
 * A waiting execution resumes on the definition it started with, across a restart onto a changed
 * definition, as a running Standard execution on AWS does; new executions take the new one.
 */

const T0 = new Date('2026-05-04T08:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

let ddb: DynamoDbLocal;
let v1: JourneyDefinition;
let v2: JourneyDefinition;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  v1 = (await synthesizeApp()).journeys.get('post-purchase')!;
  // The next release: care tips come 2 h after the how-to, not 12 days, with another template.
  v2 = structuredClone(v1);
  const params = (state: string) => v2.definition.States[state]!['Parameters'] as { template: string; next?: { delaySeconds: number } };
  params('how-to-use').next!.delaySeconds = 7200;
  params('care-tips').template = 'care-new';
});
afterAll(async () => {
  await ddb?.stop();
});

const backends = executionBackends(() => ddb, 'versions');

interface Sent {
  execution: string;
  step: string;
  template: string;
  at: string;
}

/** An engine on one definition of post-purchase whose step only records what it would send. */
function engine(store: ExecutionStore, jd: JourneyDefinition, clock: VirtualClock, sent: Sent[]): LocalEngine {
  const step = async (input: unknown) => {
    const p = input as { executionName: string; step: string; template: string; last: boolean; next?: { delaySeconds: number } };
    sent.push({ execution: p.executionName, step: p.step, template: p.template, at: clock.now().toISOString() });
    return { continue: !p.last, outcome: 'sent', ...(p.next ? { nextAt: new Date(clock.now().getTime() + p.next.delaySeconds * 1000).toISOString() } : {}) };
  };
  return new LocalEngine({ journeys: new Map([['post-purchase', jd]]), handlers: { 'journey-step': step }, executions: store, clock, log: silentLog });
}

const input = (key: string, firstAt: Date) => ({ version: 1 as const, tenant: 'default', customerId: `c-${key}`, journey: 'post-purchase', key, firstAt: firstAt.toISOString() });

describe.each(backends)('definition versions on %s', (_backend, make) => {
  it('an execution waiting across a restart onto a changed definition finishes on its own; a new one runs the new', async () => {
    const store = await make();
    const clock = new VirtualClock(T0);
    const sent: Sent[] = [];
    const before = engine(store, v1, clock, sent);
    expect(await before.start('post-purchase', 'old', input('old', hours(1)))).toBe('started');
    await before.advanceTo(hours(2));
    expect(await before.describe('post-purchase', 'old')).toMatchObject({ status: 'WAITING', state: 'care-tips', wakeAt: hours(1 + 12 * 24).toISOString(), version: definitionVersion(v1) });
    await before.close();

    // Restarted on the new definition: this engine has never seen the old one but in the store.
    const after = engine(store, v2, clock, sent);
    await after.recover();
    expect(await after.start('post-purchase', 'new', input('new', hours(3)))).toBe('started');
    await after.advanceTo(hours(14 * 24));

    expect(sent).toEqual([
      { execution: 'old', step: 'how-to-use', template: 'education-general', at: hours(1).toISOString() },
      { execution: 'new', step: 'how-to-use', template: 'education-general', at: hours(3).toISOString() },
      { execution: 'new', step: 'care-tips', template: 'care-new', at: hours(5).toISOString() },
      { execution: 'old', step: 'care-tips', template: 'care-general', at: hours(1 + 12 * 24).toISOString() },
    ]);
    expect(await after.describe('post-purchase', 'old')).toMatchObject({ status: 'SUCCEEDED', version: definitionVersion(v1) });
    expect(await after.describe('post-purchase', 'new')).toMatchObject({ status: 'SUCCEEDED', version: definitionVersion(v2) });
    expect(definitionVersion(v2)).not.toBe(definitionVersion(v1));
    // Every version seen is kept, by its hash.
    expect((await store.getDefinition(definitionVersion(v1)))?.definition).toEqual(v1.definition);
    expect((await store.getDefinition(definitionVersion(v2)))?.definition).toEqual(v2.definition);
  });

  it('an execution kept before versions were recorded resumes on the current definition; one whose version is gone fails, naming it', async () => {
    const store = await make();
    const clock = new VirtualClock(hours(2));
    const sent: Sent[] = [];
    const waiting = (name: string, version?: string) => ({
      journey: 'post-purchase',
      name,
      status: 'WAITING' as const,
      state: 'care-tips',
      input: JSON.stringify({ ...input(name, hours(1)), result: { continue: true, outcome: 'sent', nextAt: hours(3).toISOString() } }),
      originalInput: JSON.stringify(input(name, hours(1))),
      startedAt: T0.toISOString(),
      ...(version ? { version } : {}),
      wakeAt: hours(3).toISOString(),
      transitions: 4,
    });
    await store.create(waiting('unversioned'));
    await store.create(waiting('lost', 'f'.repeat(32)));
    const e = engine(store, v2, clock, sent);
    await e.advanceTo(hours(4));
    expect(sent).toEqual([{ execution: 'unversioned', step: 'care-tips', template: 'care-new', at: hours(3).toISOString() }]);
    expect(await e.describe('post-purchase', 'unversioned')).toMatchObject({ status: 'SUCCEEDED' });
    expect(await e.describe('post-purchase', 'lost')).toMatchObject({ status: 'FAILED', error: `definition version ${'f'.repeat(32)} of post-purchase is not in the executions store` });
  });
});
