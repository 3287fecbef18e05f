import { z } from 'zod';
import { NodeId } from '../../workflows/src/nodes.ts';
import { HOLDOUT } from '../core/experiments.ts';
import { NONE, statsDay } from '../core/measurement.ts';
import { ShopId } from '../shared/config.ts';
import { LogCode } from '../shared/logger.ts';
import type { FeedbackDeps } from './record-feedback.ts';

/**
 * What happened to messages after they left, counted per journey and node: SES configuration-set
 * events (Delivery, Click, Open when open tracking is on, and the bounces and complaints that also
 * suppress) and End User Messaging SMS events (TEXT_DELIVERED or, where carriers report only that,
 * TEXT_SUCCESSFUL; a final failure counts as a bounce). Every message carries the tags
 * run-step gives it (journey, step, shop, the definition version its enrolment started on and the
 * experiment arm it was sent under), which name where to count; a message without the first three
 * (sent before tags, or by something else) is not counted, and one without a version or an arm
 * (sent before messages carried them, or before any split) counts under none. Each message counts once per kind
 * (its id, leased like an event), so SNS redelivering an event adds nothing; a click counts the
 * message clicked, however often.
 */

export type Engagement = 'delivered' | 'clicked' | 'opened' | 'bounced' | 'complained';

/** The tag that carries the definition version a message was sent under (core/journey-version.ts). */
export const VERSION_TAG = 'version';

/** A version as journeyVersion writes it; anything else in the tag counts under none. */
const VERSION = /^[0-9a-f]{12}$/;

/** The tag that carries the split arm a message was sent under (its decision's `variant`). */
export const VARIANT_TAG = 'variant';

/**
 * The arm a message's tag names: a split arm's name is a node id (letters, digits and dashes, which
 * SES tags keep as they are); anything else, and `holdout` (a holdout member is sent nothing), is no arm.
 */
function armOf(tag: string | undefined): string {
  return tag !== undefined && tag !== HOLDOUT && NodeId.safeParse(tag).success ? tag : NONE;
}

/** How long a counted message and kind is remembered: the lease of an event key (8 days once done). */
const LEASE_SECONDS = 60;

/** The part of an SES event engagement reads: the message's id and tags. */
export const SesMail = z.object({ messageId: z.string().min(1).max(256), tags: z.record(z.string(), z.array(z.string())).optional() });

/** An End User Messaging SMS event: its type, the message and the context (the tags) it was sent with. */
export const SmsEvent = z.object({
  eventType: z.string().regex(/^TEXT_[A-Z_]+$/),
  messageId: z.string().min(1).max(256),
  /** False while the carrier may still deliver (a temporary failure is retried). */
  isFinal: z.boolean().optional(),
  context: z.record(z.string(), z.string()).optional(),
});

/** SMS events that say the message will never arrive (End User Messaging's failure types). */
const SMS_FAILURES = new Set([
  'TEXT_BLOCKED',
  'TEXT_TTL_EXPIRED',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_UNREACHABLE',
  'TEXT_SPAM',
  'TEXT_UNKNOWN',
  'TEXT_PROTECT_BLOCKED',
]);

const SES_KINDS: Record<string, Engagement> = { delivery: 'delivered', click: 'clicked', open: 'opened', bounce: 'bounced', complaint: 'complained' };

/** The counter an SES event type adds to (opens only when counted), or undefined. */
export function sesEngagement(type: string, countOpens: boolean): Engagement | undefined {
  const kind = SES_KINDS[type.toLowerCase()];
  return kind === 'opened' && !countOpens ? undefined : kind;
}

/**
 * The counter an SMS event adds to: delivered (to the handset, or accepted by the carrier where that
 * is all a country's carriers report: either counts a message once), or bounced once the carrier's
 * failure is final. Queued and pending count nothing.
 */
export function smsEngagement(eventType: string, isFinal = true): Engagement | undefined {
  if (eventType === 'TEXT_DELIVERED' || eventType === 'TEXT_SUCCESSFUL') return 'delivered';
  return SMS_FAILURES.has(eventType) && isFinal ? 'bounced' : undefined;
}

/**
 * Counts one engagement of one message where its tags say (the shop, the journey and the step),
 * once. Returns whether it was counted now.
 */
export async function countEngagement(
  kind: Engagement,
  message: { channel: 'email' | 'sms'; id: string; tags: Record<string, string | undefined> },
  deps: Pick<FeedbackDeps, 'store' | 'clock' | 'log'>,
): Promise<boolean> {
  const { journey, step, shop, [VERSION_TAG]: version, [VARIANT_TAG]: variant } = message.tags;
  if (!journey || !step || !shop || !ShopId.safeParse(shop).success) return false;
  const now = deps.clock.now();
  const key = `engagement:${message.channel}:${message.id}:${kind}`;
  const claim = await deps.store.claimEvent(shop, key, now, LEASE_SECONDS);
  if (claim.state !== 'claimed') return false;
  try {
    await deps.store.addCounts(shop, journey, { day: statsDay(now), version: version && VERSION.test(version) ? version : NONE, node: step, variant: armOf(variant) }, { [kind]: 1 });
    await deps.store.completeEvent(shop, key, now);
  } catch (e) {
    await deps.store.releaseEvent(shop, key, claim.lease).catch(() => undefined);
    deps.log.warn(LogCode.StatsNotCounted, { journey, step, kind, error: (e as Error).name });
    throw e;
  }
  return true;
}

/** SES tags (name → values) as the first value of each. */
export function firstTags(tags: Record<string, string[]> | undefined): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [k, v[0]]));
}
