import { z } from 'zod';
import { isDuration, parseDurationSeconds } from './duration.ts';

/**
 * A journey as a marketer writes it (one YAML file per journey under workflows/journeys).
 * It compiles into a Step Functions state machine (infra/) and is read again by the
 * step handler for content; the pure parts live here, free of AWS imports.
 */
export const Channel = z.enum(['email', 'sms']);
export type Channel = z.infer<typeof Channel>;

export const Topic = z.enum(['marketing', 'service']);
export type Topic = z.infer<typeof Topic>;

export const Trigger = z.enum(['checkout']);
export type Trigger = z.infer<typeof Trigger>;

export const ExitEvent = z.enum(['order.placed']);
export type ExitEvent = z.infer<typeof ExitEvent>;

const Id = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,38}$/, 'use lower-case letters, digits and dashes, starting with a letter (max 39)');

export const JourneyStep = z.strictObject({
  id: Id,
  /** ISO-8601 duration from enrolment, e.g. PT1H or P1D. */
  after: z.string().refine(isDuration, 'must be an ISO-8601 duration such as PT1H or P1D'),
  channel: Channel,
  template: Id,
});
export type JourneyStep = z.infer<typeof JourneyStep>;

export const JourneyConfig = z.strictObject({
  id: Id,
  name: z.string().min(1),
  trigger: Trigger,
  exitOn: z.array(ExitEvent).default([]),
  topic: Topic,
  steps: z.array(JourneyStep).min(1).max(20),
});
export type JourneyConfig = z.infer<typeof JourneyConfig>;

export interface Violation {
  path: string;
  message: string;
}

/** Rules that a schema cannot say: order of delays, unique step ids. */
export function journeyViolations(journey: JourneyConfig, knownTemplates?: ReadonlySet<string>): Violation[] {
  const violations: Violation[] = [];
  const seen = new Set<string>();
  let previous = -1;
  journey.steps.forEach((step, i) => {
    if (seen.has(step.id)) violations.push({ path: `steps.${i}.id`, message: `duplicate step id "${step.id}"` });
    seen.add(step.id);
    const at = parseDurationSeconds(step.after);
    if (at <= previous) {
      violations.push({ path: `steps.${i}.after`, message: 'each step must come later than the one before it' });
    }
    if (at > 365 * 86_400) violations.push({ path: `steps.${i}.after`, message: 'a step cannot be more than a year away' });
    previous = at;
    if (knownTemplates && !knownTemplates.has(step.template)) {
      violations.push({ path: `steps.${i}.template`, message: `no template "${step.template}" in workflows/templates` });
    }
  });
  return violations;
}

/** Seconds to wait before each step, measured from the previous one. */
export function stepDelays(journey: JourneyConfig): number[] {
  let previous = 0;
  return journey.steps.map((step) => {
    const at = parseDurationSeconds(step.after);
    const delay = at - previous;
    previous = at;
    return delay;
  });
}
