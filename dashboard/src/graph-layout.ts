import type { GraphEdge, JourneyView } from './api.ts';

/**
 * Where a journey's graph puts its nodes and the text of its edges, pure. Layered: a node sits one
 * row below the deepest node leading to it, nodes of a row side by side. The text of an edge between
 * neighbouring rows (its count and its label: a branch's condition, a split's weight) goes on a line
 * of its own in the gap between the rows, where that line crosses the edge, and each gap is as tall as
 * its lines need; so texts of edges fanning out of one node never share a line, and no text reaches
 * into a node. An edge that skips rows goes round the nodes down a lane of its own on the right, its
 * text in a column beside the lanes, each edge's below the one before.
 */

export const W = 330;
export const H = 64;
const GAP_X = 24;
const GAP_Y = 36;
/** A line of edge text, and the room above the first (the edge leaves the node there). */
const LINE = 16;
const FIRST = 16;
/** The room of each lane an edge goes round the nodes in. */
const LANE = 12;
/** Generous widths of a character of an edge's label (11 px) and its count (12 px, bold): too wide only costs room. */
export const CHAR = { label: 7.2, count: 8.4 };
const PAD = 6;

export interface EdgeText {
  count?: string;
  label?: string;
}

export interface PlacedEdge {
  edge: GraphEdge;
  /** The points of the edge's line. */
  points: [number, number][];
  /** Where its count is anchored (left of the edge it ends there; beside a lane it starts there) and where its label starts. */
  count?: { x: number; y: number; anchor: 'start' | 'end' };
  label?: { x: number; y: number };
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: Map<string, { x: number; y: number }>;
  edges: PlacedEdge[];
}

function layers(view: JourneyView): Map<string, number> {
  const depth = new Map<string, number>(view.graph.nodes.map((n) => [n.id, 0]));
  // Longest path from the start; the graph has no cycles, so |nodes| rounds settle it.
  for (let round = 0; round < view.graph.nodes.length; round++) {
    for (const e of view.graph.edges) depth.set(e.to, Math.max(depth.get(e.to) ?? 0, (depth.get(e.from) ?? 0) + 1));
  }
  return depth;
}

const textWidth = (t: EdgeText | undefined, kind: 'label' | 'count') => (t?.[kind]?.length ?? 0) * CHAR[kind];

export function layoutGraph(view: JourneyView, textOf: (e: GraphEdge) => EdgeText): GraphLayout {
  const depth = layers(view);
  const d = (id: string) => depth.get(id)!;
  const rows = new Map<number, string[]>();
  for (const n of view.graph.nodes) rows.set(d(n.id), [...(rows.get(d(n.id)) ?? []), n.id]);
  const rowCount = Math.max(...rows.keys()) + 1;
  const widest = Math.max(...[...rows.values()].map((r) => r.length));
  const inner = widest * W + (widest - 1) * GAP_X + 16;
  const xOf = new Map<string, number>();
  for (const ids of rows.values()) {
    const rowWidth = ids.length * W + (ids.length - 1) * GAP_X;
    for (const [i, id] of ids.entries()) xOf.set(id, (inner - rowWidth) / 2 + i * (W + GAP_X));
  }
  // The edges between neighbouring rows with any text, by the gap they cross, left to right.
  const next = view.graph.edges.filter((e) => d(e.to) - d(e.from) === 1);
  const around = view.graph.edges.filter((e) => d(e.to) - d(e.from) !== 1);
  const texts = new Map(view.graph.edges.map((e) => [e, textOf(e)]));
  const hasText = (e: GraphEdge) => Boolean(texts.get(e)?.count || texts.get(e)?.label);
  const lines = new Map<number, GraphEdge[]>();
  for (const e of next.filter(hasText).sort((a, b) => xOf.get(a.from)! - xOf.get(b.from)! || xOf.get(a.to)! - xOf.get(b.to)!)) {
    lines.set(d(e.from), [...(lines.get(d(e.from)) ?? []), e]);
  }
  const rowY: number[] = [8];
  for (let r = 1; r < rowCount; r++) rowY[r] = rowY[r - 1]! + H + Math.max(GAP_Y, FIRST + ((lines.get(r - 1)?.length ?? 1) - 1) * LINE + 12);
  const nodes = new Map(view.graph.nodes.map((n) => [n.id, { x: xOf.get(n.id)!, y: rowY[d(n.id)]! }]));

  const edges: PlacedEdge[] = [];
  let right = inner;
  for (const e of next) {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    const [ax, ay, bx, by] = [a.x + W / 2, a.y + H, b.x + W / 2, b.y];
    const placed: PlacedEdge = { edge: e, points: [[ax, ay], [bx, by]] };
    const k = lines.get(d(e.from))?.indexOf(e) ?? -1;
    if (k >= 0) {
      const y = ay + FIRST + k * LINE;
      // Where the edge crosses the middle of the text's line.
      const x = ax + ((bx - ax) * (y - 4 - ay)) / (by - ay);
      const t = texts.get(e)!;
      if (t.count) placed.count = { x: x - PAD, y, anchor: 'end' };
      if (t.label) {
        placed.label = { x: x + PAD, y };
        right = Math.max(right, x + PAD + textWidth(t, 'label'));
      }
    }
    edges.push(placed);
  }
  // The lanes begin right of every node and text; their texts beside the last lane.
  const laneX = (i: number) => right + 4 + i * LANE;
  const textX = laneX(around.length) + 2;
  let below = Number.NEGATIVE_INFINITY;
  let widestText = 0;
  const lanes = around.map((e, i) => ({ e, i, a: nodes.get(e.from)!, b: nodes.get(e.to)! })).sort((p, q) => p.a.y + p.b.y - (q.a.y + q.b.y));
  for (const { e, i, a, b } of lanes) {
    const [sx, sy, tx, ty] = [a.x + W / 2, a.y + H, b.x + W / 2, b.y];
    const x = laneX(i);
    const placed: PlacedEdge = { edge: e, points: [[sx, sy], [sx, sy + 10], [x, sy + 10], [x, ty - 10], [tx, ty - 10], [tx, ty]] };
    const t = texts.get(e)!;
    if (t.count || t.label) {
      // Half way down the lane, or below the texts of the lane before.
      const y = Math.max((sy + ty) / 2, below + LINE);
      if (t.count) placed.count = { x: textX, y, anchor: 'start' };
      if (t.label) placed.label = { x: textX, y: t.count ? y + LINE - 1 : y };
      below = t.count && t.label ? y + LINE - 1 : y;
      widestText = Math.max(widestText, textWidth(t, 'count'), textWidth(t, 'label'));
    }
    edges.push(placed);
  }
  const width = around.length > 0 ? textX + Math.max(widestText, 40) + 8 : right + 8;
  const height = Math.max(rowY[rowCount - 1]! + H + 8, below + 12);
  return { width, height, nodes, edges };
}
