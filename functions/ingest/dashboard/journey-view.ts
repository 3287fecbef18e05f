import { END as FLOW_END, resolveNext, successors } from '../../../workflows/src/flow.ts';
import type { JourneyConfig } from '../../../workflows/src/journey.ts';
import { describeWaitSpec } from '../../../workflows/src/node-graph.ts';
import { kindOf, type JourneyNode } from '../../../workflows/src/nodes.ts';

/**
 * A journey as the dashboard draws it: nodes and edges from the journey file, the node ids those of
 * its steps (the ids decisions and the statistics' `nodes` carry), so counts land on their node.
 */

export interface GraphNode {
  id: string;
  kind: 'start' | 'email' | 'sms' | 'preferred' | 'staff' | 'end' | 'node';
  /** A graph node that sends nothing: what it does ("wait 3 h", "branch", "split"). */
  label?: string;
  /** The step's delay from enrolment (ISO-8601), its template and topic. */
  after?: string;
  template?: string;
  topic?: 'marketing' | 'service';
}

export interface GraphEdge {
  from: string;
  to: string;
  /** A branch's condition, a split's weight, which came first. */
  label?: string;
}

export interface JourneyView {
  id: string;
  name: string;
  description?: string;
  trigger: JourneyConfig['trigger'];
  topic: JourneyConfig['topic'];
  exitOn: string[];
  goal?: string;
  attributionDays: number;
  schedule?: { dailyAt: string; timeZone: string };
  graph: { nodes: GraphNode[]; edges: GraphEdge[] };
}

export const START = '(start)';
export const END = '(end)';

function graphNode(n: JourneyNode, topic: JourneyConfig['topic']): GraphNode {
  if (n.send) return { id: n.id, kind: n.send.channel, template: n.send.template, topic: n.send.topic ?? topic };
  const kind = kindOf(n);
  if (n.wait) return { id: n.id, kind: 'node', label: describeWaitSpec(n.wait) };
  if (n.waitFor) return { id: n.id, kind: 'node', label: `waitFor ${n.waitFor.event}` };
  if (n.holdout) return { id: n.id, kind: 'node', label: `holdout ${n.holdout.percent}%` };
  return { id: n.id, kind: 'node', label: kind };
}

/** A journey graph's nodes and labelled edges, between the start and the end. */
function graphOf(j: JourneyConfig): JourneyView['graph'] {
  const resolved = resolveNext(j.nodes!);
  const nodes: GraphNode[] = [{ id: START, kind: 'start' }, ...resolved.map((n) => graphNode(n, j.topic)), { id: END, kind: 'end' }];
  const edges: GraphEdge[] = [{ from: START, to: resolved[0]!.id }];
  for (const n of resolved) {
    if (n.exit) edges.push({ from: n.id, to: END });
    for (const e of successors(n)) edges.push({ from: n.id, to: e.to === FLOW_END ? END : e.to, ...(e.label ? { label: e.label } : {}) });
  }
  return { nodes, edges };
}

export function journeyView(j: JourneyConfig): JourneyView {
  const graph = j.nodes ? graphOf(j) : lineOf(j);
  return {
    id: j.id,
    name: j.name,
    description: j.description,
    trigger: j.trigger,
    topic: j.topic,
    exitOn: [...j.exitOn],
    goal: j.goal,
    attributionDays: j.attributionDays,
    schedule: j.schedule,
    graph,
  };
}

function lineOf(j: JourneyConfig): JourneyView['graph'] {
  const nodes: GraphNode[] = [
    { id: START, kind: 'start' },
    ...(j.steps ?? []).map((s): GraphNode => ({ id: s.id, kind: s.channel, after: s.after, template: s.template, topic: s.topic ?? j.topic })),
    { id: END, kind: 'end' },
  ];
  const edges = nodes.slice(1).map((n, i) => ({ from: nodes[i]!.id, to: n.id }));
  return { nodes, edges };
}
