import { z } from 'zod';
import { isDuration, parseDurationSeconds } from './duration.ts';
import type { DeclaredFields } from './conditions.ts';
import { graphViolations } from './graph-check.ts';
import { Flow, resolveNext } from './flow.ts';
import { Condition, JourneyNode } from './nodes.ts';
import { DateTrigger, triggerViolations } from './triggers.ts';
import { waitSpanSeconds } from './waits.ts';

/**
 * A journey as a marketer writes it (one YAML file per journey under workflows/journeys).
 * It compiles into a Step Functions state machine (infra/) and is read again by the ingest and
 * step functions; the pure parts live here, free of AWS imports.
 */
export const Channel = z.enum(['email', 'sms']);
export type Channel = z.infer<typeof Channel>;

/** `preferred`: the customer's chosen channel (SMS where they chose SMS), e-mail otherwise. `staff`: a task for the shop's staff. */
export const StepChannel = z.enum(['email', 'sms', 'preferred', 'staff']);
export type StepChannel = z.infer<typeof StepChannel>;

export const Topic = z.enum(['marketing', 'service']);
export type Topic = z.infer<typeof Topic>;

/**
 * What starts a journey, and so what its enrolment key is (checkout token, order id, invoice id,
 * run date, customer id; for `date`, the day of the date attribute the customer is enrolled for).
 */
export const BuiltInTrigger = z.enum(['checkout', 'order.placed', 'order.fulfilled', 'order.delivered', 'payment.failed', 'customer.created', 'schedule', 'date']);
export type BuiltInTrigger = z.infer<typeof BuiltInTrigger>;
/** An event of the catalogue (workflows/events), keyed by the event's key; the loader checks the name is declared. */
export const EventName = z.templateLiteral([z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), '.', z.string().regex(/^[a-z][a-z0-9_.-]{0,31}$/)]);
export type EventName = z.infer<typeof EventName>;
export const Trigger = z.union([BuiltInTrigger, EventName], { error: `must be one of ${BuiltInTrigger.options.join(', ')} or an event of workflows/events` });
export type Trigger = z.infer<typeof Trigger>;

export const ExitEvent = z.enum(['order.placed', 'order.cancelled', 'order.refunded', 'payment.succeeded', 'low-score']);
export type ExitEvent = z.infer<typeof ExitEvent>;

export const GoalEvent = z.enum(['order.placed', 'payment.succeeded']);
export type GoalEvent = z.infer<typeof GoalEvent>;

const Id = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,38}$/, 'use lower-case letters, digits and dashes, starting with a letter (max 39)');

export const JourneyStep = z.strictObject({
  id: Id,
  /** ISO-8601 duration from enrolment, e.g. PT1H or P1D; PT0S sends at once. */
  after: z.string().refine(isDuration, 'must be an ISO-8601 duration such as PT1H or P1D'),
  channel: StepChannel,
  template: Id,
  /** Product category → template; the first category of the order that has one wins, `template` otherwise. */
  templateByCategory: z.record(z.string().min(1), Id).optional(),
  /** Overrides the journey's topic for this step (a review request inside a service journey). */
  topic: Topic.optional(),
});
export type JourneyStep = z.infer<typeof JourneyStep>;

/** Either the fixed shape (`noPurchaseForDays` and the RFM rules) or `where`, conditions over the profile (triggers.ts). */
export const Segment = z.strictObject({
  /** Customers whose last order was exactly this many days ago on the day of the run. */
  noPurchaseForDays: z.number().int().min(1).max(3650).optional(),
  minOrders: z.number().int().min(1).optional(),
  /** Lifetime spend in złoty, e.g. 1000 for VIPs. */
  minSpentPln: z.number().min(0).optional(),
  maxSpentPln: z.number().min(0).optional(),
  /** Conditions over the profile, consent and channels; they must bound profile.daysSinceLastOrder (the index a run reads). */
  where: Condition.optional(),
});
export type Segment = z.infer<typeof Segment>;

export const Schedule = z.strictObject({
  /** Local time of the daily run, HH:MM. */
  dailyAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
  timeZone: z.string().default('Europe/Warsaw'),
});
export type Schedule = z.infer<typeof Schedule>;

export const JourneyConfig = z.strictObject({
  id: Id,
  name: z.string().min(1),
  description: z.string().optional(),
  trigger: Trigger,
  /** Only a trigger for which this holds enrols (the same conditions as a branch's, over what the trigger is about). */
  filter: Condition.optional(),
  /** For `trigger: date`: the date attribute and when on it. */
  date: DateTrigger.optional(),
  exitOn: z.array(ExitEvent).default([]),
  topic: Topic,
  /** Score at or below which a survey answer opens a staff task and ends the journey (NPS 0-10). */
  lowScoreAtMost: z.number().int().min(0).max(10).optional(),
  segment: Segment.optional(),
  schedule: Schedule.optional(),
  /**
   * What counts as the journey's success: a goal event within `attributionDays` of the customer's
   * last message from it is a conversion. Default by trigger (see `journeyGoal`).
   */
  goal: GoalEvent.optional(),
  attributionDays: z.number().int().min(1).max(90).default(5),
  /** Days before the same customer may enter this journey again. */
  cooldownDays: z.number().int().min(0).max(3650).default(0),
  /** A straight line of timed sends (the short form) ... */
  steps: z.array(JourneyStep).min(1).max(20).optional(),
  /** ... or a graph of nodes: sends, waits, branches, splits, holdouts, updates (see nodes.ts). */
  nodes: z.array(JourneyNode).min(1).max(60).optional(),
});
export type JourneyConfig = z.infer<typeof JourneyConfig>;

export interface Violation {
  path: string;
  message: string;
}

export interface TemplateFacts {
  /** Template ids with a subject in every locale (usable for e-mail). */
  withSubject: ReadonlySet<string>;
  all: ReadonlySet<string>;
}

/** Rules that a schema cannot say: order of delays, unique ids, templates that exist, what starts it (triggers.ts). */
export function journeyViolations(journey: JourneyConfig, templates?: TemplateFacts, declared?: DeclaredFields): Violation[] {
  const violations: Violation[] = [];
  if ((journey.steps === undefined) === (journey.nodes === undefined)) {
    return [{ path: 'steps', message: 'a journey has either steps (a straight line) or nodes (a graph)' }];
  }
  if (journey.nodes) violations.push(...graphViolations(journey.nodes, { topic: journey.topic, subject: triggerSubject(journey.trigger), templates, declared }));
  const seen = new Set<string>();
  let previous = -1;
  (journey.steps ?? []).forEach((step, i) => {
    if (seen.has(step.id)) violations.push({ path: `steps.${i}.id`, message: `duplicate step id "${step.id}"` });
    seen.add(step.id);
    const at = parseDurationSeconds(step.after);
    if (at <= previous) violations.push({ path: `steps.${i}.after`, message: 'each step must come later than the one before it' });
    if (at > 365 * 86_400) violations.push({ path: `steps.${i}.after`, message: 'a step cannot be more than a year away' });
    previous = at;
    if (!templates) return;
    const ids = [step.template, ...Object.values(step.templateByCategory ?? {})];
    for (const id of ids) {
      if (!templates.all.has(id)) violations.push({ path: `steps.${i}.template`, message: `no template "${id}" in workflows/templates` });
      else if ((step.channel === 'email' || step.channel === 'preferred') && !templates.withSubject.has(id)) {
        violations.push({ path: `steps.${i}.template`, message: `template "${id}" needs a subject in every locale to be e-mailed` });
      }
    }
  });
  violations.push(...triggerViolations(journey, { subject: triggerSubject(journey.trigger), declared }));
  if (journey.exitOn.includes('low-score') && journey.lowScoreAtMost === undefined) {
    violations.push({ path: 'lowScoreAtMost', message: 'exit on low-score needs lowScoreAtMost' });
  }
  return violations;
}

/** Seconds to wait before each step, measured from the previous one (journeys with steps). */
export function stepDelays(journey: JourneyConfig): number[] {
  let previous = 0;
  return (journey.steps ?? []).map((step) => {
    const at = parseDurationSeconds(step.after);
    const delay = at - previous;
    previous = at;
    return delay;
  });
}

/** The journeys an event ends, and whether by the event's own key or for the whole customer. */
export function exitScope(journey: JourneyConfig, event: ExitEvent): 'key' | 'customer' | undefined {
  if (!journey.exitOn.includes(event)) return undefined;
  // A purchase ends cart reminders of every cart and every win-back; the rest end by their key.
  if (event === 'order.placed') return 'customer';
  return 'key';
}

/** The goal a journey declares, or its trigger's: a payment for dunning, an order for everything else. */
export function journeyGoal(journey: Pick<JourneyConfig, 'goal' | 'trigger'>): GoalEvent {
  return journey.goal ?? (journey.trigger === 'payment.failed' ? 'payment.succeeded' : 'order.placed');
}

/** The item a trigger's journey is about: the cart, the order or the unpaid invoice. */
export function triggerSubject(trigger: Trigger): 'cart' | 'order' | 'invoice' | undefined {
  switch (trigger) {
    case 'checkout':
      return 'cart';
    case 'order.placed':
    case 'order.fulfilled':
    case 'order.delivered':
      return 'order';
    case 'payment.failed':
      return 'invoice';
    default:
      return undefined;
  }
}

/** The graph of a journey written as nodes, every `next` written out. */
export function journeyFlow(journey: Pick<JourneyConfig, 'nodes' | 'topic'>): Flow | undefined {
  return journey.nodes ? new Flow(resolveNext(journey.nodes), journey.topic) : undefined;
}

/** How long after enrolment a journey may still act: the sum of its delays (of every wait, for a graph). */
export function journeySpanSeconds(journey: JourneyConfig): number {
  if (journey.nodes) return journey.nodes.reduce((sum, n) => sum + (n.wait ? waitSpanSeconds(n.wait) : n.waitFor ? waitSpanSeconds({ for: n.waitFor.timeout }) : 0), 0);
  return stepDelays(journey).reduce((sum, d) => sum + d, 0);
}

/** The first send of a journey (for decisions made before it starts), if it has one up front. */
export function firstSend(journey: JourneyConfig): { id: string; channel: StepChannel; template: string; topic: Topic } | undefined {
  if (journey.steps) {
    const s = journey.steps[0]!;
    return { id: s.id, channel: s.channel, template: s.template, topic: s.topic ?? journey.topic };
  }
  const n = journey.nodes?.find((x) => x.send);
  return n?.send ? { id: n.id, channel: n.send.channel, template: n.send.template, topic: n.send.topic ?? journey.topic } : undefined;
}
