import { type JourneyConfig, journeyGoal } from './journey.ts';
import { type JourneyNode, kindOf } from './nodes.ts';

/**
 * What a change to a journey file means, for the customers already inside it and for those to come.
 * An execution keeps the definition it started with (a Standard execution on AWS, a pinned version
 * locally): nodes, waits and branches change for new enrolments only. What the engine reads at run
 * time changes for everyone: templates (deployed with the step function), exit events, the goal and
 * a waitFor's filter (read by the ingest); what decides who enters (trigger, filter, segment, date)
 * changes who enters from the deploy on. Pure.
 */

/** JSON with keys in order: two parses of the same node compare equal whatever order the file wrote. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** A journey's nodes as comparable units: a graph's nodes, or a line's steps as sends with their delays. */
function units(j: JourneyConfig): Map<string, unknown> {
  if (j.nodes) return new Map(j.nodes.map((n) => [n.id, n]));
  return new Map((j.steps ?? []).map((s) => [s.id, s]));
}

function kind(u: unknown): string {
  const n = u as JourneyNode & { after?: string; channel?: string };
  if (n.after !== undefined) return `${n.channel} after ${n.after}`;
  try {
    return kindOf(n);
  } catch {
    return 'node';
  }
}

export function journeyDiff(id: string, before: JourneyConfig | undefined, after: JourneyConfig | undefined, changedTemplates: ReadonlySet<string> = new Set()): string[] {
  if (!before && !after) return [];
  if (!before) return [`${id}: new journey (trigger ${after!.trigger}); it starts for triggers from the deploy on`];
  if (!after) return [`${id}: removed; customers already inside finish on the version they started with, and no one new enters`];
  const out: string[] = [];
  const old = units(before);
  const next = units(after);
  const structural: string[] = [];
  for (const [nid, u] of next) {
    if (!old.has(nid)) structural.push(`  + ${nid} (${kind(u)})`);
    else if (canonical(old.get(nid)) !== canonical(u)) structural.push(`  ~ ${nid} (${kind(u)}): changed`);
  }
  for (const [nid, u] of old) if (!next.has(nid)) structural.push(`  - ${nid} (${kind(u)})`);
  if ((before.steps === undefined) !== (after.steps === undefined)) structural.unshift(`  the journey changes form (${before.steps ? 'steps' : 'nodes'} → ${after.steps ? 'steps' : 'nodes'})`);
  if (structural.length > 0) {
    out.push(`${id}: nodes change for new enrolments only; customers already inside finish on the version they started with`, ...structural);
  }
  const everyone: string[] = [];
  if (before.trigger !== after.trigger) everyone.push(`  trigger ${before.trigger} → ${after.trigger} (who enters from the deploy on)`);
  for (const part of ['filter', 'segment', 'schedule', 'date'] as const) {
    if (canonical(before[part]) !== canonical(after[part])) everyone.push(`  ${part} changed (who enters from the deploy on)`);
  }
  // The ingest reads a waitFor's filter from the deployed file when the event comes.
  for (const n of after.nodes ?? []) {
    const was = before.nodes?.find((b) => b.id === n.id)?.waitFor;
    if (n.waitFor && was && canonical(was.filter) !== canonical(n.waitFor.filter)) everyone.push(`  the filter of ${n.id}'s awaited ${n.waitFor.event} changed: applied by the ingest, so to customers already waiting too`);
  }
  const exits = (j: JourneyConfig) => [...j.exitOn].sort().join(', ') || 'none';
  if (exits(before) !== exits(after)) everyone.push(`  exits ${exits(before)} → ${exits(after)}: applied by the ingest, so to customers already inside too`);
  if (journeyGoal(before) !== journeyGoal(after) || before.attributionDays !== after.attributionDays) {
    everyone.push(`  goal ${journeyGoal(before)} within ${before.attributionDays} d → ${journeyGoal(after)} within ${after.attributionDays} d: conversions from the deploy on count by the new rule`);
  }
  if (before.topic !== after.topic) everyone.push(`  topic ${before.topic} → ${after.topic}`);
  const templates = new Set<string>();
  for (const u of [...old.values(), ...next.values()]) {
    const n = u as JourneyNode & { template?: string; templateByCategory?: Record<string, string> };
    for (const t of [n.template, n.send?.template, ...Object.values(n.templateByCategory ?? n.send?.templateByCategory ?? {})]) if (t && changedTemplates.has(t)) templates.add(t);
  }
  // A journey's Tasks call the step version of their deploy, with the templates bundled in it.
  if (templates.size > 0) out.push(`${id}: templates change for new enrolments; those already inside keep the text of the deploy they started on`, ...[...templates].sort().map((t) => `  template ${t} changed`));
  if (everyone.length > 0) out.push(`${id}: for everyone, also those already inside`, ...everyone);
  return out.length > 0 ? out : [`${id}: unchanged`];
}
