import { END, resolveNext, successors } from './flow.ts';
import { type JourneyNode, kindOf } from './nodes.ts';

/**
 * The code pools whose code a node can count on: those claimed on every path from the start to it
 * (a `code` node's `next`, never its `empty`). A template of a send reads `codes.<pool>` only for
 * these, so `journeys validate` refuses one that could meet a customer without the code, rather
 * than a blank or a `template_error` at send time. Pure: a forward "must" analysis over the graph
 * (loops included), each node's set the intersection over the edges into it.
 */
export function codesBefore(nodes: readonly JourneyNode[]): Map<string, Set<string>> {
  const resolved = resolveNext(nodes);
  const out = new Map<string, Set<string> | undefined>(resolved.map((n) => [n.id, undefined]));
  const start = resolved[0]?.id;
  if (start === undefined) return new Map();
  out.set(start, new Set());
  const byId = new Map(resolved.map((n) => [n.id, n]));
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const node = byId.get(id)!;
    const here = out.get(id)!;
    for (const edge of successors(node)) {
      if (edge.to === END || !byId.has(edge.to)) continue;
      const given = kindOf(node) === 'code' && edge.to === (node.next ?? END) && edge.to !== node.code!.empty ? new Set([...here, node.code!.pool]) : here;
      const known = out.get(edge.to);
      // Undefined: not reached yet (everything, for an intersection); otherwise what both ways give.
      const meet = known === undefined ? new Set(given) : new Set([...known].filter((p) => given.has(p)));
      if (known === undefined || meet.size !== known.size) {
        out.set(edge.to, meet);
        queue.push(edge.to);
      }
    }
  }
  return new Map([...out].map(([id, pools]) => [id, pools ?? new Set()]));
}
