import { parseDurationSeconds } from './duration.ts';
import { END, type Flow, isStop, successors } from './flow.ts';
import { kindOf, type JourneyNode, type WaitSpec } from './nodes.ts';

/**
 * A journey graph as a marketer reads it: nodes labelled by what they do, branches by their
 * conditions, splits by their weights, waits in human units, and each path from the start to an
 * end with the billable state transitions it costs on Step Functions. Pure.
 */

export function human(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export function describeWaitSpec(w: WaitSpec): string {
  if (w.for !== undefined) return `wait ${human(parseDurationSeconds(w.for))}`;
  if (w.until !== undefined) return `wait until ${w.until}${w.weekdays ? ` on ${w.weekdays.join(', ')}` : ''}`;
  return `wait until ${w.date}${w.offset ? ` ${w.offset}` : ''} at ${w.at ?? '09:00'}${w.yearly ? ', yearly' : ''}`;
}

function label(n: JourneyNode): string {
  switch (kindOf(n)) {
    case 'send':
      return n.send!.channel === 'staff' ? `${n.id}: staff task ${n.send!.template}` : `${n.id}: ${n.send!.channel} ${n.send!.template}`;
    case 'wait':
      return `${n.id}: ${describeWaitSpec(n.wait!)}`;
    case 'waitFor':
      return `${n.id}: wait up to ${human(parseDurationSeconds(n.waitFor!.timeout))} for ${n.waitFor!.event}`;
    case 'holdout':
      return `${n.id}: holdout ${n.holdout!.percent}%`;
    case 'update':
      return `${n.id}: update ${[...Object.keys(n.update!.set ?? {}), ...(n.update!.tag ? [`tag ${n.update!.tag}`] : [])].join(', ')}`;
    case 'code':
      return `${n.id}: a code from ${n.code!.pool}`;
    default:
      return `${n.id}: ${kindOf(n)}`;
  }
}

export function nodeMermaid(flow: Flow): string {
  const index = new Map(flow.nodes.map((n, i) => [n.id, `n${i}`]));
  const ref = (id: string) => (id === END ? 'finish' : index.get(id)!);
  const lines = ['flowchart TD', '  start((start))', '  finish((end))', `  start --> ${ref(flow.start)}`];
  for (const n of flow.nodes) {
    const text = label(n).replace(/"/g, "'");
    const kind = kindOf(n);
    lines.push(kind === 'branch' || kind === 'split' ? `  ${ref(n.id)}{"${text}"}` : isStop(kind) ? `  ${ref(n.id)}(["${text}"])` : `  ${ref(n.id)}["${text}"]`);
  }
  for (const n of flow.nodes) {
    if (kindOf(n) === 'exit') lines.push(`  ${ref(n.id)} --> finish`);
    for (const e of successors(n)) lines.push(`  ${ref(n.id)} -->${e.label ? `|"${e.label.replace(/"/g, "'")}"|` : ''} ${ref(e.to)}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface PathCost {
  nodes: string[];
  transitions: number;
}

/**
 * Every path from the start to an end (each node at most once), with the state transitions it
 * costs: the opening Wait (a date journey's, `datedStart`, always has one), a Task per stretch between waits, a Choice and a Wait per wait, and a
 * Choice and the Succeed state where a Task that could have stopped at a wait ends instead.
 */
export function pathCosts(flow: Flow, limit = 64, datedStart = false): PathCost[] {
  const out: PathCost[] = [];
  // A date journey not opening with a wait of its own still opens with one, until its moment.
  const hasContinuations = flow.nodes.some((n) => n.waitFor);
  const opening = datedStart && !flow.node(flow.start).wait ? 1 : 0;
  const walk = (id: string, path: string[]) => {
    if (out.length >= limit) return;
    if (id === END || path.includes(id)) {
      if (id === END) out.push({ nodes: path, transitions: opening + cost(flow, path, hasContinuations) });
      return;
    }
    const node = flow.node(id);
    if (kindOf(node) === 'exit') {
      out.push({ nodes: [...path, id], transitions: opening + cost(flow, [...path, id], hasContinuations) });
      return;
    }
    for (const e of successors(node)) walk(e.to, [...path, id]);
  };
  walk(flow.start, []);
  return out;
}

function cost(flow: Flow, path: string[], hasContinuations: boolean): number {
  let n = hasContinuations ? 1 : 0;
  let entry: { id: string; resume?: 'timeout' } | undefined;
  path.forEach((id, i) => {
    const node = flow.node(id);
    if (i === 0 && node.wait) {
      n += 1;
      return;
    }
    if (!entry) {
      entry = { id };
      n += 1;
    }
    if (node.wait) {
      n += 2;
      entry = undefined;
    } else if (node.waitFor) {
      n += 2;
      if (path[i + 1] === node.waitFor.onEvent) {
        // The awaited event stops this execution and starts a continuation at its branch.
        n += 1;
        entry = undefined;
      } else {
        entry = { id, resume: 'timeout' };
        n += 1;
      }
    }
  });
  if (entry && flow.segment(entry.id, entry.resume).outcomes.length > 1) n += 2;
  return n;
}
