import type { VNode } from 'preact';
import { getJson, type JourneyStats, type JourneysAnswer, type JourneyView } from './api.ts';
import { DayChart } from './chart.ts';
import { surveyMetrics } from './surveys.ts';
import { Failed, html, Loading, moneyList, PageTitle, useLoad, useUi } from './ui.ts';

/** The journeys page: each journey's numbers and its days; the numbers every journey's page opens with too. */

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export function Metrics({ stats }: { stats: JourneyStats }): VNode {
  const { t, f } = useUi();
  const items: [string, string, string?][] = [
    [t.metric.entered, f.number(stats.entered)],
    [t.metric.active, f.number(stats.active)],
    [t.metric.finished, f.number(stats.finished)],
    [t.metric.sent, f.number(stats.sent)],
    [t.metric.delivered, f.number(stats.delivered)],
    [t.metric.clicked, f.number(stats.clicked)],
    [t.metric.bounced, f.number(stats.bounced)],
    [t.metric.complained, f.number(stats.complained)],
    ...(stats.opened ? [[t.metric.opened, f.number(stats.opened.count), t.metric.openedNote] as [string, string, string]] : []),
    [t.metric.suppressed, f.number(total(stats.suppressed))],
    [t.metric.converted, f.number(stats.converted)],
    [t.metric.revenue, moneyList(f, stats.revenue)],
    ...surveyMetrics(stats, t, f),
    [t.metric.cost, f.usd(stats.cost.usd)],
  ];
  return html`<dl class="metrics">${items.map(
    ([k, v, note]) => html`<div data-metric=${k} title=${note}><dt>${k}</dt><dd>${v}</dd></div>`,
  )}</dl>` as VNode;
}

export function Suppressed({ stats }: { stats: JourneyStats }): VNode | null {
  const { t, f } = useUi();
  const reasons = Object.entries(stats.suppressed).sort((a, b) => b[1] - a[1]);
  if (reasons.length === 0) return null;
  return html`<details class="reasons"><summary>${t.suppressedBy}</summary>
    <ul>${reasons.map(([reason, n]) => html`<li><code>${reason}</code>: ${f.number(n)}</li>`)}</ul></details>` as VNode;
}

function JourneyCard({ view, stats, wired }: { view: JourneyView; stats?: JourneyStats; wired: boolean }): VNode {
  const { t } = useUi();
  return html`<article class="card journey" aria-labelledby=${`j-${view.id}`}>
    <header class="card-head">
      <h2 id=${`j-${view.id}`}><a href=${`#/journeys/${view.id}`}>${view.name}</a></h2>
      <span class="badge live">${t.journeys.live}</span>
    </header>
    <p class="muted">${t.journeys.trigger}: <code>${view.trigger}</code> · ${view.topic}</p>
    ${stats ? html`<${Metrics} stats=${stats} /><${Suppressed} stats=${stats} /><${DayChart} stats=${stats} compact=${true} />` : wired ? html`<p class="muted">${t.journeys.noNumbers}</p>` : null}
  </article>` as VNode;
}

export function JourneysPage(): VNode {
  const { t, f } = useUi();
  const [load] = useLoad('journeys', () => getJson<JourneysAnswer>('/dashboard/api/journeys'));
  const body = () => {
    if (load.state === 'loading') return html`<${Loading} />`;
    if (load.state === 'failed') return html`<${Failed} what=${t.journeys.title} error=${load.error} />`;
    const { journeys, stats, statsError } = load.value;
    const of = (id: string) => stats?.journeys.find((s) => s.journey === id);
    return html`
      ${statsError ? html`<p class="notice error" role="alert">${t.journeys.statsError}</p>` : null}
      ${stats ? html`<p class="muted">${t.journeys.generatedAt(f.date(stats.generatedAt))}</p>` : html`<p class="notice empty" data-empty="stats">${t.journeys.empty}</p>`}
      <div class="cards">${journeys.map((j) => html`<${JourneyCard} key=${j.id} view=${j} stats=${of(j.id)} wired=${stats !== null} />`)}</div>`;
  };
  return html`<section><${PageTitle}>${t.journeys.title}<//>${body()}</section>` as VNode;
}
