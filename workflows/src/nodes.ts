import { z } from 'zod';
import { isDuration } from './duration.ts';

/**
 * A journey as a graph of named nodes (the `nodes:` form of a journey file). Each node does one
 * thing, named by its one kind key (`send`, `wait`, `waitFor`, `branch`, `split`, `holdout`,
 * `update`, `webhook`, `code`, `exit`), and goes on to `next` (by default the node written after it; the last node
 * ends the journey). Pure schema: the rules a schema cannot say are in graph-check.ts.
 */

export const NodeId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,38}$/, 'use lower-case letters, digits and dashes, starting with a letter (max 39)');

export const Hm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
const Duration = z.string().refine(isDuration, 'must be an ISO-8601 duration such as PT1H or P1D');
export const SignedDuration = z.string().refine((v) => isDuration(v.replace(/^-/, '')), 'must be an ISO-8601 duration such as P1D or -P7D');
export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type Weekday = z.infer<typeof Weekday>;

export const SendSpec = z.strictObject({
  channel: z.enum(['email', 'sms', 'preferred', 'staff']),
  template: NodeId,
  /** Product category → template; the first category of the subject that has one wins. */
  templateByCategory: z.record(z.string().min(1), NodeId).optional(),
  /** Overrides the journey's topic (a review request inside a service journey). */
  topic: z.enum(['marketing', 'service']).optional(),
});
export type SendSpec = z.infer<typeof SendSpec>;

/**
 * Exactly one of: `for` a duration; `until` a local time of day (on `weekdays`, when given); or
 * `date`, a profile attribute holding a date, moved by `offset` and met at `at` local time, every
 * year when `yearly` (a birthday). Times are the customer's zone, Europe/Warsaw when unknown.
 */
export const WaitSpec = z.strictObject({
  for: Duration.optional(),
  until: Hm.optional(),
  weekdays: z.array(Weekday).min(1).optional(),
  date: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be the name of a date attribute such as birthday').optional(),
  offset: SignedDuration.optional(),
  at: Hm.optional(),
  yearly: z.boolean().optional(),
});
export type WaitSpec = z.infer<typeof WaitSpec>;

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
export type Scalar = z.infer<typeof Scalar>;

/** One test of one field: `field` and exactly one operator. */
export const Comparison = z.strictObject({
  field: z.string().min(1),
  is: Scalar.optional(),
  isNot: Scalar.optional(),
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  in: z.array(Scalar).min(1).optional(),
  contains: Scalar.optional(),
  exists: z.boolean().optional(),
});
export type Comparison = z.infer<typeof Comparison>;
export const OPERATORS = ['is', 'isNot', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'] as const;
export type Operator = (typeof OPERATORS)[number];

export type Condition = Comparison | { all: Condition[] } | { any: Condition[] } | { not: Condition };
export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(Condition).min(1) }),
    z.strictObject({ any: z.array(Condition).min(1) }),
    z.strictObject({ not: Condition }),
    Comparison,
  ]),
);

export const WaitForSpec = z.strictObject({
  /** A catalogue event of the same customer (an order event of this journey's order, when it is about one). */
  event: z.string().min(1),
  /** Only an event for which this holds ends the wait (`order.total gte 100`); the fields are the awaited event's. */
  filter: Condition.optional(),
  timeout: Duration,
  onEvent: NodeId,
  onTimeout: NodeId,
});
export type WaitForSpec = z.infer<typeof WaitForSpec>;

export const BranchSpec = z.strictObject({
  cases: z.array(z.strictObject({ if: Condition, next: NodeId })).min(1).max(20),
  otherwise: NodeId,
});
export type BranchSpec = z.infer<typeof BranchSpec>;

export const SplitSpec = z.strictObject({
  variants: z
    .array(z.strictObject({ name: NodeId, weight: z.number().int().min(1).max(99), next: NodeId }))
    .min(2)
    .max(10),
});
export type SplitSpec = z.infer<typeof SplitSpec>;

/** A share of those entering kept out of every message from here on, enrolled and measured (0: nobody, the node kept for later). */
export const HoldoutSpec = z.strictObject({ percent: z.number().int().min(0).max(50) });

/**
 * A signed POST to the shop's endpoint (a unique discount code, a loyalty balance): its declared
 * response fields are kept on the enrolment and later templates read them as `webhook.<field>`.
 */
export const WebhookSpec = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).refine((u) => u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u), 'must be https (http only for 127.0.0.1 or localhost)'),
  fields: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'must be a field name such as code')).min(1).max(10),
});
export type WebhookSpec = z.infer<typeof WebhookSpec>;

/** A pool of unique codes as a shop names it (`POST /v1/code-pools/{pool}`). */
export const PoolName = z.string().regex(/^[a-z][a-z0-9-]{0,38}$/, 'use lower-case letters, digits and dashes, starting with a letter (max 39)');

/**
 * Gives the enrolment one code of the shop's pool, the same one however often the step is retried,
 * never one given to anyone else; later templates read it as `codes.<pool>`. When the pool has
 * none left the journey goes on at `empty` (a send whose template needs no code), logged.
 */
export const CodeSpec = z.strictObject({ pool: PoolName, empty: NodeId });
export type CodeSpec = z.infer<typeof CodeSpec>;

export const UpdateSpec = z.strictObject({
  /** Profile attributes to set (declared attributes only). */
  set: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), Scalar).optional(),
  tag: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use lower-case letters, digits and dashes').optional(),
});
export type UpdateSpec = z.infer<typeof UpdateSpec>;

export const JourneyNode = z.strictObject({
  id: NodeId,
  send: SendSpec.optional(),
  wait: WaitSpec.optional(),
  waitFor: WaitForSpec.optional(),
  branch: BranchSpec.optional(),
  split: SplitSpec.optional(),
  holdout: HoldoutSpec.optional(),
  update: UpdateSpec.optional(),
  webhook: WebhookSpec.optional(),
  code: CodeSpec.optional(),
  /** Ends the journey here. */
  exit: z.literal(true).optional(),
  /** The node after this one; by default the one written next. Not for branch, split, waitFor or exit. */
  next: NodeId.optional(),
});
export type JourneyNode = z.infer<typeof JourneyNode>;

export const NODE_KINDS = ['send', 'wait', 'waitFor', 'branch', 'split', 'holdout', 'update', 'webhook', 'code', 'exit'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** The kind keys a node carries (exactly one is valid; graph-check says so otherwise). */
export function kindsOf(node: JourneyNode): NodeKind[] {
  return NODE_KINDS.filter((k) => node[k] !== undefined);
}

export function kindOf(node: JourneyNode): NodeKind {
  const kinds = kindsOf(node);
  if (kinds.length !== 1) throw new Error(`node ${node.id} has ${kinds.length === 0 ? 'no kind' : `several kinds (${kinds.join(', ')})`}`);
  return kinds[0]!;
}

/** Whether a node chooses among several successors itself (its `next` is not used). */
export function isFork(kind: NodeKind): boolean {
  return kind === 'branch' || kind === 'split' || kind === 'waitFor' || kind === 'exit';
}
