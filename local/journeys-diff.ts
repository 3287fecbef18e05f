import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { journeyDiff } from '../workflows/src/diff.ts';
import type { JourneyConfig } from '../workflows/src/journey.ts';
import { ConfigError, journeyFileSchema, listYaml, loadCatalogue, loadJourneys, loadYaml, WORKFLOWS_DIR } from '../workflows/src/load.ts';

/**
 * `journeys diff [ref]`: each journey file as it is now against the same file at a git ref
 * (default HEAD, i.e. the uncommitted change), told as what it means for customers already inside.
 */
export function diffJourneys(ref = 'HEAD', root = `${WORKFLOWS_DIR}/..`): string[] {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const now = new Map(loadJourneys().map((j) => [j.id, j]));
  const dir = relative(root, `${WORKFLOWS_DIR}/journeys`);
  const listed = git('ls-tree', '--name-only', `${ref}:${dir}`).split('\n').filter((f) => /\.ya?ml$/.test(f));
  const schema = journeyFileSchema(loadCatalogue());
  const before = new Map<string, JourneyConfig | undefined>();
  for (const f of listed) {
    const id = f.replace(/\.ya?ml$/, '');
    try {
      before.set(id, loadYaml(`${ref}:${dir}/${f}`, schema, git('show', `${ref}:${dir}/${f}`)) as JourneyConfig);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      // A file that did not validate then: compared as absent.
      before.set(id, undefined);
    }
  }
  const changedTemplates = new Set(
    git('diff', '--name-only', '--diff-filter=M', ref, '--', relative(root, `${WORKFLOWS_DIR}/templates`))
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^.*\//, '').replace(/\.ya?ml$/, '')),
  );
  const ids = [...new Set([...before.keys(), ...now.keys(), ...listYaml(`${WORKFLOWS_DIR}/journeys`).map((f) => f.replace(/^.*\//, '').replace(/\.ya?ml$/, ''))])].sort();
  return ids.flatMap((id) => journeyDiff(id, before.get(id), now.get(id), changedTemplates));
}
