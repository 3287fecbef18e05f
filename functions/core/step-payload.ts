import { z } from 'zod';
import { type JourneyConfig, StepChannel, Topic, Trigger } from '../../workflows/src/journey.ts';
import { JourneyNode } from '../../workflows/src/nodes.ts';

/**
 * The payload a journey's Task state sends to the step function: one description, which the CDK
 * compiler (infra/journey-definition.ts) builds and the step handler parses. A running execution
 * keeps the definition it started with for up to a year while the function's code moves on, so
 * the shape is versioned and every version still live is accepted.
 *
 * v1: `trigger` optional (old definitions lacked it); v2: `trigger` always present; v3: a step
 * of a journey graph, carrying the nodes it may walk (so it runs the version it started with).
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

const Segment = z.array(JourneyNode);
type SegmentNodes = z.infer<typeof Segment>;

/**
 * Segments parsed before, by their text. A definition has a few segments and every execution's
 * Tasks send the same texts, so each is parsed and checked once per process, not once per step;
 * kept frozen, so no walk can change what the next one reads. Emptied past a bound all the same.
 */
const SEGMENTS_KEPT = 1000;
const segments = new Map<string, SegmentNodes>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function keepSegment(text: string, nodes: SegmentNodes): SegmentNodes {
  if (segments.size >= SEGMENTS_KEPT) segments.clear();
  segments.set(text, deepFreeze(nodes));
  return nodes;
}

/**
 * A Task of a journey graph: walk from `entry` through `segment` (the nodes reachable before the
 * next wait, as JSON text: a definition's strings are never read as paths) until a wait or the end.
 * `resume: 'timeout'` enters a waitFor node whose time ran out.
 */
export const GraphPayload = z.object({
  version: z.literal(3),
  journey: z.string(),
  trigger: Trigger,
  topic: Topic,
  entry: z.string(),
  resume: z.enum(['timeout']).optional(),
  segment: z.string().transform((text, ctx) => {
    const known = segments.get(text);
    if (known) return known;
    const parsed = Segment.safeParse(JSON.parse(text));
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `segment: ${parsed.error.issues[0]?.message}` });
      return z.NEVER;
    }
    return keepSegment(text, parsed.data);
  }),
  /** The walk may meet a marketing send outside sending hours (see Flow.deferrable), and then defers it. */
  deferrable: z.boolean().default(false),
  /** Waits whose next nodes send marketing: their end is moved into sending hours. */
  hoursAfter: z.array(z.string()).default([]),
  executionName: z.string(),
  enrolment: Enrolment,
});
export type GraphInput = z.infer<typeof GraphPayload>;
export type GraphPayloadTemplate = Omit<z.input<typeof GraphPayload>, 'executionName' | 'enrolment'>;

/** Tells a graph step's payload from a line step's. */
export function isGraphPayload(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { version?: unknown }).version === 3;
}

export function parseGraphPayload(event: unknown): GraphInput {
  const parsed = GraphPayload.safeParse(event);
  if (!parsed.success) throw new StepPayloadError(`step payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

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
const LineStepPayload = z.discriminatedUnion('version', [StepPayloadV1, StepPayloadV2]);

export function parseStepPayload(event: unknown, journeys: readonly Pick<JourneyConfig, 'id' | 'trigger'>[]): StepInput {
  const parsed = LineStepPayload.safeParse(event);
  if (!parsed.success) throw new StepPayloadError(`step payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
  const p = parsed.data;
  if (p.version === 2) return p;
  const trigger = p.trigger ?? journeys.find((j) => j.id === p.journey)?.trigger;
  if (!trigger) throw new StepPayloadError(`step payload v1 of journey ${p.journey}: no trigger, and no journey file of that id to take it from`);
  return { ...p, version: 2, trigger };
}
