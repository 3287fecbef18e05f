import type { VNode } from 'preact';
import type { CsatStats, JourneyStats, NpsStats } from './api.ts';
import type { Formats, Text } from './i18n.ts';
import { html, Table, useUi } from './ui.ts';

/**
 * A journey's survey figures: NPS and CSAT among its numbers, and on its page each question's
 * answers for the whole journey and by version. Every figure shows its n; below the threshold the
 * API marks (`few`) it says "few answers" where a margin of error would stand.
 */

/** "n = 48, ± 23,1 pts" or "n = 12, few answers". */
function sample(s: { responses: number; margin: number | null; few: boolean }, t: Text, f: Formats): string {
  return t.survey.summary(f.number(s.responses), s.margin !== null && !s.few ? t.survey.margin(f.number(s.margin)) : t.survey.few);
}

export const npsValue = (s: NpsStats, t: Text, f: Formats) => `${f.points(s.score)} (${sample(s, t, f)})`;
export const csatValue = (s: CsatStats, t: Text, f: Formats) => `${f.percent(s.score / 100)} · ${t.survey.mean} ${f.number(s.mean)} (${sample(s, t, f)})`;

/** The metrics items NPS and CSAT, where the journey has answers: label, value, explanation. */
export function surveyMetrics(stats: JourneyStats, t: Text, f: Formats): [string, string, string][] {
  const out: [string, string, string][] = [];
  if (stats.nps) out.push(['NPS', npsValue(stats.nps, t, f), `${t.survey.npsNote}${stats.nps.few ? ` ${t.survey.fewNote}` : ''}`]);
  if (stats.csat) out.push(['CSAT', csatValue(stats.csat, t, f), `${t.survey.csatNote}${stats.csat.few ? ` ${t.survey.fewNote}` : ''}`]);
  return out;
}

type Row<S> = { label: VNode | string; s: S };

/** The whole journey first, then each version that has answers to the question. */
function rowsOf<S>(stats: JourneyStats, whole: S | undefined, of: (v: JourneyStats['versions'][number]) => S | undefined, t: Text): Row<S>[] {
  if (!whole) return [];
  const versions = stats.versions.flatMap((v) => {
    const s = of(v);
    return s ? [{ label: html`<code>${v.version ?? t.journey.noVersion}</code>` as VNode, s }] : [];
  });
  // With one version its row would repeat the whole journey's.
  return [{ label: t.survey.whole, s: whole }, ...(stats.versions.length > 1 ? versions : [])];
}

function sampleCell(s: NpsStats | CsatStats, t: Text, f: Formats): VNode | string {
  return s.few ? (html`<span class="badge verdict-not_enough_data" title=${t.survey.fewNote}>${t.survey.few}</span>` as VNode) : s.margin !== null ? t.survey.margin(f.number(s.margin)) : '';
}

export function Surveys({ stats }: { stats: JourneyStats }): VNode {
  const { t, f } = useUi();
  const nps = rowsOf(stats, stats.nps, (v) => v.nps, t);
  const csat = rowsOf(stats, stats.csat, (v) => v.csat, t);
  return html`
    ${
      nps.length
        ? html`<h3>NPS</h3><p class="muted">${t.survey.npsNote}</p><${Table} caption="NPS" captionHidden=${true} rows=${nps} columns=${[
            { label: t.journey.version, cell: (r: Row<NpsStats>) => r.label },
            { label: t.survey.responses, numeric: true, cell: (r: Row<NpsStats>) => f.number(r.s.responses) },
            { label: t.survey.promoters, numeric: true, cell: (r: Row<NpsStats>) => f.number(r.s.promoters) },
            { label: t.survey.passives, numeric: true, cell: (r: Row<NpsStats>) => f.number(r.s.passives) },
            { label: t.survey.detractors, numeric: true, cell: (r: Row<NpsStats>) => f.number(r.s.detractors) },
            { label: 'NPS', numeric: true, cell: (r: Row<NpsStats>) => f.points(r.s.score) },
            { label: t.survey.marginHead, numeric: true, cell: (r: Row<NpsStats>) => sampleCell(r.s, t, f) },
          ]} />`
        : null
    }
    ${
      csat.length
        ? html`<h3>CSAT</h3><p class="muted">${t.survey.csatNote}</p><${Table} caption="CSAT" captionHidden=${true} rows=${csat} columns=${[
            { label: t.journey.version, cell: (r: Row<CsatStats>) => r.label },
            { label: t.survey.responses, numeric: true, cell: (r: Row<CsatStats>) => f.number(r.s.responses) },
            { label: t.survey.satisfied, numeric: true, cell: (r: Row<CsatStats>) => f.number(r.s.satisfied) },
            { label: 'CSAT', numeric: true, cell: (r: Row<CsatStats>) => f.percent(r.s.score / 100) },
            { label: t.survey.mean, numeric: true, cell: (r: Row<CsatStats>) => f.number(r.s.mean) },
            { label: t.survey.marginHead, numeric: true, cell: (r: Row<CsatStats>) => sampleCell(r.s, t, f) },
          ]} />`
        : null
    }` as VNode;
}
