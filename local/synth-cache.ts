import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * What decides the synthesized definitions, as one hash: the CDK app's source (infra/app.ts and
 * every module it imports, followed through relative imports), the journey and template files the
 * app reads, this module's own extraction code, the CDK libraries' versions and the CDK context the
 * environment hands an App. Two runs with the same hash synthesize the same definitions, so the
 * second can read the first's result instead of running synth and cdk-nag again.
 */

const ROOT = join(import.meta.dirname, '..');
/** Read whole by the app (loadJourneys, loadTemplates, loadCatalogue), not imported. */
const DATA_DIRS = ['workflows/journeys', 'workflows/templates', 'workflows/events'];
/** The extraction of definitions from the assembly. */
const EXTRACTION = ['local/definitions.ts', 'local/asl.ts', 'local/synth-cache.ts'];
const LIBRARIES = ['aws-cdk-lib', 'cdk-nag', 'constructs'];
const RELATIVE_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** infra/app.ts and every source file it reaches through relative imports, as paths from `root`. */
export function appSources(root = ROOT): string[] {
  const seen = new Set<string>();
  const pending = [resolve(root, 'infra/app.ts')];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(file), m[1]!);
      if (existsSync(target) && /\.(ts|json)$/.test(target)) pending.push(target);
    }
  }
  return [...seen].map((f) => relative(root, f)).sort();
}

function dataFiles(root: string): string[] {
  return DATA_DIRS.flatMap((dir) =>
    readdirSync(join(root, dir))
      .sort()
      .map((f) => join(dir, f)),
  );
}

/** The hash of everything the definitions follow from (see the module's comment). */
export function synthesisKey(root = ROOT, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  const files = [...new Set([...appSources(root), ...dataFiles(root), ...EXTRACTION])].sort();
  for (const f of files) {
    const path = join(root, f);
    hash.update(`${f}\u0000${existsSync(path) ? readFileSync(path, 'utf8') : '(absent)'}\u0000`);
  }
  const require = createRequire(join(root, 'package.json'));
  for (const lib of LIBRARIES) {
    const { version } = JSON.parse(readFileSync(require.resolve(`${lib}/package.json`), 'utf8')) as { version: string };
    hash.update(`${lib}@${version}\u0000`);
  }
  // CDK_CONTEXT_JSON, CDK_DEFAULT_ACCOUNT and the like reach the App from the environment.
  for (const name of Object.keys(env).filter((k) => k.startsWith('CDK_')).sort()) hash.update(`${name}=${env[name]}\u0000`);
  return hash.digest('hex').slice(0, 32);
}

/** Where results are kept unless told otherwise: beside the installed packages, as tools keep their caches. */
export const DEFAULT_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'koszyk');

export function readCached<T>(dir: string, key: string, revive: (json: unknown) => T): T | undefined {
  try {
    return revive(JSON.parse(readFileSync(join(dir, `synth-${key}.json`), 'utf8')));
  } catch {
    // Absent, half-written by a crashed run or of an older shape: synthesize again.
    return undefined;
  }
}

/** Written to a file of its own first, then renamed: a reader never sees half a result. */
export function writeCached(dir: string, key: string, value: unknown): void {
  try {
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `synth-${key}.json.${process.pid}`);
    writeFileSync(temp, JSON.stringify(value));
    renameSync(temp, join(dir, `synth-${key}.json`));
  } catch {
    // A read-only checkout still runs; it synthesizes every time.
  }
}
