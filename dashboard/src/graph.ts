import type { VNode } from 'preact';
import type { GraphNode, JourneyStats, JourneyView } from './api.ts';
import { H, layoutGraph, W } from './graph-layout.ts';
import { html, useUi } from './ui.ts';

/**
 * A journey's graph as SVG, with each node's counts from the statistics and, for a journey graph, on
 * each edge the customers who went along it and its label (the layout, graph-layout.ts, keeps every
 * edge's text clear of the others' and of the nodes).
 */

function kindLabel(node: GraphNode, t: ReturnType<typeof useUi>['t']): string {
  if (node.kind === 'start') return t.journey.start;
  if (node.kind === 'end') return t.journey.end;
  if (node.kind === 'node') return node.label ?? '';
  const channel = { email: 'e-mail', sms: 'SMS', preferred: 'e-mail/SMS', staff: 'staff' }[node.kind];
  return node.after ? `${channel} · ${t.journey.after(node.after)}` : channel;
}

export function JourneyGraph({ view, stats }: { view: JourneyView; stats?: JourneyStats }): VNode {
  const { t, f } = useUi();
  // Edges are counted for journey graphs only: a line journey's show none rather than zeros.
  const passed = stats && stats.edges.length > 0 ? new Map(stats.edges.map((e) => [`${e.from}>${e.to}`, e.executions])) : undefined;
  const layout = layoutGraph(view, (e) => ({ ...(passed ? { count: t.journey.edgeCount(f.number(passed.get(`${e.from}>${e.to}`) ?? 0)) } : {}), ...(e.label ? { label: e.label } : {}) }));
  const counts = new Map((stats?.nodes ?? []).map((n) => [n.node, n]));
  const countLine = (n: GraphNode): string => {
    if (n.kind === 'start') return stats ? `${t.metric.entered}: ${f.number(stats.entered)}` : '';
    if (n.kind === 'end') return stats ? `${t.metric.finished}: ${f.number(stats.finished)}` : '';
    const c = counts.get(n.id);
    return c ? `${t.metric.sent} ${f.number(c.sent)} · ${t.metric.suppressed} ${f.number(c.suppressed)} · ${t.metric.converted} ${f.number(c.converted)}` : '';
  };
  return html`<svg class="graph" viewBox=${`0 0 ${layout.width} ${layout.height}`} width=${layout.width} role="img" aria-labelledby="graph-title">
    <title id="graph-title">${t.journey.graphLabel(view.name)}</title>
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#444" /></marker></defs>
    ${layout.edges.map(({ edge: e, points, count, label }) => {
      const n = passed?.get(`${e.from}>${e.to}`);
      return html`<g data-edge=${`${e.from}>${e.to}`}><polyline points=${points.map((p) => p.join(',')).join(' ')} fill="none" stroke="#444" stroke-width="1.5" marker-end="url(#arrow)" />${
        count ? html`<text x=${count.x} y=${count.y} text-anchor=${count.anchor} class="edge-count">${t.journey.edgeCount(f.number(n ?? 0))}</text>` : null
      }${label ? html`<text x=${label.x} y=${label.y} class="edge-label">${e.label}</text>` : null}</g>`;
    })}
    ${view.graph.nodes.map((n) => {
      const p = layout.nodes.get(n.id)!;
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
