import { evaluate } from '../../workflows/src/conditions.ts';
import { END } from '../../workflows/src/flow.ts';
import { type JourneyNode, kindOf, type NodeKind } from '../../workflows/src/nodes.ts';
import { DEFAULT_SENDING_HOURS, DEFAULT_TIME_ZONE, nextSendingTime } from '../../workflows/src/quiet-hours.ts';
import { pickLocale } from '../../workflows/src/template-file.ts';
import { waitEnd } from '../../workflows/src/waits.ts';
import { bucket, inHoldout, pickVariant } from '../core/assign.ts';
import { conditionFacts } from '../core/facts.ts';
import { EDGE_END, edgeId, edgeTarget, NONE, statsDay } from '../core/measurement.ts';
import type { EnrolmentStatus } from '../core/model.ts';
import type { GraphInput, StepInput } from '../core/step-payload.ts';
import { channelFor, subjectKind, subjectOf } from '../core/step-policy.ts';
import { LogCode } from '../shared/logger.ts';
import { MetricName, noMetrics } from '../shared/metrics.ts';
import { callWebhook, webhookRequest } from './call-webhook.ts';
import { recordDeferral } from './enrolment.ts';
import { updateProfile } from './profile.ts';
import { decider, performSend, type StepDeps } from './run-step.ts';

/** Where a code node keeps its code on the enrolment: `code:<node>`. */
const CODE_KEY = 'code:';

/** Where a walk stopped: `next` is the wait (or `hours:<send>`) the state machine waits at, or END. */
export interface GraphResult {
  continue: boolean;
  next: string;
  nextAt?: string;
  outcome: 'waiting' | 'completed' | 'goal_reached' | 'erased' | 'exit';
}

/** One node passed, for `--trace` and live views. */
export interface TraceEvent {
  at: string;
  journey: string;
  customerId: string;
  executionName: string;
  node: string;
  kind: NodeKind;
  outcome: string;
  next?: string;
  variant?: string;
}

export type GraphDeps = StepDeps & { trace?: (e: TraceEvent) => void };

/**
 * A Task of a journey graph: walks from the entry node through sends and decisions until a wait
 * or the end, and says where it stopped. Every node it passes does its work once however often
 * the Task is retried: sends through their claims, splits and holdouts by a stable hash, marks
 * on the enrolment by conditional writes. The edges it went along are counted once per enrolment
 * when it stops (see `passEdges`): the ones it walked, the edge out of the wait it began after, and
 * where it waits now, for the next walk to count the edge out of it.
 */
export async function runGraphStep(input: GraphInput, deps: GraphDeps): Promise<GraphResult> {
  const { tenant, customerId, key } = input.enrolment;
  const now = deps.clock.now();
  const at = now.toISOString();
  const metrics = deps.metrics ?? noMetrics;
  const nodes = new Map(input.segment.map((n) => [n.id, n]));
  const context = await deps.store.stepContext(tenant, customerId, input.journey, key, subjectKind(input.trigger));
  if (context.erasedAt !== undefined && !(context.enrolment && Date.parse(context.enrolment.startedAt) >= Date.parse(context.erasedAt))) {
    return { continue: false, next: END, outcome: 'erased' };
  }
  const { enrolment } = context;
  let customer = context.customer;
  const subject = subjectOf(input.trigger, key, context.subject, deps.config.shopUrl);
  let variant = enrolment?.holdout ? 'holdout' : enrolment?.variant;
  let holdout = enrolment?.holdout === true;
  const trace = (node: JourneyNode, outcome: string, next?: string) =>
    deps.trace?.({ at, journey: input.journey, customerId, executionName: input.executionName, node: node.id, kind: kindOf(node), outcome, ...(next ? { next } : {}), ...(variant ? { variant } : {}) });
  const end = async (status: Exclude<EnrolmentStatus, 'active'>, reason: string, outcome: GraphResult['outcome']): Promise<GraphResult> => {
    if (await deps.store.endEnrolment(tenant, customerId, input.journey, key, status, reason, at)) metrics.count(MetricName.JourneyEnded, { journey: input.journey, reason });
    return { continue: false, next: END, outcome };
  };
  const stepInput = (node: JourneyNode, send: NonNullable<JourneyNode['send']>): StepInput => ({
    version: 2,
    journey: input.journey,
    trigger: input.trigger,
    step: node.id,
    channel: send.channel,
    template: send.template,
    ...(send.templateByCategory ? { templateByCategory: send.templateByCategory } : {}),
    topic: send.topic ?? input.topic,
    last: false,
    executionName: input.executionName,
    enrolment: input.enrolment,
  });

  if (enrolment?.status !== 'active') return { continue: false, next: END, outcome: 'goal_reached' };
  if (!subject.wanted) {
    const entry = nodes.get(input.entry);
    const send = entry?.send;
    if (entry && send) {
      await decider(stepInput(entry, send), deps, { at, variant, version: enrolment.version })({ channel: send.channel === 'staff' ? 'staff' : send.channel === 'sms' ? 'sms' : 'email', outcome: 'suppressed', reason: 'goal_reached', template: send.template, locale: 'pl' });
    }
    return end('goal-reached', 'goal', 'goal_reached');
  }
  const timeZone = customer?.timeZone ?? DEFAULT_TIME_ZONE;
  const hours = deps.config.sendingHours ?? DEFAULT_SENDING_HOURS;
  const planDeps = { store: deps.store, config: { tenant, sendingHours: deps.config.sendingHours }, observe: deps.observe };
  let facts: Record<string, unknown> | undefined;
  // What webhook nodes answered, for templates as `webhook.<field>`, and the codes code nodes were
  // given, kept as `code:<node>` (no node id has a colon) and read as `codes.<pool>`.
  let data = enrolment.data ?? {};
  const kept = (codes: boolean) => Object.assign({}, ...Object.entries(data).flatMap(([k, v]) => (k.startsWith(CODE_KEY) === codes ? [v] : []))) as Record<string, unknown>;

  // The edges this walk goes along: first the one out of the wait it began after (or, for an awaited
  // event's continuation, out of the waitFor), which the walk that stopped there left pending.
  const walked: string[] = [];
  const left = enrolment.pending ?? [];
  if (input.resume === undefined && left.length > 0 && edgeTarget(left.at(-1)!) === input.entry) walked.push(...left);
  let pending: string[] | undefined;
  const edge = (from: string, target: string) => edgeId(from, target === END ? EDGE_END : target);
  const move = (from: string, target: string) => {
    walked.push(edge(from, target));
    return target;
  };
  const settle = async (result: GraphResult): Promise<GraphResult> => {
    const changed = pending !== undefined && pending.join('\u0000') !== left.join('\u0000');
    if (walked.length === 0 && !changed) return result;
    try {
      const counters = { day: statsDay(now), version: enrolment.version ?? NONE, node: NONE, variant: NONE };
      await deps.store.passEdges(tenant, customerId, input.journey, key, { edges: walked, known: enrolment.passed ?? [], ...(changed ? { pending } : {}) }, counters);
    } catch (e) {
      // Counting is at most once: the walk's work stands.
      deps.log.warn(LogCode.StatsNotCounted, { journey: input.journey, error: (e as Error).name });
    }
    return result;
  };

  let id = input.entry;
  for (let guard = 0; guard <= input.segment.length + 1; guard++) {
    if (id === END) return settle(await end('completed', 'last-step', 'completed'));
    const node = nodes.get(id);
    if (!node) throw new Error(`journey ${input.journey}: node "${id}" is not in this step's segment`);
    const next = node.next ?? END;
    switch (kindOf(node)) {
      case 'waitFor': {
        const f = node.waitFor!;
        if (input.resume === 'timeout' && id === input.entry && guard === 0) {
          // The timeout and the awaited event race: whichever clears the mark acts. An attempt of
          // this very step that cleared it and then failed (a crash after a send) left the
          // enrolment on this execution, not waiting: that is ours to go on with.
          const ours = !enrolment.awaiting && enrolment.executionName === input.executionName;
          if (!ours && !(await deps.store.markEnrolment(tenant, customerId, input.journey, key, { awaiting: null }, id))) {
            trace(node, 'event came first');
            return { continue: false, next: END, outcome: 'completed' };
          }
          trace(node, 'timed out', f.onTimeout);
          id = move(id, f.onTimeout);
          continue;
        }
        const until = waitEnd({ for: f.timeout }, now);
        if (!('at' in until)) throw new Error('unreachable: a timeout always ends');
        await deps.store.markEnrolment(tenant, customerId, input.journey, key, { awaiting: { node: id, event: f.event, since: at, until: until.at.toISOString() } });
        trace(node, `waiting for ${f.event}`);
        // Should the event come first, its continuation begins by going along this edge.
        pending = [edge(id, f.onEvent)];
        return settle({ continue: true, next: id, nextAt: until.at.toISOString(), outcome: 'waiting' });
      }
      case 'wait': {
        const ends = waitEnd(node.wait!, now, { timeZone, attributes: customer?.attributes });
        if (!('at' in ends)) {
          trace(node, 'no date on file');
          pending = [];
          return settle(await end('completed', 'no_date', 'completed'));
        }
        let nextAt = ends.at;
        if (input.hoursAfter.includes(id)) {
          nextAt = nextSendingTime(ends.at, timeZone, hours);
          if (nextAt.getTime() !== ends.at.getTime()) {
            await recordDeferral(planDeps, customerId, { at, journey: input.journey, step: next, executionName: input.executionName, channel: 'email', template: '', topic: 'marketing', until: nextAt });
          }
        }
        trace(node, `until ${nextAt.toISOString()}`);
        pending = [edge(id, next)];
        return settle({ continue: true, next: id, nextAt: nextAt.toISOString(), outcome: 'waiting' });
      }
      case 'send': {
        const send = node.send!;
        const one = stepInput(node, send);
        // After a wait the walk begins inside sending hours already (see Flow.deferrable).
        if (send.channel !== 'staff' && one.topic === 'marketing' && input.deferrable) {
          const opening = nextSendingTime(now, timeZone, hours);
          if (opening.getTime() !== now.getTime()) {
            await recordDeferral(planDeps, customerId, { at, journey: input.journey, step: id, executionName: input.executionName, channel: send.channel === 'sms' ? 'sms' : 'email', template: send.template, topic: 'marketing', until: opening });
            trace(node, `deferred to ${opening.toISOString()}`);
            // The walk after sending hours begins at this send: no edge to go along first.
            pending = [];
            return settle({ continue: true, next: `hours:${id}`, nextAt: opening.toISOString(), outcome: 'waiting' });
          }
        }
        const decide = decider(one, deps, { at, variant, version: enrolment.version });
        if (holdout && send.channel !== 'staff') {
          const channel = channelFor(send.channel, customer);
          await decide({ channel, outcome: 'suppressed', reason: 'holdout', template: send.template, locale: pickLocale(customer?.locale) });
          trace(node, 'holdout', next);
        } else {
          const r = await performSend(one, deps, { customer, subject: subject.data, consent: context.consent, now, at, decide, extra: { webhook: kept(false), codes: kept(true) }, version: enrolment.version, variant });
          trace(node, r.reason ? `${r.outcome}: ${r.reason}` : r.outcome, next);
        }
        id = move(id, next);
        continue;
      }
      case 'branch': {
        // The trigger's properties as the enrolment keeps them (personal ones too: read here, never logged).
        facts ??= conditionFacts({ customer, subject: subject.data, consent: context.consent, properties: enrolment?.properties, now });
        const b = node.branch!;
        const hit = b.cases.findIndex((c) => evaluate(c.if, facts!));
        const to = hit >= 0 ? b.cases[hit]!.next : b.otherwise;
        trace(node, hit >= 0 ? `case ${hit + 1}` : 'otherwise', to);
        id = move(id, to);
        continue;
      }
      case 'split': {
        const arm = pickVariant(node.split!.variants, bucket(tenant, customerId, input.journey, id));
        // Stable, so a retried walk finds its arm recorded and writes nothing.
        if (enrolment.variants?.[id] !== arm.name) {
          await deps.store.markEnrolment(tenant, customerId, input.journey, key, { variant: { node: id, arm: arm.name, all: enrolment.variants ?? {} } });
        }
        if (!holdout) variant = arm.name;
        trace(node, `variant ${arm.name}`, arm.next);
        id = move(id, arm.next);
        continue;
      }
      case 'holdout': {
        if (!holdout && inHoldout(node.holdout!.percent, bucket(tenant, customerId, input.journey, id))) {
          if (!enrolment.holdout) await deps.store.markEnrolment(tenant, customerId, input.journey, key, { holdout: true });
          holdout = true;
          variant = 'holdout';
        }
        trace(node, holdout ? 'held out' : 'treated', next);
        id = move(id, next);
        continue;
      }
      case 'update': {
        const u = node.update!;
        // Through profile.ts, as every attribute write: a date it sets is filed for date journeys.
        await updateProfile({ config: { tenant }, store: deps.store, catalogue: deps.catalogue, journeys: deps.journeys }, customerId, { ...(u.set ? { attributes: u.set } : {}), ...(u.tag ? { tag: u.tag } : {}) }, at);
        if (customer) {
          const tags = customer.tags ?? [];
          customer = { ...customer, attributes: { ...customer.attributes, ...u.set }, tags: u.tag && !tags.includes(u.tag) ? [...tags, u.tag] : tags };
        }
        facts = undefined;
        trace(node, 'updated', next);
        id = move(id, next);
        continue;
      }
      case 'webhook': {
        // Answered before (a retried walk): the kept answer stands, the shop is not called twice.
        if (data[id] === undefined) {
          if (!deps.webhooks || !deps.config.webhookSecret) throw new Error(`journey ${input.journey}: node ${id} calls a webhook, and this function has no webhook caller or secret`);
          const call = webhookRequest(node.webhook!, { secret: deps.config.webhookSecret, now, shop: tenant, journey: input.journey, node: id, executionName: input.executionName, key, customerId, customer });
          const answer = await callWebhook(deps.webhooks, node.webhook!, call);
          if (answer.kind === 'refused') {
            trace(node, `refused (${answer.status})`, next);
            id = move(id, next);
            continue;
          }
          await deps.store.markEnrolment(tenant, customerId, input.journey, key, { data: { node: id, values: answer.values, all: data } });
          data = { ...data, [id]: answer.values };
        }
        trace(node, 'answered', next);
        id = move(id, next);
        continue;
      }
      case 'code': {
        const c = node.code!;
        if (holdout) {
          // Held out of every message: no code is spent on them.
          trace(node, 'holdout', next);
          id = move(id, next);
          continue;
        }
        let given = data[`${CODE_KEY}${id}`];
        // Decided before (a retried walk): the same code, or the same empty pool, stands.
        if (given === undefined) {
          const claim = await deps.store.claimCode(tenant, c.pool, { customerId, executionName: input.executionName, node: id, at });
          given = 'code' in claim ? { [c.pool]: claim.code } : {};
          if ('empty' in claim) {
            deps.log.warn(LogCode.CodePoolEmpty, { journey: input.journey, step: id, pool: c.pool });
            metrics.count(MetricName.CodePoolEmpty, { journey: input.journey, step: id });
          }
          await deps.store.markEnrolment(tenant, customerId, input.journey, key, { data: { node: `${CODE_KEY}${id}`, values: given, all: data } });
          data = { ...data, [`${CODE_KEY}${id}`]: given };
        }
        const to = given[c.pool] === undefined ? c.empty : next;
        trace(node, given[c.pool] === undefined ? `${c.pool} empty` : `a code from ${c.pool}`, to);
        id = move(id, to);
        continue;
      }
      case 'exit':
        trace(node, 'exit');
        move(id, END);
        return settle(await end('completed', 'exit', 'exit'));
    }
  }
  throw new Error(`journey ${input.journey}: the walk from ${input.entry} did not stop (a loop without a wait)`);
}
