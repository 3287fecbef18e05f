import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesizeApp } from '../../local/definitions.ts';
import { appSources, synthesisKey } from '../../local/synth-cache.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'koszyk-synth-'));
  dirs.push(d);
  return d;
};

/** A copy of what the key reads, to change one file at a time. */
function copyOfProject(): string {
  const root = temp();
  for (const d of ['infra', 'workflows', 'functions', 'local']) cpSync(join(ROOT, d), join(root, d), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

describe('the key of a synthesis', () => {
  it('follows the app through its imports, into the functions it reads step payloads and keys from', () => {
    const sources = appSources();
    expect(sources).toEqual(expect.arrayContaining(['infra/app.ts', 'infra/journey-definition.ts', 'functions/core/step-payload.ts', 'functions/adapters/dynamo/keys.ts', 'workflows/src/load.ts']));
    expect(sources).not.toContain('functions/app/run-step.ts');
  });

  it('changes with a journey file, a template, a module the app imports, the extraction and the CDK context; not with a handler', () => {
    const root = copyOfProject();
    const keys = [synthesisKey(root, {})];
    const edit = (file: string) => {
      writeFileSync(join(root, file), `${readFileSync(join(root, file), 'utf8')}\n// changed\n`);
      keys.push(synthesisKey(root, {}));
    };
    edit('workflows/journeys/dunning.yaml');
    edit('workflows/templates/dunning-sms.yaml');
    edit('functions/core/step-payload.ts');
    edit('local/definitions.ts');
    keys.push(synthesisKey(root, { CDK_CONTEXT_JSON: '{"sendingHours":"09:00-18:00"}' }));
    expect(new Set(keys).size).toBe(keys.length);
    const before = synthesisKey(root, {});
    edit('functions/app/run-step.ts');
    expect(keys.at(-1)).toBe(before);
  });
});

describe('synthesizeApp', () => {
  it('keeps what it synthesized and reads it back the next time, not synthesizing again; an unreadable kept file is synthesized anew', async () => {
    const cacheDir = temp();
    const file = join(cacheDir, `synth-${synthesisKey()}.json`);
    const synthesized = await synthesizeApp({ cacheDir });
    expect(readdirSync(cacheDir)).toEqual([`synth-${synthesisKey()}.json`]);
    expect(await synthesizeApp({ cacheDir })).toEqual(synthesized);

    const kept = JSON.parse(readFileSync(file, 'utf8')) as { journeys: { journey: string; definition: { Comment?: string } }[] };
    kept.journeys[0]!.definition.Comment = 'read from the cache';
    writeFileSync(file, JSON.stringify(kept));
    expect((await synthesizeApp({ cacheDir })).journeys.get(kept.journeys[0]!.journey)!.definition.Comment).toBe('read from the cache');

    writeFileSync(file, '{"journeys": [');
    expect(await synthesizeApp({ cacheDir })).toEqual(synthesized);
  }, 300_000);
});
