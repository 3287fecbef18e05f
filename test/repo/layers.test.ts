import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The dependency rules of .dependency-cruiser.cjs, checked on the tree as it is and on planted breaches. */
const ROOT = resolve(import.meta.dirname, '..', '..');

function cruise(): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'functions', 'workflows/src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function planted(path: string, source: string): { status: number | null; out: string } {
  const file = join(ROOT, path);
  writeFileSync(file, source);
  try {
    return cruise();
  } finally {
    rmSync(file, { force: true });
  }
}

describe('layers', () => {
  it('the tree keeps the dependency rules', () => {
    const r = cruise();
    expect(r.out).toContain('no dependency violations');
    expect(r.status).toBe(0);
  });

  it('fails on the AWS SDK imported into the pure core', () => {
    const r = planted('functions/core/zz-planted.ts', "import { SFNClient } from '@aws-sdk/client-sfn';\nexport const c = SFNClient;\n");
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/pure-core: functions\/core\/zz-planted\.ts → node_modules\/@aws-sdk\/client-sfn/);
  });

  it('fails on file I/O in the journey model and on a use case reaching past its ports', () => {
    expect(planted('workflows/src/zz-planted.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n").out).toContain('pure-core');
    expect(planted('functions/app/zz-planted.ts', "import { Store } from '../adapters/dynamo/store.ts';\nexport const s = Store;\n").out).toContain('app-through-ports');
  });
});
