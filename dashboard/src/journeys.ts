import type { VNode } from 'preact';
import { getJson, type JourneyStats, type JourneysAnswer, type JourneyView } from './api.ts';
import { DayChart } from './chart.ts';
import { JourneyGraph } from './graph.ts';
import { Failed, html, Loading, moneyList, PageTitle, Table, useLoad, useUi } from './ui.ts';

/** The journeys page (each journey's numbers and its days) and one journey's page (graph, funnel, experiments). */

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function Metrics({ stats }: { stats: JourneyStats }): VNode {
  const { t, f } = useUi();
  const items: [string, string][] = [
    [t.metric.entered, f.number(stats.entered)],
    [t.metric.active, f.number(stats.active)],
    [t.metric.finished, f.number(stats.finished)],
    [t.metric.sent, f.number(stats.sent)],
    [t.metric.delivered, f.number(stats.delivered)],
    [t.metric.clicked, f.number(stats.clicked)],
    [t.metric.suppressed, f.number(total(stats.suppressed))],
    [t.metric.converted, f.number(stats.converted)],
    [t.metric.revenue, moneyList(f, stats.revenue)],
    [t.metric.cost, f.usd(stats.cost.usd)],
  ];
  return html`<dl class="metrics">${items.map(([k, v]) => html`<div data-metric=${k}><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>` as VNode;
}

function Suppressed({ stats }: { stats: JourneyStats }): VNode | null {
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

function Funnel({ stats }: { stats: JourneyStats }): VNode {
  const { t, f } = useUi();
  const steps: [string, number][] = [
    [t.metric.entered, stats.entered],
    [t.metric.sent, stats.sent],
    [t.metric.delivered, stats.delivered],
    [t.metric.clicked, stats.clicked],
    [t.metric.converted, stats.converted],
  ];
  const top = Math.max(1, stats.entered, stats.sent);
  return html`<ol class="funnel">${steps.map(
    ([label, n], i) => html`<li>
      <span class="funnel-label">${label}</span>
      <span class="funnel-bar"><span class=${`fill w${Math.round((n / top) * 20) * 5}`}></span></span>
      <span class="funnel-value">${f.number(n)}${i > 0 && steps[i - 1]![1] > 0 ? html` <small class="muted">(${f.percent(n / steps[i - 1]![1])})</small>` : null}</span>
    </li>`,
  )}</ol>` as VNode;
}

function Experiments({ stats }: { stats: JourneyStats }): VNode {
  const { t, f } = useUi();
  if (stats.experiments.length === 0) return html`<p class="muted">${t.journey.noExperiments}</p>` as VNode;
  return html`${stats.experiments.map(
    (x) => html`<div class="experiment">
      <h3>${x.node} <span class="muted">(${t.experiment.kind[x.kind]})</span> <span class=${`badge verdict-${x.verdict}`}>${t.experiment.verdict[x.verdict]}</span></h3>
      <${Table} captionHidden=${true} caption=${`${t.experiment.node} ${x.node}`} rows=${x.arms} columns=${[
        { label: t.experiment.variant, cell: (a: (typeof x.arms)[number]) => a.variant },
        { label: t.experiment.recipients, numeric: true, cell: (a: (typeof x.arms)[number]) => f.number(a.recipients) },
        { label: t.experiment.conversions, numeric: true, cell: (a: (typeof x.arms)[number]) => f.number(a.conversions) },
        { label: t.experiment.rate, numeric: true, cell: (a: (typeof x.arms)[number]) => f.percent(a.rate) },
        { label: t.experiment.perRecipient, numeric: true, cell: (a: (typeof x.arms)[number]) => f.decimal(a.revenuePerRecipient) },
      ]} />
      <p>${t.experiment.difference}: ${x.difference ? `${f.percent(x.difference.rate)} [${f.percent(x.difference.low)}; ${f.percent(x.difference.high)}]` : '—'}
      ${x.neededPerArm ? html` · ${t.experiment.needed(x.neededPerArm)}` : null}</p>
    </div>`,
  )}` as VNode;
}

export function JourneyPage({ id }: { id: string }): VNode {
  const { t } = useUi();
  const [load] = useLoad('journeys', () => getJson<JourneysAnswer>('/dashboard/api/journeys'));
  const view = load.state === 'ready' ? load.value.journeys.find((j) => j.id === id) : undefined;
  const stats = load.state === 'ready' ? load.value.stats?.journeys.find((s) => s.journey === id) : undefined;
  const body = () => {
    if (load.state === 'loading') return html`<${Loading} />`;
    if (load.state === 'failed') return html`<${Failed} what=${id} error=${load.error} />`;
    if (!view) return html`<p class="notice error" role="alert">${t.journey.notFound}</p>`;
    return html`
      <p class="muted">${t.journeys.trigger}: <code>${view.trigger}</code>${view.exitOn.length ? html` · ${t.journey.exits}: ${view.exitOn.map((e) => html`<code>${e}</code> `)}` : null}</p>
      ${view.goal ? html`<p class="muted">${t.journey.goal(view.goal, view.attributionDays)}</p>` : null}
      ${stats ? html`<${Metrics} stats=${stats} /><${Suppressed} stats=${stats} />` : html`<p class="notice empty" data-empty="stats">${t.journeys.empty}</p>`}
      ${stats ? html`<section class="card"><h2>${t.chart.title}</h2><${DayChart} stats=${stats} /></section>` : null}
      <section class="card"><h2>${t.journey.graph}</h2><div class="graph-wrap"><${JourneyGraph} view=${view} stats=${stats} /></div></section>
      ${stats ? html`<section class="card"><h2>${t.journey.funnel}</h2><${Funnel} stats=${stats} /></section>` : null}
      ${stats ? html`<section class="card"><h2>${t.journey.experiments}</h2><${Experiments} stats=${stats} /></section>` : null}`;
  };
  return html`<section>
    <p><a href="#/journeys">← ${t.journey.back}</a></p>
    <${PageTitle}>${view?.name ?? id}<//>
    ${body()}
  </section>` as VNode;
}
