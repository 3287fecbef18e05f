import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { charge, partOf } from '../../scripts/bench-profile.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const url = (rel: string) => pathToFileURL(`${ROOT}${rel}`).href;

describe("the bench's CPU split", () => {
  it('knows each part by where its code lives', () => {
    expect(partOf(url('node_modules/aws-local-stepfunctions/build/main.node.cjs'))).toBe('interpreter');
    expect(partOf(url('node_modules/jsonpath-plus/dist/index-node-cjs.cjs'))).toBe('interpreter');
    expect(partOf(url('functions/app/run-step.ts'))).toBe('product');
    expect(partOf(url('workflows/src/render.ts'))).toBe('product');
    expect(partOf(url('functions/adapters/memory/records.ts'))).toBe('store');
    expect(partOf(url('local/engine/segment.ts'))).toBe('engine');
    expect(partOf(url('node_modules/zod/v4/classic/schemas.js'))).toBeUndefined();
    expect(partOf('node:internal/process/task_queues')).toBeUndefined();
  });

  it("charges a library's samples to the part that called it, and the rest to the runtime", () => {
    const frame = (id: number, u: string, children: number[] = []) => ({ id, callFrame: { url: u }, children });
    const profile = {
      nodes: [
        frame(1, '', [2, 5]),
        frame(2, url('functions/app/run-step.ts'), [3]),
        frame(3, url('node_modules/zod/v4/core/parse.js'), [4]),
        frame(4, url('node_modules/aws-local-stepfunctions/build/main.node.cjs')),
        frame(5, ''),
      ],
      samples: [2, 3, 3, 4, 5],
      timeDeltas: [1000, 2000, 2000, 4000, 500],
    };
    expect(charge(profile)).toEqual({ product: 5, interpreter: 4, store: 0, engine: 0, runtime: 0.5 });
  });
});
