import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { AslState } from '../../local/asl.ts';
import { plainWait, suspendingDefinition } from '../../local/engine/segment.ts';

/** What the engine got before: the Wait, rewritten to a Pass, run by the interpreter. */
async function interpreted(state: AslState, input: unknown): Promise<unknown> {
  const def = suspendingDefinition({ StartAt: 'w', States: { w: state, after: { Type: 'Succeed' } } });
  return new StateMachine(def as never, { validationOptions: { noValidate: true } }).run(input as never).result;
}

const input = { version: 1, tenant: 'default', customerId: 'c1', journey: 'j', key: 'k', firstAt: '2026-06-01T08:00:00.000Z', result: { nextAt: '2026-06-02T08:00:00.000Z', seconds: 90 } };

describe('an opening Wait read without the interpreter', () => {
  it.each<[string, AslState]>([
    ['TimestampPath', { Type: 'Wait', TimestampPath: '$.firstAt', Next: 'after' }],
    ['a nested TimestampPath', { Type: 'Wait', TimestampPath: '$.result.nextAt', Next: 'after', QueryLanguage: 'JSONPath' }],
    ['SecondsPath', { Type: 'Wait', SecondsPath: '$.result.seconds', Next: 'after' }],
    ['Seconds', { Type: 'Wait', Seconds: 3600, Next: 'after' }],
    ['Timestamp', { Type: 'Wait', Timestamp: '2026-07-01T00:00:00Z', Next: 'after' }],
  ])('%s: where and when, as the interpreter says', async (_name, state) => {
    const plain = plainWait(state, JSON.stringify(input));
    expect(plain).toBeDefined();
    expect(plain).toEqual(await interpreted(state, input));
  });

  it.each<[string, AslState]>([
    ['a path to nothing', { Type: 'Wait', TimestampPath: '$.lastAt', Next: 'after' }],
    ['a path through a value', { Type: 'Wait', TimestampPath: '$.firstAt.day', Next: 'after' }],
    ['a path that is more than field names', { Type: 'Wait', TimestampPath: "$['firstAt']", Next: 'after' }],
    ['seconds that are not a number', { Type: 'Wait', SecondsPath: '$.firstAt', Next: 'after' }],
    ['an InputPath', { Type: 'Wait', InputPath: '$.result', TimestampPath: '$.nextAt', Next: 'after' }],
    ['JSONata', { Type: 'Wait', Seconds: 5, Next: 'after', QueryLanguage: 'JSONata' }],
    ['no Next', { Type: 'Wait', Seconds: 5, End: true }],
  ])('%s: left to the interpreter', (_name, state) => {
    expect(plainWait(state, JSON.stringify(input))).toBeUndefined();
  });

  it('a machine in JSONata is left to the interpreter too', () => {
    expect(plainWait({ Type: 'Wait', Seconds: 5, Next: 'after' }, JSON.stringify(input), 'JSONata')).toBeUndefined();
  });
});
