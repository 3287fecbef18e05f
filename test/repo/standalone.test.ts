import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readScenario, simulate } from '../../local/simulate.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const inside = (p: string) => !relative(ROOT, p).startsWith('..');

describe('the repository stands alone', () => {
  it('no tracked source, test or example names a path outside the repository', () => {
    const files = execFileSync('git', ['ls-files', 'functions', 'infra', 'local', 'scripts', 'test', 'examples', 'workflows', 'bench'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|jsonl|json|yaml|mjs|js)$/.test(f) && f !== 'test/repo/standalone.test.ts' && existsSync(join(ROOT, f)));
    expect(files.length).toBeGreaterThan(50);
    // A relative path to a `shared` folder is fine inside the repository (functions/shared), not beside it.
    const outside = (f: string, text: string) =>
      [...text.matchAll(/['"`]((?:\.\.\/)+)shared\//g)].some((m) => !inside(resolve(dirname(join(ROOT, f)), m[1]!, 'shared'))) ||
      /'\.\.', '\.\.', '\.\.', 'shared'|\.\.\/shared\/fixtures/.test(text);
    const offenders = files.filter((f) => outside(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.jsonl'));

  it('every file an example reads lies inside the repository', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const name of examples) {
      for (const line of readFileSync(join(EXAMPLES, name), 'utf8').split('\n').filter((l) => l.trim())) {
        const l = JSON.parse(line) as { headersFile?: string; bodyFile?: string };
        for (const p of [l.headersFile, l.bodyFile].filter((x): x is string => x !== undefined)) {
          expect(inside(resolve(dirname(join(EXAMPLES, name)), p)), `${name}: ${p}`).toBe(true);
        }
      }
    }
  });

  it.each(examples)('replays examples/%s: every request accepted, something comes out of it', async (name) => {
    const lines: Record<string, unknown>[] = [];
    await simulate(readScenario(join(EXAMPLES, name)), { forSeconds: 14 * 86_400, write: (l) => lines.push(l) });
    const ingests = lines.filter((l) => l['type'] === 'ingest');
    expect(ingests.length).toBeGreaterThan(0);
    expect(ingests.filter((l) => (l['status'] as number) >= 400)).toEqual([]);
    expect(lines.some((l) => l['type'] === 'message' || l['type'] === 'suppressed' || l['type'] === 'task')).toBe(true);
  });
});
