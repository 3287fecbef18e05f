import fc from 'fast-check';
import type { Invariant, Violation } from './invariants.ts';
import { type Fault, faultsArb } from './faults.ts';
import { type RunOptions, type RunStats, runWorkload } from './run.ts';
import { describeStep, type Step, workloadArb } from './workload.ts';

/**
 * The deterministic simulation as a fast-check property: a workload and a fault plan in, the
 * invariants out. A seed names a sequence of runs; a seed and a path name one run, which replays
 * exactly on the memory backend (`npm run fuzz -- --seed S --path P`), shrunk to a smallest
 * workload and fault plan that still break the invariant.
 */

export interface SimulationOptions extends Omit<RunOptions, 'tablePrefix'> {
  /** Invariants known to fail on this code: recorded, not failed on. */
  pending?: ReadonlySet<Invariant>;
  /** Told of every run (progress), with the violations it found. */
  onRun?: (violations: Violation[], stats: RunStats) => void;
}

export class InvariantBroken extends Error {
  override name = 'InvariantBroken';
}

let tables = 0;

export function simulationProperty(o: SimulationOptions) {
  return fc.asyncProperty(workloadArb, faultsArb, async (workload: Step[], faults: Fault[]) => {
    const { violations, stats, trace } = await runWorkload(workload, faults, { ...o, tablePrefix: o.backend === 'dynamodb-local' ? `sim${tables++}-` : undefined });
    o.onRun?.(violations, stats);
    const failing = violations.filter((v) => !o.pending?.has(v.invariant));
    if (failing.length > 0) throw new InvariantBroken(counterexample(workload, faults, violations, trace, o.pending));
  });
}

export function counterexample(workload: readonly Step[], faults: readonly Fault[], violations: readonly Violation[], trace: readonly string[], pending?: ReadonlySet<Invariant>): string {
  return [
    'invariants broken:',
    ...[...new Set(violations.map((v) => `${v.invariant}${pending?.has(v.invariant) ? ' (pending)' : ''}: ${v.detail}`))].map((v) => `  ${v}`),
    'workload:',
    ...workload.map((s, i) => `  ${i}. ${describeStep(s)}`),
    `faults: ${faults.length ? faults.map((f) => `${f.kind} at ${f.port} call ${f.call}`).join(', ') : 'none'}`,
    'trace:',
    ...trace.map((t) => `  ${t}`),
  ].join('\n');
}

/** Runs `numRuns` cases of a seed (or the one case `path` names); resolves to fast-check's report. */
export function checkSeed(o: SimulationOptions & { seed: number; numRuns: number; path?: string }) {
  return fc.check(simulationProperty(o), {
    seed: o.seed,
    numRuns: o.numRuns,
    ...(o.path ? { path: o.path } : {}),
    endOnFailure: false,
    // Shrinking reruns the whole system each time: bounded so a failure reports in minutes.
    interruptAfterTimeLimit: 10 * 60_000,
  });
}

/** The violations of the first failing run, or undefined; the report fast-check would print. */
export function describeFailure(report: Awaited<ReturnType<typeof checkSeed>>): string | undefined {
  if (!report.failed) return undefined;
  return `seed ${report.seed}, path "${report.counterexamplePath}" (replay: npm run fuzz -- --seed ${report.seed} --path ${report.counterexamplePath})\n${(report.errorInstance as Error | undefined)?.message ?? "(no error)"}`;
}
