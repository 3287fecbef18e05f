import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The dashboard's client, built by esbuild from dashboard/src (Preact, htm, uPlot) into one script
 * and one stylesheet: on Lambda copied beside the bundle (content/dashboard), locally built on start
 * and cached (dashboard/build.ts). The version is their hash: the shell asks for `?v={version}` and
 * the files are cached for good under that address.
 */
export interface DashboardAssets {
  js: string;
  css: string;
  version: string;
}

export type AssetSource = () => Promise<DashboardAssets | undefined>;

export function assetsOf(js: string, css: string): DashboardAssets {
  return { js, css, version: createHash('sha256').update(js).update('\u0000').update(css).digest('hex').slice(0, 16) };
}

/** The files in `dir` (app.js, app.css), read once; undefined when they are not there (a bundle built without them). */
export function assetsFromDir(dir: string): AssetSource {
  let read: Promise<DashboardAssets | undefined> | undefined;
  return () => {
    read ??= Promise.all([readFile(join(dir, 'app.js'), 'utf8'), readFile(join(dir, 'app.css'), 'utf8')]).then(
      ([js, css]) => assetsOf(js, css),
      () => undefined,
    );
    return read;
  };
}
