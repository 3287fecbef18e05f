import { z } from 'zod';
import { WITHDRAWAL } from '../core/domain.ts';
import type { Clock } from '../shared/clock.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import { customerByAddress } from './identity.ts';
import type { StateStore } from './ports.ts';
import { ShopId } from '../shared/config.ts';
import { countEngagement, type Engagement, firstTags, SesMail, SmsEvent, sesEngagement, smsEngagement } from './record-engagement.ts';

/**
 * Delivery feedback: SES bounce and complaint events (from the configuration set's event
 * destination) and inbound SMS opt-out keywords (two-way SMS) stop future sends; deliveries, clicks
 * (and opens, when counted) of SES and SMS delivery events are counted (record-engagement.ts).
 */
const SesEvent = z.object({
  eventType: z.string().optional(),
  /** The message's tags as SES publishes them (name → values); `shop` names the shop that sent it. */
  mail: z.object({ messageId: z.string().optional(), tags: z.record(z.string(), z.array(z.string())).optional() }).optional(),
  notificationType: z.string().optional(),
  bounce: z.object({ bounceType: z.string(), bouncedRecipients: z.array(z.object({ emailAddress: z.string() })) }).optional(),
  complaint: z.object({ complainedRecipients: z.array(z.object({ emailAddress: z.string() })) }).optional(),
});

const InboundSms = z.object({ originationNumber: z.string(), destinationNumber: z.string().optional(), messageBody: z.string() });

/** Opt-out keywords carriers and customers use, Polish and English. */
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'NIE', 'REZYGNUJE', 'REZYGNUJĘ', 'WYPISZ']);

export interface FeedbackDeps {
  /** The installation's default shop. */
  tenant: string;
  /** Every configured shop: feedback that names none suppresses in each. @default [tenant] */
  shops?: readonly string[];
  /** Inbound numbers that belong to one shop: a STOP sent to one is that shop's. @default none */
  smsNumbers?: Readonly<Record<string, string>>;
  store: StateStore;
  clock: Clock;
  log: Log;
  /** Count SES open events (pixel-based, so unreliable: privacy proxies open every message). @default false */
  countOpens?: boolean;
}

export type FeedbackResult =
  | { kind: 'bounce' | 'complaint' | 'sms-opt-out'; suppressed: number }
  | { kind: 'engagement'; engagement: Engagement; counted: boolean }
  | { kind: 'ignored'; reason: string };

/** Addresses whose address from "Name <a@b>" form is taken; the rest is kept out of logs. */
function bareAddress(a: string): string {
  return /<([^>]+)>/.exec(a)?.[1] ?? a;
}

/** The message tag and SMS context that carry the shop a message was sent for (run-step sets them). */
export const SHOP_TAG = 'shop';

/**
 * The shops a feedback event applies to: the one it names, or, when it names none (an SMS STOP to a
 * number the shops share, a message sent before messages were tagged), every configured shop: the
 * safe side, said in the log.
 */
function shopsFor(named: string | undefined, channel: 'email' | 'sms', deps: FeedbackDeps): readonly string[] {
  if (named && ShopId.safeParse(named).success) return [named];
  const shops = deps.shops ?? [deps.tenant];
  deps.log.warn(LogCode.FeedbackUnattributed, { channel, shops: shops.length });
  return shops;
}

/** The shop an inbound SMS is for: by the number it was sent to, or a shop named after the keyword ("STOP sklep-b"). */
function smsShop(destination: string | undefined, words: string[], deps: FeedbackDeps): string | undefined {
  const byNumber = destination ? deps.smsNumbers?.[destination] : undefined;
  if (byNumber) return byNumber;
  const named = words[1]?.toLowerCase();
  return (deps.shops ?? [deps.tenant]).find((s) => s.toLowerCase() === named);
}

/**
 * Whether the event's `field` is a string. Each kind of event below requires one of its own, so an
 * event without it is not put to that kind's schema at all (a failed parse costs more than a match).
 */
function stringAt(event: unknown, field: string): string | undefined {
  const v = event !== null && typeof event === 'object' ? (event as Record<string, unknown>)[field] : undefined;
  return typeof v === 'string' ? v : undefined;
}

export async function handleFeedback(event: unknown, deps: FeedbackDeps): Promise<FeedbackResult> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const sms = stringAt(event, 'messageBody') === undefined ? undefined : InboundSms.safeParse(event);
  if (sms?.success) {
    const words = sms.data.messageBody.trim().split(/\s+/);
    const keyword = words[0]?.toUpperCase() ?? '';
    if (!STOP_WORDS.has(keyword)) return { kind: 'ignored', reason: 'not an opt-out keyword' };
    const phone = sms.data.originationNumber;
    const shops = shopsFor(smsShop(sms.data.destinationNumber, words, deps), 'sms', deps);
    for (const tenant of shops) {
      await deps.store.suppress(tenant, 'sms', phone, 'sms-opt-out', at);
      const customerId = await customerByAddress(deps.store, tenant, 'sms', phone, at);
      await deps.store.recordConsent(tenant, customerId, 'sms', 'marketing', { ...WITHDRAWAL, at, source: 'sms-opt-out', eventKey: `sms-opt-out:${at}`, once: true }, now);
    }
    deps.log.info(LogCode.AddressSuppressed, { channel: 'sms', reason: 'sms-opt-out', shops: shops.length });
    return { kind: 'sms-opt-out', suppressed: 1 };
  }
  const smsEvent = stringAt(event, 'eventType')?.startsWith('TEXT_') ? SmsEvent.safeParse(event) : undefined;
  if (smsEvent?.success) {
    const engagement = smsEngagement(smsEvent.data.eventType, smsEvent.data.isFinal !== false);
    if (!engagement) return { kind: 'ignored', reason: `SMS event "${smsEvent.data.eventType}"` };
    const counted = await countEngagement(engagement, { channel: 'sms', id: smsEvent.data.messageId, tags: smsEvent.data.context ?? {} }, deps);
    return { kind: 'engagement', engagement, counted };
  }
  const ses = SesEvent.safeParse(event);
  if (!ses.success) return { kind: 'ignored', reason: 'not a SES or SMS event' };
  const type = (ses.data.eventType ?? ses.data.notificationType ?? '').toLowerCase();
  const mail = SesMail.safeParse(ses.data.mail);
  const engagement = sesEngagement(type, deps.countOpens === true);
  const count = () => (engagement && mail.success ? countEngagement(engagement, { channel: 'email', id: mail.data.messageId, tags: firstTags(mail.data.tags) }, deps) : Promise.resolve(false));
  if (engagement === 'delivered' || engagement === 'clicked' || engagement === 'opened') return { kind: 'engagement', engagement, counted: await count() };
  let recipients: string[] = [];
  let kind: 'bounce' | 'complaint';
  if (type === 'bounce' && ses.data.bounce) {
    // Transient bounces (mailbox full) are retried by SES; only permanent ones suppress.
    if (ses.data.bounce.bounceType !== 'Permanent') return { kind: 'ignored', reason: `${ses.data.bounce.bounceType} bounce` };
    kind = 'bounce';
    recipients = ses.data.bounce.bouncedRecipients.map((r) => bareAddress(r.emailAddress));
  } else if (type === 'complaint' && ses.data.complaint) {
    kind = 'complaint';
    recipients = ses.data.complaint.complainedRecipients.map((r) => bareAddress(r.emailAddress));
  } else {
    return { kind: 'ignored', reason: `event type "${type}"` };
  }
  const shops = shopsFor(ses.data.mail?.tags?.[SHOP_TAG]?.[0], 'email', deps);
  for (const tenant of shops) {
    for (const email of recipients) {
      await deps.store.suppress(tenant, 'email', email, kind, at);
      // A complaint is also a withdrawal of marketing consent, by whoever holds the address.
      if (kind === 'complaint') {
        const customerId = await customerByAddress(deps.store, tenant, 'email', email, at);
        await deps.store.recordConsent(tenant, customerId, 'email', 'marketing', { ...WITHDRAWAL, at, source: 'ses-complaint', eventKey: `complaint:${at}`, once: true }, now);
      }
    }
  }
  deps.log.info(LogCode.AddressSuppressed, { channel: 'email', reason: kind, count: recipients.length, shops: shops.length });
  await count();
  return { kind, suppressed: recipients.length };
}
