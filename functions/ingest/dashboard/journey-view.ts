import type { JourneyConfig } from '../../../workflows/src/journey.ts';

/**
 * A journey as the dashboard draws it: nodes and edges from the journey file, the node ids those of
 * its steps (the ids decisions and the statistics' `nodes` carry), so counts land on their node.
 */

export interface GraphNode {
  id: string;
  kind: 'start' | 'email' | 'sms' | 'preferred' | 'staff' | 'end';
  /** The step's delay from enrolment (ISO-8601), its template and topic. */
  after?: string;
  template?: string;
  topic?: 'marketing' | 'service';
}

export interface GraphEdge {
  from: string;
  to: string;
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

export function journeyView(j: JourneyConfig): JourneyView {
  const nodes: GraphNode[] = [
    { id: START, kind: 'start' },
    ...j.steps.map((s): GraphNode => ({ id: s.id, kind: s.channel, after: s.after, template: s.template, topic: s.topic ?? j.topic })),
    { id: END, kind: 'end' },
  ];
  const edges = nodes.slice(1).map((n, i) => ({ from: nodes[i]!.id, to: n.id }));
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
    graph: { nodes, edges },
  };
}
