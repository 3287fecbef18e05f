import { conditionViolations, type DeclaredFields, eventSubject } from './conditions.ts';
import { END, Flow, isStop, resolveNext, successors } from './flow.ts';
import type { TemplateFacts, Violation } from './journey.ts';
import { type JourneyNode, kindOf, kindsOf, NODE_KINDS } from './nodes.ts';
import { didYouMean } from './suggest.ts';

/**
 * The rules a schema cannot say about a journey graph, each naming the node's path (so the
 * loader can give its line): one kind per node, targets that exist, nothing unreachable, no loop
 * without a wait, every path ending, split weights summing to 100, conditions over fields the
 * journey has, templates that exist on every branch. Pure.
 */
export function graphViolations(
  nodes: readonly JourneyNode[],
  o: { topic: 'marketing' | 'service'; subject?: 'cart' | 'order' | 'invoice'; templates?: TemplateFacts; declared?: DeclaredFields },
): Violation[] {
  const out: Violation[] = [];
  const at = (i: number, field?: string) => `nodes.${i}${field ? `.${field}` : ''}`;
  const ids = nodes.map((n) => n.id);
  const seen = new Set<string>();
  nodes.forEach((n, i) => {
    if (seen.has(n.id)) out.push({ path: at(i, 'id'), message: `duplicate node id "${n.id}"` });
    seen.add(n.id);
    const kinds = kindsOf(n);
    if (kinds.length !== 1) {
      out.push({ path: at(i), message: kinds.length === 0 ? `a node needs one of ${NODE_KINDS.join(', ')}` : `a node does one thing; this one has ${kinds.join(' and ')}` });
    }
  });
  if (out.length > 0) return out;

  const target = (i: number, field: string, id: string) => {
    if (id !== END && !ids.includes(id)) out.push({ path: at(i, field), message: `no node "${id}"${didYouMean(id, ids)}` });
  };
  nodes.forEach((n, i) => {
    const kind = kindOf(n);
    if (n.next !== undefined) {
      if (kind === 'branch' || kind === 'split' || kind === 'waitFor' || kind === 'exit') out.push({ path: at(i, 'next'), message: `a ${kind} node chooses its own way on; next does not apply` });
      else target(i, 'next', n.next);
    }
    if (n.branch) {
      n.branch.cases.forEach((c, j) => {
        target(i, `branch.cases.${j}.next`, c.next);
      });
      target(i, 'branch.otherwise', n.branch.otherwise);
      n.branch.cases.forEach((c, j) => {
        out.push(...conditionViolations(c.if, at(i, `branch.cases.${j}.if`), { declared: o.declared, subject: o.subject }));
      });
    }
    if (n.split) {
      n.split.variants.forEach((v, j) => {
        target(i, `split.variants.${j}.next`, v.next);
      });
      const sum = n.split.variants.reduce((s, v) => s + v.weight, 0);
      if (sum !== 100) out.push({ path: at(i, 'split.variants'), message: `weights add up to ${sum}, not 100` });
      const names = n.split.variants.map((v) => v.name);
      if (new Set(names).size !== names.length) out.push({ path: at(i, 'split.variants'), message: 'variant names must differ' });
    }
    if (n.code) target(i, 'code.empty', n.code.empty);
    if (n.waitFor) {
      target(i, 'waitFor.onEvent', n.waitFor.onEvent);
      target(i, 'waitFor.onTimeout', n.waitFor.onTimeout);
      // The filter reads the awaited event: its order, cart or invoice, its declared properties.
      const { event, filter } = n.waitFor;
      if (filter) {
        const declared = { attributes: o.declared?.attributes, properties: o.declared?.events?.[event] };
        out.push(...conditionViolations(filter, at(i, 'waitFor.filter'), { declared, subject: eventSubject(event), scope: `of ${event}` }));
      }
    }
    if (n.wait) {
      const ways = [n.wait.for, n.wait.until, n.wait.date].filter((x) => x !== undefined).length;
      if (ways !== 1) out.push({ path: at(i, 'wait'), message: 'a wait takes exactly one of for, until or date' });
      if (n.wait.weekdays && n.wait.until === undefined) out.push({ path: at(i, 'wait.weekdays'), message: 'weekdays go with until' });
      for (const f of ['offset', 'at', 'yearly'] as const) if (n.wait[f] !== undefined && n.wait.date === undefined) out.push({ path: at(i, `wait.${f}`), message: `${f} goes with date` });
      if (o.declared && n.wait.date !== undefined && o.declared.attributes?.[n.wait.date] !== 'date') {
        out.push({ path: at(i, 'wait.date'), message: `no date attribute "${n.wait.date}" declared${didYouMean(n.wait.date, Object.keys(o.declared.attributes ?? {}))}` });
      }
    }
    if (n.send && o.templates) {
      const topic = n.send.topic ?? o.topic;
      for (const id of [n.send.template, ...Object.values(n.send.templateByCategory ?? {})]) {
        if (!o.templates.all.has(id)) out.push({ path: at(i, 'send.template'), message: `no template "${id}" in workflows/templates${didYouMean(id, [...o.templates.all])}` });
        else if ((n.send.channel === 'email' || n.send.channel === 'preferred') && !o.templates.withSubject.has(id)) {
          out.push({ path: at(i, 'send.template'), message: `template "${id}" needs a subject in every locale to be e-mailed` });
        }
      }
      if (n.send.channel === 'staff' && topic === 'marketing' && n.send.topic === 'marketing') out.push({ path: at(i, 'send.topic'), message: 'a staff task is not marketing' });
    }
  });
  if (out.length > 0) return out;

  const resolved = resolveNext(nodes);
  const flow = new Flow(resolved, o.topic);
  const index = new Map(resolved.map((n, i) => [n.id, i]));
  const reachable = flow.reachable();
  resolved.forEach((n, i) => {
    if (!reachable.has(n.id)) out.push({ path: at(i, 'id'), message: `node "${n.id}" cannot be reached from the start (${flow.start})` });
    if (n.wait && n.next === END) out.push({ path: at(i, 'wait'), message: 'a wait at the end does nothing; end the journey before it' });
  });

  // A loop must pass a wait: otherwise one step would walk it for ever.
  const state = new Map<string, 'open' | 'done'>();
  const loop = (id: string, path: string[]): string[] | undefined => {
    if (id === END) return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    if (state.get(id) === 'done') return undefined;
    state.set(id, 'open');
    const node = flow.node(id);
    if (!isStop(kindOf(node))) {
      for (const e of successors(node)) {
        const found = loop(e.to, [...path, id]);
        if (found) return found;
      }
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const n of resolved) {
    const found = loop(n.id, []);
    if (found) {
      out.push({ path: at(index.get(found[0]!)!, 'id'), message: `the loop ${found.join(' → ')} passes no wait` });
      break;
    }
  }

  // Every node must have a way to the end.
  const ends = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of resolved) {
      if (ends.has(n.id)) continue;
      const kind = kindOf(n);
      if (kind === 'exit' || successors(n).some((e) => e.to === END || ends.has(e.to))) {
        ends.add(n.id);
        changed = true;
      }
    }
  }
  resolved.forEach((n, i) => {
    if (reachable.has(n.id) && !ends.has(n.id)) out.push({ path: at(i, 'id'), message: `no path from "${n.id}" ever ends the journey` });
  });
  return out;
}
