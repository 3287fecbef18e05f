import type { VNode } from 'preact';
import type { GraphNode, JourneyStats, JourneyView } from './api.ts';
import { html, useUi } from './ui.ts';

/**
 * A journey's graph as SVG, with each node's counts from the statistics and, for a journey graph, on
 * each edge the customers who went along it. Layered: a node sits one row below the deepest node
 * leading to it, nodes of a row side by side, so a branch or a split spreads sideways and a
 * straight journey reads top to bottom.
 */

const W = 330;
const H = 64;
const GAP_X = 24;
const GAP_Y = 36;
/** The room of each lane an edge goes round the nodes in, and for the text beside the lanes. */
const LANE = 12;
const LANE_TEXT = 110;

function layers(view: JourneyView): Map<string, number> {
  const depth = new Map<string, number>(view.graph.nodes.map((n) => [n.id, 0]));
  // Longest path from the start; the graph has no cycles, so |nodes| rounds settle it.
  for (let round = 0; round < view.graph.nodes.length; round++) {
    for (const e of view.graph.edges) depth.set(e.to, Math.max(depth.get(e.to) ?? 0, (depth.get(e.from) ?? 0) + 1));
  }
  return depth;
}

function kindLabel(node: GraphNode, t: ReturnType<typeof useUi>['t']): string {
  if (node.kind === 'start') return t.journey.start;
  if (node.kind === 'end') return t.journey.end;
  if (node.kind === 'node') return node.label ?? '';
  const channel = { email: 'e-mail', sms: 'SMS', preferred: 'e-mail/SMS', staff: 'staff' }[node.kind];
  return node.after ? `${channel} · ${t.journey.after(node.after)}` : channel;
}

export function JourneyGraph({ view, stats }: { view: JourneyView; stats?: JourneyStats }): VNode {
  const { t, f } = useUi();
  const depth = layers(view);
  const rows = new Map<number, GraphNode[]>();
  for (const n of view.graph.nodes) rows.set(depth.get(n.id)!, [...(rows.get(depth.get(n.id)!) ?? []), n]);
  const widest = Math.max(...[...rows.values()].map((r) => r.length));
  const inner = widest * W + (widest - 1) * GAP_X + 16;
  // An edge that skips rows (or goes back up) would run through the nodes between: it goes round
  // them instead, down a lane of its own on the right, with its count and label beside the lane.
  const around = view.graph.edges.filter((e) => depth.get(e.to)! - depth.get(e.from)! !== 1);
  const width = inner + (around.length > 0 ? LANE_TEXT + around.length * LANE : 0);
  const height = rows.size * (H + GAP_Y) - GAP_Y + 16;
  const at = new Map<string, { x: number; y: number }>();
  for (const [row, nodes] of rows) {
    const rowWidth = nodes.length * W + (nodes.length - 1) * GAP_X;
    nodes.forEach((n, i) => {
      at.set(n.id, { x: (inner - rowWidth) / 2 + i * (W + GAP_X), y: 8 + row * (H + GAP_Y) });
    });
  }
  const counts = new Map((stats?.nodes ?? []).map((n) => [n.node, n]));
  // Edges are counted for journey graphs only: a line journey's show none rather than zeros.
  const passed = stats && stats.edges.length > 0 ? new Map(stats.edges.map((e) => [`${e.from}>${e.to}`, e.executions])) : undefined;
  const countLine = (n: GraphNode): string => {
    if (n.kind === 'start') return stats ? `${t.metric.entered}: ${f.number(stats.entered)}` : '';
    if (n.kind === 'end') return stats ? `${t.metric.finished}: ${f.number(stats.finished)}` : '';
    const c = counts.get(n.id);
    return c ? `${t.metric.sent} ${f.number(c.sent)} · ${t.metric.suppressed} ${f.number(c.suppressed)} · ${t.metric.converted} ${f.number(c.converted)}` : '';
  };
  return html`<svg class="graph" viewBox=${`0 0 ${width} ${height}`} width=${width} role="img" aria-labelledby="graph-title">
    <title id="graph-title">${t.journey.graphLabel(view.name)}</title>
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#444" /></marker></defs>
    ${view.graph.edges.map((e) => {
      const a = at.get(e.from)!;
      const b = at.get(e.to)!;
      const n = passed?.get(`${e.from}>${e.to}`);
      const count = passed ? t.journey.edgeCount(f.number(n ?? 0)) : undefined;
      const lane = around.indexOf(e);
      if (lane >= 0) {
        // Out below the source, along the lane, in above the target.
        const x = inner + lane * LANE + 4;
        const [sx, sy, tx, ty] = [a.x + W / 2, a.y + H, b.x + W / 2, b.y];
        const mid = (sy + ty) / 2;
        return html`<g data-edge=${`${e.from}>${e.to}`}><polyline points=${`${sx},${sy} ${sx},${sy + 10} ${x},${sy + 10} ${x},${ty - 10} ${tx},${ty - 10} ${tx},${ty}`} fill="none" stroke="#444" stroke-width="1.5" marker-end="url(#arrow)" />${
          count ? html`<text x=${inner + around.length * LANE + 2} y=${mid} class="edge-count">${count}</text>` : null
        }${e.label ? html`<text x=${inner + around.length * LANE + 2} y=${mid + 15} class="edge-label">${e.label}</text>` : null}</g>`;
      }
      const mx = (a.x + b.x) / 2 + W / 2;
      const my = (a.y + H + b.y) / 2 + 4;
      return html`<g data-edge=${`${e.from}>${e.to}`}><line x1=${a.x + W / 2} y1=${a.y + H} x2=${b.x + W / 2} y2=${b.y} stroke="#444" stroke-width="1.5" marker-end="url(#arrow)" />${
        e.label ? html`<text x=${mx + 6} y=${my} class="edge-label">${e.label}</text>` : null
      }${count ? html`<text x=${mx - 6} y=${my} text-anchor="end" class="edge-count">${count}</text>` : null}</g>`;
    })}
    ${view.graph.nodes.map((n) => {
      const p = at.get(n.id)!;
      const terminal = n.kind === 'start' || n.kind === 'end';
      return html`<g class=${`node node-${n.kind}`} data-node=${n.id}>
        <rect x=${p.x} y=${p.y} width=${W} height=${H} rx=${terminal ? 32 : 6} />
        <text x=${p.x + 12} y=${p.y + 20} class="node-title">${terminal ? kindLabel(n, t) : n.id}</text>
        ${terminal ? null : html`<text x=${p.x + 12} y=${p.y + 37} class="node-kind">${kindLabel(n, t)}</text>`}
        <text x=${p.x + 12} y=${p.y + (terminal ? 40 : 54)} class="node-counts">${countLine(n)}</text>
      </g>`;
    })}
  </svg>` as VNode;
}
