import { describeCondition } from './conditions.ts';
import { type JourneyNode, kindOf, kindsOf, type NodeKind } from './nodes.ts';

/**
 * The shape of a journey graph as both the compiler and the step function see it. A Task state
 * begins at an *entry* node and the step function walks from there, through sends, branches,
 * splits and updates, until it meets a wait (the state machine then waits) or the end. So the
 * nodes between two waits cost one Task and one Choice, whatever they decide.
 */

export const END = 'end';

export interface Edge {
  to: string;
  label?: string;
}

/** Nodes with every `next` written out (the node below, or END for the last). */
export function resolveNext(nodes: readonly JourneyNode[]): JourneyNode[] {
  return nodes.map((n, i) => {
    if (kindsOf(n).length !== 1) return n;
    const kind = kindOf(n);
    if (kind === 'branch' || kind === 'split' || kind === 'waitFor' || kind === 'exit') return n;
    return { ...n, next: n.next ?? nodes[i + 1]?.id ?? END };
  });
}

/** Where a node goes, labelled for the graph (conditions, weights, which came first). */
export function successors(node: JourneyNode): Edge[] {
  switch (kindOf(node)) {
    case 'branch':
      return [
        ...node.branch!.cases.map((c) => ({ to: c.next, label: describeCondition(c.if) })),
        { to: node.branch!.otherwise, label: 'otherwise' },
      ];
    case 'split':
      return node.split!.variants.map((v) => ({ to: v.next, label: `${v.name} ${v.weight}%` }));
    case 'waitFor': {
      const f = node.waitFor!;
      const awaited = f.filter ? `${f.event} (${describeCondition(f.filter)})` : f.event;
      return [
        { to: f.onEvent, label: `${awaited} first` },
        { to: f.onTimeout, label: `no ${awaited} in ${f.timeout}` },
      ];
    }
    case 'exit':
      return [];
    case 'holdout':
      return [{ to: node.next ?? END, label: `all but ${node.holdout!.percent}% holdout` }];
    case 'code':
      return [
        { to: node.next ?? END, label: `a code from ${node.code!.pool}` },
        { to: node.code!.empty, label: `${node.code!.pool} empty` },
      ];
    default:
      return [{ to: node.next ?? END }];
  }
}

export function isStop(kind: NodeKind): boolean {
  return kind === 'wait' || kind === 'waitFor';
}

export class Flow {
  readonly byId: ReadonlyMap<string, JourneyNode>;
  readonly start: string;

  constructor(
    readonly nodes: readonly JourneyNode[],
    /** The topic of sends without their own. */
    readonly topic: 'marketing' | 'service',
  ) {
    this.byId = new Map(nodes.map((n) => [n.id, n]));
    this.start = nodes[0]!.id;
  }

  node(id: string): JourneyNode {
    const n = this.byId.get(id);
    if (!n) throw new Error(`no node "${id}"`);
    return n;
  }

  topicOf(node: JourneyNode): 'marketing' | 'service' {
    return node.send?.topic ?? this.topic;
  }

  isMarketingSend(id: string): boolean {
    const n = this.byId.get(id);
    return !!n?.send && n.send.channel !== 'staff' && this.topicOf(n) === 'marketing';
  }

  /**
   * Nodes where a Task begins: the start unless it is a wait; what follows each wait; each
   * waitFor (its timeout resumes there) and its event branch (a continuation starts there); and
   * each marketing send (a walk may defer it into sending hours, then resumes at it).
   */
  entries(): string[] {
    const out = new Set<string>();
    const start = this.node(this.start);
    if (kindOf(start) !== 'wait') out.add(this.start);
    for (const n of this.nodes) {
      const kind = kindOf(n);
      if (kind === 'wait' && n.next && n.next !== END) out.add(n.next);
      if (kind === 'waitFor') {
        out.add(n.id);
        out.add(n.waitFor!.onEvent);
      }
      if (this.isMarketingSend(n.id)) out.add(n.id);
    }
    return [...out].filter((id) => id !== END);
  }

  /**
   * The nodes a walk from `entry` may pass (stops included, where it halts), and where it may
   * halt: a wait or waitFor to wait at, `hours:<send>` to wait for sending hours, or END.
   */
  segment(entry: string, resume?: 'timeout'): { nodes: JourneyNode[]; outcomes: string[] } {
    const seen = new Set<string>();
    const outcomes = new Set<string>([END]);
    const first = this.node(entry);
    const timedOut = resume === 'timeout' && kindOf(first) === 'waitFor';
    const queue = timedOut ? [first.waitFor!.onTimeout] : [entry];
    if (timedOut) seen.add(entry);
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (id === END || seen.has(id)) continue;
      seen.add(id);
      const node = this.node(id);
      if (isStop(kindOf(node)) && !(id === entry && timedOut)) {
        outcomes.add(id);
        continue;
      }
      if (this.isMarketingSend(id) && this.deferrable(entry, resume)) outcomes.add(`hours:${id}`);
      for (const e of successors(node)) queue.push(e.to);
    }
    return { nodes: this.nodes.filter((n) => seen.has(n.id)), outcomes: [...outcomes] };
  }

  /**
   * Whether a walk from `entry` may meet a marketing send outside sending hours. Not after a wait:
   * a wait's end is moved into sending hours when marketing follows it. But the start (run when
   * the trigger arrives), a waitFor's timeout and an awaited event's branch begin at any hour.
   */
  deferrable(entry: string, resume?: 'timeout'): boolean {
    return resume === 'timeout' || entry === this.start || this.nodes.some((n) => n.waitFor?.onEvent === entry);
  }

  /** Every node reachable from the start. */
  reachable(): Set<string> {
    const seen = new Set<string>();
    const queue = [this.start];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (id === END || seen.has(id) || !this.byId.has(id)) continue;
      seen.add(id);
      for (const e of successors(this.node(id))) queue.push(e.to);
    }
    return seen;
  }
}
