import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { type AssetSource, assetsFromDir } from '../functions/ingest/dashboard/assets.ts';

/**
 * Builds the dashboard's client (dashboard/src: Preact, htm, uPlot) with esbuild into app.js and
 * app.css, once per content: the result is kept under node_modules/.cache/koszyk/dashboard-{hash},
 * the hash of the sources, this file and the libraries' versions. Nothing built is committed; `npm
 * start`, the tests and `cdk synth` (which copies it beside the ingest function) build on demand.
 */

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'dashboard', 'src');
const LIBRARIES = ['esbuild', 'preact', 'htm', 'uplot'];
export const DASHBOARD_CACHE = join(ROOT, 'node_modules', '.cache', 'koszyk');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** The hash of everything the built files follow from. */
export function dashboardKey(): string {
  const hash = createHash('sha256');
  for (const f of [...files(SRC), join(ROOT, 'dashboard', 'build.ts')]) hash.update(`${f.slice(ROOT.length)}\u0000${readFileSync(f, 'utf8')}\u0000`);
  for (const lib of LIBRARIES) {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', lib, 'package.json'), 'utf8')) as { version: string };
    hash.update(`${lib}@${version}\u0000`);
  }
  return hash.digest('hex').slice(0, 24);
}

/** The directory holding app.js and app.css for the current sources, built when not there yet. */
export function buildDashboard(cacheDir = DASHBOARD_CACHE): string {
  const dir = join(cacheDir, `dashboard-${dashboardKey()}`);
  if (existsSync(join(dir, 'app.js')) && existsSync(join(dir, 'app.css'))) return dir;
  // Built beside, then renamed: a reader (another test process) never sees half of it.
  const temp = `${dir}.${process.pid}`;
  mkdirSync(temp, { recursive: true });
  buildSync({
    entryPoints: { app: join(SRC, 'main.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    outdir: temp,
    legalComments: 'none',
    logLevel: 'error',
  });
  try {
    renameSync(temp, dir);
  } catch {
    // Another process finished the same build first.
    rmSync(temp, { recursive: true, force: true });
  }
  return dir;
}

/** The built client for a local stack, built on its first request. */
export function localDashboardAssets(): AssetSource {
  let source: AssetSource | undefined;
  return () => {
    source ??= assetsFromDir(buildDashboard());
    return source();
  };
}
