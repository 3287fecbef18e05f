import type { VNode } from 'preact';
import { type Experiment, getJson, type JourneyStats, type JourneysAnswer, type NodeStats, type VersionStats } from './api.ts';
import { DayChart } from './chart.ts';
import { JourneyGraph } from './graph.ts';
import { Metrics, Suppressed } from './journeys.ts';
import { Surveys } from './surveys.ts';
import { Failed, html, Loading, moneyList, PageTitle, Table, useLoad, useUi } from './ui.ts';

/** One journey's page: its numbers, days, graph with counts on nodes and edges, steps, funnel, experiments and versions. */

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

/**
 * Each arm with what became of its messages (a holdout's are none) and what it bought, then the
 * rate's difference and the revenue's, each with its interval and verdict.
 */
function ExperimentView({ x, opened }: { x: Experiment; opened: boolean }): VNode {
  const { t, f } = useUi();
  type Arm = Experiment['arms'][number];
  const n = (get: (a: Arm) => number) => (a: Arm) => f.number(get(a));
  const revenue = x.difference?.revenue;
  const pln = (amount: string) => f.money(amount, 'PLN');
  return html`<div class="experiment" data-experiment=${x.node}>
    <h3>${x.node} <span class="muted">(${t.experiment.kind[x.kind]})</span> <span class=${`badge verdict-${x.verdict}`}>${t.experiment.verdict[x.verdict]}</span></h3>
    <${Table} captionHidden=${true} caption=${`${t.experiment.node} ${x.node}`} rows=${x.arms} columns=${[
      { label: t.experiment.variant, cell: (a: Arm) => a.variant },
      { label: t.experiment.recipients, numeric: true, cell: n((a) => a.recipients) },
      { label: t.metric.delivered, numeric: true, cell: n((a) => a.delivered) },
      { label: t.metric.clicked, numeric: true, cell: n((a) => a.clicked) },
      { label: t.experiment.clickRate, numeric: true, cell: (a: Arm) => f.percent(a.clickRate) },
      { label: t.metric.bounced, numeric: true, cell: n((a) => a.bounced) },
      { label: t.metric.complained, numeric: true, cell: n((a) => a.complained) },
      ...(opened ? [{ label: t.metric.opened, numeric: true, cell: n((a) => a.opened?.count ?? 0) }] : []),
      { label: t.experiment.conversions, numeric: true, cell: n((a) => a.conversions) },
      { label: t.experiment.rate, numeric: true, cell: (a: Arm) => f.percent(a.rate) },
      { label: t.experiment.perRecipient, numeric: true, cell: (a: Arm) => f.decimal(a.revenuePerRecipient) },
    ]} />
    <p data-difference="rate">${t.experiment.difference}: ${x.difference ? `${f.percent(x.difference.rate)} [${f.percent(x.difference.low)}; ${f.percent(x.difference.high)}]` : '—'}
    ${x.neededPerArm ? html` · ${t.experiment.needed(x.neededPerArm)}` : null}</p>
    ${
      revenue
        ? html`<p data-difference="revenue">${t.experiment.revenueDifference}: ${pln(revenue.perRecipient)} ${
            revenue.low !== null && revenue.high !== null ? `[${pln(revenue.low)}; ${pln(revenue.high)}]` : `(${t.experiment.noInterval})`
          } <span class=${`badge verdict-${revenue.verdict}`}>${t.experiment.verdict[revenue.verdict]}</span></p>`
        : null
    }
  </div>` as VNode;
}

function Experiments({ stats }: { stats: JourneyStats }): VNode {
  const { t } = useUi();
  if (stats.experiments.length === 0) return html`<p class="muted">${t.journey.noExperiments}</p>` as VNode;
  return html`${stats.experiments.map((x) => html`<${ExperimentView} key=${x.node} x=${x} opened=${stats.opened !== undefined} />`)}` as VNode;
}

/** Each step's messages: sent, delivered, clicked, bounced, complained about, opened (when counted), suppressed, converted. */
function Steps({ stats }: { stats: JourneyStats }): VNode {
  const { t, f } = useUi();
  const n = (get: (s: NodeStats) => number) => (s: NodeStats) => f.number(get(s));
  return html`<${Table} caption=${t.journey.nodes} captionHidden=${true} rows=${stats.nodes} columns=${[
    { label: t.journey.node, cell: (s: NodeStats) => html`<code>${s.node}</code>` },
    { label: t.metric.sent, numeric: true, cell: n((s) => s.sent) },
    { label: t.metric.delivered, numeric: true, cell: n((s) => s.delivered) },
    { label: t.metric.clicked, numeric: true, cell: n((s) => s.clicked) },
    { label: t.metric.bounced, numeric: true, cell: n((s) => s.bounced) },
    { label: t.metric.complained, numeric: true, cell: n((s) => s.complained) },
    ...(stats.opened ? [{ label: t.metric.opened, numeric: true, cell: n((s) => s.opened?.count ?? 0) }] : []),
    { label: t.metric.suppressed, numeric: true, cell: n((s) => s.suppressed) },
    { label: t.metric.converted, numeric: true, cell: n((s) => s.converted) },
  ]} />` as VNode;
}

/** The journey's figures by the definition version its enrolments started on (and its messages were sent under). */
function Versions({ stats }: { stats: JourneyStats }): VNode {
  const { t, f } = useUi();
  const days = (v: VersionStats) => (v.firstDay === v.lastDay ? f.day(v.firstDay) : `${f.day(v.firstDay)} – ${f.day(v.lastDay)}`);
  const n = (get: (v: VersionStats) => number) => (v: VersionStats) => f.number(get(v));
  return html`<${Table} caption=${t.journey.versions} captionHidden=${true} rows=${stats.versions} columns=${[
    { label: t.journey.version, cell: (v: VersionStats) => (v.version ? html`<code>${v.version}</code>` : html`<span class="muted">${t.journey.noVersion}</span>`) },
    { label: t.journey.days, cell: days },
    { label: t.metric.entered, numeric: true, cell: n((v) => v.entered) },
    { label: t.metric.finished, numeric: true, cell: n((v) => v.finished) },
    { label: t.metric.sent, numeric: true, cell: n((v) => v.sent) },
    { label: t.metric.delivered, numeric: true, cell: n((v) => v.delivered) },
    { label: t.metric.clicked, numeric: true, cell: n((v) => v.clicked) },
    { label: t.metric.bounced, numeric: true, cell: n((v) => v.bounced) },
    { label: t.metric.complained, numeric: true, cell: n((v) => v.complained) },
    ...(stats.opened ? [{ label: t.metric.opened, numeric: true, cell: n((v) => v.opened?.count ?? 0) }] : []),
    { label: t.metric.converted, numeric: true, cell: n((v) => v.converted) },
    { label: t.metric.revenue, numeric: true, cell: (v: VersionStats) => moneyList(f, v.revenue) },
  ]} />` as VNode;
}

export function JourneyPage({ id }: { id: string }): VNode {
  const { t } = useUi();
  const [load] = useLoad('journeys', () => getJson<JourneysAnswer>('/dashboard/api/journeys'));
  const view = load.state === 'ready' ? load.value.journeys.find((j) => j.id === id) : undefined;
  const stats = load.state === 'ready' ? load.value.stats?.journeys.find((s) => s.journey === id) : undefined;
  const section = (title: string, body: VNode, name: string) => html`<section class="card" data-section=${name}><h2>${title}</h2>${body}</section>`;
  const body = () => {
    if (load.state === 'loading') return html`<${Loading} />`;
    if (load.state === 'failed') return html`<${Failed} what=${id} error=${load.error} />`;
    if (!view) return html`<p class="notice error" role="alert">${t.journey.notFound}</p>`;
    return html`
      <p class="muted">${t.journeys.trigger}: <code>${view.trigger}</code>${view.exitOn.length ? html` · ${t.journey.exits}: ${view.exitOn.map((e) => html`<code>${e}</code> `)}` : null}</p>
      ${view.goal ? html`<p class="muted">${t.journey.goal(view.goal, view.attributionDays)}</p>` : null}
      ${stats ? html`<${Metrics} stats=${stats} /><${Suppressed} stats=${stats} />` : html`<p class="notice empty" data-empty="stats">${t.journeys.empty}</p>`}
      ${stats ? section(t.chart.title, html`<${DayChart} stats=${stats} />` as VNode, 'days') : null}
      ${section(t.journey.graph, html`<div class="graph-wrap"><${JourneyGraph} view=${view} stats=${stats} /></div>` as VNode, 'graph')}
      ${stats && stats.nodes.length > 0 ? section(t.journey.nodes, html`<${Steps} stats=${stats} />` as VNode, 'steps') : null}
      ${stats && (stats.nps || stats.csat) ? section(t.survey.title, html`<${Surveys} stats=${stats} />` as VNode, 'surveys') : null}
      ${stats ? section(t.journey.funnel, html`<${Funnel} stats=${stats} />` as VNode, 'funnel') : null}
      ${stats ? section(t.journey.experiments, html`<${Experiments} stats=${stats} />` as VNode, 'experiments') : null}
      ${stats && stats.versions.length > 0 ? section(t.journey.versions, html`<${Versions} stats=${stats} />` as VNode, 'versions') : null}`;
  };
  return html`<section>
    <p><a href="#/journeys">← ${t.journey.back}</a></p>
    <${PageTitle}>${view?.name ?? id}<//>
    ${body()}
  </section>` as VNode;
}
