import { createHash } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { JourneyDefinition } from '../asl.ts';
import type { ExecutionRecord, ExecutionStore, StoredDefinition } from './executions.ts';
import { type RunnableDefinition, suspendingDefinition, type TaskHandler } from './segment.ts';

/** The version of a definition: a hash of what it runs, so the same definition is one version however often it is synthesized. */
export function definitionVersion(jd: Pick<JourneyDefinition, 'definition' | 'taskHandlers'>): string {
  return createHash('sha256')
    .update(JSON.stringify({ definition: jd.definition, taskHandlers: jd.taskHandlers }))
    .digest('hex')
    .slice(0, 32);
}

/** Definition versions this process has validated (a version is a content hash: valid once, valid always). */

function runnable(d: StoredDefinition, handlers: Record<string, TaskHandler>): RunnableDefinition {
  for (const handler of Object.values(d.taskHandlers)) {
    if (!handlers[handler]) throw new Error(`no local handler "${handler}" for journey ${d.journey}`);
  }
  return { ...d, suspending: suspendingDefinition(d.definition) };
}

/**
 * The definitions executions run on. A new execution gets the current version of its journey's
 * definition, kept in the executions store before the execution is written; a waiting one resumes
 * on the version it started with, read back from the store after a restart, as a running Standard
 * execution on AWS keeps its definition when the state machine is updated.
 */
export class DefinitionVersions {
  private readonly current = new Map<string, RunnableDefinition>();
  private readonly byVersion = new Map<string, RunnableDefinition>();
  /** Versions kept in the store by this process (once each). */
  private readonly kept = new Map<string, Promise<void>>();

  constructor(
    journeys: Map<string, JourneyDefinition>,
    private readonly store: ExecutionStore,
    private readonly handlers: Record<string, TaskHandler>,
    validated: boolean,
  ) {
    for (const [journey, jd] of journeys) {
      // Validate the definition as synthesized, once, unless that was done before it came here;
      // the rewritten segments skip validation. The validator adds each state's query language,
      // which is part of the version.
      if (!validated) new StateMachine(jd.definition as never);
      const def = runnable({ version: definitionVersion(jd), journey, definition: jd.definition, taskHandlers: jd.taskHandlers }, handlers);
      this.current.set(journey, def);
      this.byVersion.set(def.version, def);
    }
  }

  /** The journey's definition as it is now: what a new execution starts on. */
  latest(journey: string): RunnableDefinition {
    const def = this.current.get(journey);
    if (!def) throw new Error(`unknown journey ${journey}`);
    return def;
  }

  /** Keeps the journey's current version in the store, once per process: before the first execution that names it is written. */
  async keep(def: RunnableDefinition): Promise<void> {
    let p = this.kept.get(def.version);
    if (!p) {
      const { suspending: _s, ...stored } = def;
      p = this.store.putDefinition(stored);
      this.kept.set(def.version, p);
      // A failed write is tried again by the next start.
      p.catch(() => this.kept.delete(def.version));
    }
    await p;
  }

  /**
   * The definition an execution runs on: the version it started with; the current one for an
   * execution written before versions were kept. Throws when its version is in no store.
   */
  async of(record: ExecutionRecord): Promise<RunnableDefinition> {
    if (record.version === undefined) return this.latest(record.journey);
    const known = this.byVersion.get(record.version);
    if (known) return known;
    const stored = await this.store.getDefinition(record.version);
    if (!stored) throw new Error(`definition version ${record.version} of ${record.journey} is not in the executions store`);
    const def = runnable(stored, this.handlers);
    this.byVersion.set(def.version, def);
    return def;
  }
}
