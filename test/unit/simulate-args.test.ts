import { describe, expect, it } from 'vitest';
import { parseSimulateArgs } from '../../local/simulate.ts';

describe('the simulator command line', () => {
  it('runs in memory unless told otherwise, for 30 days after the last line unless told otherwise', () => {
    expect(parseSimulateArgs(['examples/x.jsonl'])).toEqual({ file: 'examples/x.jsonl', forSeconds: 30 * 86_400, backend: 'memory', trace: false });
    expect(parseSimulateArgs(['--backend', 'dynamodb-local', 'x.jsonl', '--for', 'P3D'])).toEqual({ file: 'x.jsonl', forSeconds: 3 * 86_400, backend: 'dynamodb-local', trace: false });
  });

  it('names what is wrong: a bad duration, an unknown backend, no file', () => {
    expect(parseSimulateArgs(['x.jsonl', '--for', 'three days'])).toEqual({ error: '--for: "three days" is not an ISO-8601 duration such as P30D' });
    expect(parseSimulateArgs(['x.jsonl', '--backend', 'postgres'])).toEqual({ error: '--backend: "postgres" is neither memory nor dynamodb-local' });
    expect(parseSimulateArgs(['x.jsonl', '--backend'])).toEqual({ error: '--backend: "" is neither memory nor dynamodb-local' });
    expect(parseSimulateArgs(['--for', 'P1D'])).toEqual({ usage: true });
  });
});
