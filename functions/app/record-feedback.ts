import { z } from 'zod';
import { WITHDRAWAL } from '../core/domain.ts';
import type { Clock } from '../shared/clock.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import { customerByAddress } from './identity.ts';
import type { StateStore } from './ports.ts';

/**
 * Delivery feedback that must stop future sends: SES bounce and complaint events (from the
 * configuration set's event destination) and inbound SMS opt-out keywords (two-way SMS).
 */
const SesEvent = z.object({
  eventType: z.string().optional(),
  notificationType: z.string().optional(),
  bounce: z.object({ bounceType: z.string(), bouncedRecipients: z.array(z.object({ emailAddress: z.string() })) }).optional(),
  complaint: z.object({ complainedRecipients: z.array(z.object({ emailAddress: z.string() })) }).optional(),
});

const InboundSms = z.object({ originationNumber: z.string(), messageBody: z.string() });

/** Opt-out keywords carriers and customers use, Polish and English. */
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'NIE', 'REZYGNUJE', 'REZYGNUJĘ', 'WYPISZ']);

export interface FeedbackDeps {
  tenant: string;
  store: StateStore;
  clock: Clock;
  log: Log;
}

export type FeedbackResult = { kind: 'bounce' | 'complaint' | 'sms-opt-out'; suppressed: number } | { kind: 'ignored'; reason: string };

/** Addresses whose address from "Name <a@b>" form is taken; the rest is kept out of logs. */
function bareAddress(a: string): string {
  return /<([^>]+)>/.exec(a)?.[1] ?? a;
}

export async function handleFeedback(event: unknown, deps: FeedbackDeps): Promise<FeedbackResult> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const sms = InboundSms.safeParse(event);
  if (sms.success) {
    const keyword = sms.data.messageBody.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
    if (!STOP_WORDS.has(keyword)) return { kind: 'ignored', reason: 'not an opt-out keyword' };
    const phone = sms.data.originationNumber;
    await deps.store.suppress(deps.tenant, 'sms', phone, 'sms-opt-out', at);
    const customerId = await customerByAddress(deps.store, deps.tenant, 'sms', phone, at);
    await deps.store.recordConsent(deps.tenant, customerId, 'sms', 'marketing', { ...WITHDRAWAL, at, source: 'sms-opt-out', eventKey: `sms-opt-out:${at}` }, now);
    deps.log.info(LogCode.AddressSuppressed, { channel: 'sms', reason: 'sms-opt-out' });
    return { kind: 'sms-opt-out', suppressed: 1 };
  }
  const ses = SesEvent.safeParse(event);
  if (!ses.success) return { kind: 'ignored', reason: 'not a SES or SMS event' };
  const type = (ses.data.eventType ?? ses.data.notificationType ?? '').toLowerCase();
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
  for (const email of recipients) {
    await deps.store.suppress(deps.tenant, 'email', email, kind, at);
    // A complaint is also a withdrawal of marketing consent, by whoever holds the address.
    if (kind === 'complaint') {
      const customerId = await customerByAddress(deps.store, deps.tenant, 'email', email, at);
      await deps.store.recordConsent(deps.tenant, customerId, 'email', 'marketing', { ...WITHDRAWAL, at, source: 'ses-complaint', eventKey: `complaint:${at}` }, now);
    }
  }
  deps.log.info(LogCode.AddressSuppressed, { channel: 'email', reason: kind, count: recipients.length });
  return { kind, suppressed: recipients.length };
}
