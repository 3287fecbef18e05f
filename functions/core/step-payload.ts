import { z } from 'zod';
import { type JourneyConfig, StepChannel, Topic, Trigger } from '../../workflows/src/journey.ts';

/**
 * The payload a journey's Task state sends to the step function: one description, which the CDK
 * compiler (infra/journey-definition.ts) builds and the step handler parses. A running execution
 * keeps the definition it started with for up to a year while the function's code moves on, so
 * the shape is versioned and every version still live is accepted.
 *
 * v1: `trigger` optional (old definitions lacked it); v2: `trigger` always present.
 */
const Enrolment = z.object({ version: z.literal(1), tenant: z.string(), customerId: z.string(), journey: z.string(), key: z.string(), firstAt: z.string().optional() });

const fields = {
  journey: z.string(),
  step: z.string(),
  channel: StepChannel,
  template: z.string(),
  templateByCategory: z.record(z.string(), z.string()).optional(),
  topic: Topic,
  last: z.boolean(),
  executionName: z.string(),
  enrolment: Enrolment,
  /** The step after this one: the handler plans when it is due (sending hours for marketing). */
  next: z.object({ step: z.string(), delaySeconds: z.number().int().min(0), topic: Topic }).optional(),
};

export const StepPayloadV1 = z.object({ version: z.literal(1), trigger: Trigger.optional(), ...fields });
export const StepPayloadV2 = z.object({ version: z.literal(2), trigger: Trigger, ...fields });
export const STEP_PAYLOAD_VERSION = 2;

/** The current shape, as the step works with it. */
export type StepInput = z.infer<typeof StepPayloadV2>;

/** What the compiler writes into a Task state; the execution name and the enrolment come from the execution. */
export type StepPayloadTemplate = Omit<StepInput, 'executionName' | 'enrolment'>;

export class StepPayloadError extends Error {
  override name = 'StepPayloadError';
}

/**
 * Parses any live version into the current one. A v1 payload without its trigger takes it from
 * the journey's file, never from a default: a default would misread every journey but one.
 */
export function parseStepPayload(event: unknown, journeys: readonly Pick<JourneyConfig, 'id' | 'trigger'>[]): StepInput {
  const parsed = z.discriminatedUnion('version', [StepPayloadV1, StepPayloadV2]).safeParse(event);
  if (!parsed.success) throw new StepPayloadError(`step payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
  const p = parsed.data;
  if (p.version === 2) return p;
  const trigger = p.trigger ?? journeys.find((j) => j.id === p.journey)?.trigger;
  if (!trigger) throw new StepPayloadError(`step payload v1 of journey ${p.journey}: no trigger, and no journey file of that id to take it from`);
  return { ...p, version: 2, trigger };
}
