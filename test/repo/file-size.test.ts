import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** The team's rule: a source file that outgrows this is split by what its parts are about. */
const MAX_LINES = 350;

describe('source files stay small', () => {
  it(`no tracked source or test file is over ${MAX_LINES} lines`, () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|tsx|mjs|cjs|js)$/.test(f) && existsSync(join(ROOT, f)));
    expect(files.length).toBeGreaterThan(100);
    const over = files
      // Lines as `wc -l` counts them.
      .map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ f, lines }) => `${f}: ${lines}`);
    expect(over).toEqual([]);
  });
});
