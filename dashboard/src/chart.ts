import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { JourneyStats } from './api.ts';
import { html, useUi } from './ui.ts';

/**
 * A journey's days as a uPlot line chart (entered, sent, conversions), as wide as its container.
 * The same numbers are in a table below it, for screen readers and for reading exact values.
 */

const SERIES = [
  { key: 'entered', color: '#1d5c4d' },
  { key: 'sent', color: '#7a4b00' },
  { key: 'converted', color: '#8b1e5a' },
] as const;

export function DayChart({ stats, compact = false }: { stats: JourneyStats; compact?: boolean }): VNode {
  const { t, f } = useUi();
  const box = useRef<HTMLDivElement>(null);
  const days = stats.days;
  useEffect(() => {
    const el = box.current;
    if (!el || days.length === 0) return;
    // The x axis counts days, labelled in the page's language (uPlot's own time axis speaks English).
    const xs = days.map((_, i) => i);
    const label = (i: number) => (Number.isInteger(i) && days[i] ? f.day(days[i]!.day) : '');
    const data: uPlot.AlignedData = [xs, ...SERIES.map((s) => days.map((d) => d[s.key]))];
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: compact ? 120 : 240,
      legend: { show: false },
      cursor: { show: !compact },
      scales: { x: { time: false } },
      axes: [
        { stroke: '#444', grid: { stroke: '#e6e6e3' }, incrs: [1, 2, 7, 14, 28], values: (_u, splits) => splits.map(label) },
        { stroke: '#444', grid: { stroke: '#e6e6e3' }, size: 44 },
      ],
      series: [{ label: t.chart.day, value: (_u, i) => label(i) }, ...SERIES.map((s) => ({ label: t.chart[s.key], stroke: s.color, width: 2, points: { show: !compact } }))],
    };
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: opts.height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, compact, t, f]);
  if (days.length === 0) return html`<p class="muted">—</p>` as VNode;
  const summary = `${t.chart.title}: ${days.length} · ${t.chart.entered} ${f.number(stats.entered)}, ${t.chart.sent} ${f.number(stats.sent)}, ${t.chart.converted} ${f.number(stats.converted)}`;
  return html`<figure class="chart">
    <div ref=${box} role="img" aria-label=${summary}></div>
    <ul class="chart-key" aria-hidden="true">${SERIES.map((s) => html`<li class=${`key-${s.key}`}>${t.chart[s.key]}</li>`)}</ul>
    ${
      compact
        ? null
        : html`<details><summary>${t.chart.data}</summary>
        <table><caption>${t.chart.title}</caption>
          <thead><tr><th scope="col">${t.chart.day}</th>${SERIES.map((s) => html`<th scope="col" class="num">${t.chart[s.key]}</th>`)}</tr></thead>
          <tbody>${days.map((d) => html`<tr><th scope="row">${f.day(d.day)}</th>${SERIES.map((s) => html`<td class="num">${f.number(d[s.key])}</td>`)}</tr>`)}</tbody>
        </table></details>`
    }
  </figure>` as VNode;
}
