/**
 * Where a simulation's CPU goes: one run under V8's sampling profiler, each sample charged to the
 * innermost frame that belongs to a known part (the interpreter, the product's use cases, the
 * in-memory store, the local engine), so the overhead against the bare interpreter can be read as
 * what the engine adds and what the product's own work costs.
 */
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { round } from './bench-support.ts';

export type Part = 'interpreter' | 'product' | 'store' | 'engine' | 'runtime';

interface ProfileNode {
  id: number;
  callFrame: { url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The part a script belongs to, or undefined for one that only runs on another's behalf (libraries such as zod, Node's own). */
export function partOf(url: string): Part | undefined {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (/node_modules\/(aws-local-stepfunctions|jsonpath-plus|asl-path-validator)\//.test(path)) return 'interpreter';
  if (!path.startsWith(ROOT) || path.includes('/node_modules/')) return undefined;
  const rel = path.slice(ROOT.length);
  if (rel.startsWith('functions/adapters/memory/')) return 'store';
  if (rel.startsWith('functions/') || rel.startsWith('workflows/')) return 'product';
  if (rel.startsWith('local/') || rel.startsWith('scripts/')) return 'engine';
  return undefined;
}

/** Milliseconds of CPU per part: a sample counts for the innermost frame with a part; the rest (GC, microtask queue, Node) is `runtime`. */
export function charge(profile: CpuProfile): Record<Part, number> {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const own = new Map<number, Part>();
  const partFor = (id: number): Part => {
    const known = own.get(id);
    if (known) return known;
    let part: Part = 'runtime';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const p = partOf(byId.get(at)!.callFrame.url);
      if (p) {
        part = p;
        break;
      }
    }
    own.set(id, part);
    return part;
  };
  const out: Record<Part, number> = { interpreter: 0, product: 0, store: 0, engine: 0, runtime: 0 };
  profile.samples.forEach((id, i) => {
    out[partFor(id)] += (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return out;
}

export interface CpuBreakdown {
  /** Share of the profiled run's CPU per part, in percent. */
  shares: Record<Part, number>;
  /**
   * The overhead a zero-cost engine would still show: the interpreter's and the product's CPU
   * (use cases, templates, the in-memory store) over the interpreter's alone.
   */
  floorWithoutEngine: number;
}

/** What a measured phase is bracketed by: the simulation calls `begin` where its CPU count starts and `end` where it stops. */
export interface Bracket {
  begin(): Promise<void>;
  end(): Promise<void>;
}

/**
 * Runs `work` with the sampling profiler on between its bracket's `begin` and `end` (the span the
 * bench's CPU figures count, not the stack's start) and splits that CPU by part.
 */
export async function profiled(work: (bracket: Bracket) => Promise<unknown>): Promise<CpuBreakdown> {
  const session = new Session();
  session.connect();
  let profile: CpuProfile | undefined;
  try {
    await session.post('Profiler.enable');
    // A sample every 100 µs (V8's default is 1 ms): enough of them for a short run's smaller parts.
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await work({
      begin: async () => {
        await session.post('Profiler.start');
      },
      end: async () => {
        profile = (await session.post('Profiler.stop')).profile as CpuProfile;
      },
    });
  } finally {
    session.disconnect();
  }
  if (!profile) throw new Error('the profiled run never ended its measured phase');
  const ms = charge(profile);
  const total = Object.values(ms).reduce((a, b) => a + b, 0) || 1;
  const shares = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, round((v / total) * 100, 1)])) as Record<Part, number>;
  return { shares, floorWithoutEngine: round((ms.interpreter + ms.product + ms.store) / (ms.interpreter || 1), 1) };
}
