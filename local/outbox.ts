import { type EmailMessage, type Mailer, PermanentSendError, type SmsMessage, type SmsSender } from '../functions/app/ports.ts';
import { smsLength } from '../functions/core/sms.ts';

/**
 * The senders of an in-process simulation: a Mailer and an SmsSender that keep what the local SES v2
 * emulator and the SMS outbox would have stored, and refuse what they would have refused, without an
 * HTTP call to either. The simulator, the benchmark and anything else that composes the stack in
 * one process use them; `npm start` and the end-to-end tests keep the emulators. Imports nothing
 * from the AWS SDK.
 */

/** An SMS as the outbox keeps it (the HTTP outbox in sms-outbox.ts keeps the same). */
export interface OutboxSms {
  messageId: string;
  to: string;
  body: string;
  type?: string;
  encoding: string;
  segments: number;
  /** Milliseconds since the epoch. */
  at: number;
}

/** An e-mail in the fields the SES v2 emulator keeps of a Simple message (GET /store). */
export interface OutboxEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  headers: { name: string; value: string }[];
  /** The message's tags (which the emulator does not keep). */
  tags: Record<string, string>;
  /** Seconds since the epoch, as the emulator stamps a message. */
  at: number;
}

/** A SendTextMessage request, in the fields of the pinpoint-sms-voice-v2 call the outbox reads. */
export interface SmsRequest {
  DestinationPhoneNumber?: string;
  MessageBody?: string;
  MessageType?: string;
}

/** A request the SMS service takes: an E.164 number and some text. */
export type SendableSms = SmsRequest & { DestinationPhoneNumber: string; MessageBody: string };

/** What the SMS service answers (ValidationException) to a request that is not sendable. */
export const SMS_REFUSAL = 'DestinationPhoneNumber and MessageBody are required';

export function isSendableSms(r: SmsRequest): r is SendableSms {
  return !!r.DestinationPhoneNumber && /^\+[1-9]\d{6,14}$/.test(r.DestinationPhoneNumber) && !!r.MessageBody;
}

/** The outbox's record of an accepted request: its parts and encoding counted as the service bills them. */
export function outboxSms(r: SendableSms, messageId: string, at: number): OutboxSms {
  const length = smsLength(r.MessageBody);
  return { messageId, to: r.DestinationPhoneNumber, body: r.MessageBody, type: r.MessageType, encoding: length.encoding, segments: length.segments, at };
}

/** What the SDK raises for the SES emulator's 400 (its body names no error type). */
function emulatorBadRequest(): Error {
  return Object.assign(new Error('Bad Request Exception'), { name: 'Unknown', $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

export interface OutboxOptions {
  /** The sender address, as SesMailer is given it. @default 'sklep@example.com' */
  from?: string;
  /** The time a message is stamped with. @default Date.now */
  now?: () => number;
  /**
   * Keep at most this many of the latest messages of each kind (a long benchmark would otherwise
   * keep every one); the counts cover all of them. @default unlimited
   */
  retain?: number;
}

/** The in-process outbox: the messages, their counts, and the two senders that fill it. */
export class Outbox {
  readonly emails: OutboxEmail[] = [];
  readonly sms: OutboxSms[] = [];
  readonly sent = { emails: 0, sms: 0, smsParts: 0 };
  private readonly from: string;
  private readonly now: () => number;
  private readonly retain: number;
  private ids = 0;

  constructor(o: OutboxOptions = {}) {
    this.from = o.from ?? 'sklep@example.com';
    this.now = o.now ?? Date.now;
    this.retain = o.retain ?? Number.POSITIVE_INFINITY;
  }

  /** Ids in the shape of the emulators' own; counted, so a run is repeatable. */
  private nextId(prefix: string): string {
    this.ids++;
    return `${prefix}-${String(this.ids).padStart(9, '0')}`;
  }

  private keep<T>(list: T[], make: () => T): void {
    if (this.retain <= 0) return;
    list.push(make());
    if (list.length > this.retain) list.splice(0, list.length - this.retain);
  }

  readonly mailer: Mailer = {
    send: async (m: EmailMessage) => {
      // The emulator's three refusals of a Simple message.
      if (!m.subject || (!m.text && !m.html) || !this.from) throw emulatorBadRequest();
      const messageId = this.nextId('ses');
      this.sent.emails++;
      this.keep(this.emails, () => ({
        messageId,
        from: this.from,
        destination: { to: [m.to] },
        subject: m.subject,
        body: { text: m.text, ...(m.html !== undefined ? { html: m.html } : {}) },
        headers: m.headers.map((h) => ({ ...h })),
        tags: { ...m.tags },
        at: Math.floor(this.now() / 1000),
      }));
      return { messageId };
    },
  };

  readonly smsSender: SmsSender = {
    send: async (m: SmsMessage) => {
      const request = { DestinationPhoneNumber: m.to, MessageBody: m.text, MessageType: m.kind === 'marketing' ? 'PROMOTIONAL' : 'TRANSACTIONAL' };
      // As EndUserMessagingSms turns the service's ValidationException into a permanent refusal.
      if (!isSendableSms(request)) throw new PermanentSendError('ValidationException');
      const sms = outboxSms(request, this.nextId('sms'), this.now());
      this.sent.sms++;
      this.sent.smsParts += sms.segments;
      this.keep(this.sms, () => sms);
      return { messageId: sms.messageId };
    },
  };

  /** Forgets the messages kept (the counts stay). */
  clear(): void {
    this.emails.length = 0;
    this.sms.length = 0;
  }
}

/**
 * SES's Delivery event of an accepted e-mail, as the configuration set publishes it to SNS (the
 * fields the feedback function reads: the message's id and tags; no addresses).
 */
export function sesDeliveryEvent(messageId: string, tags: Record<string, string>, at: Date): Record<string, unknown> {
  const timestamp = at.toISOString();
  return {
    eventType: 'Delivery',
    mail: { timestamp, messageId, tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]])) },
    delivery: { timestamp, processingTimeMillis: 0, smtpResponse: '250 2.0.0 OK' },
  };
}

/** End User Messaging's TEXT_DELIVERED event of an accepted SMS, with the context (the tags) it was sent with. */
export function smsDeliveryEvent(messageId: string, tags: Record<string, string>, at: Date): Record<string, unknown> {
  return { eventType: 'TEXT_DELIVERED', eventVersion: '1.0', eventTimestamp: at.getTime(), isFinal: true, messageId, messageStatus: 'DELIVERED', context: { ...tags } };
}

/** SES's mailbox simulator: mail to these addresses answers locally as it does on AWS. */
export const MAILBOX_SIMULATOR = { bounce: 'bounce@simulator.amazonses.com', complaint: 'complaint@simulator.amazonses.com' } as const;

/** SES's permanent Bounce event of an e-mail, as the configuration set publishes it. */
export function sesBounceEvent(messageId: string, tags: Record<string, string>, to: string, at: Date): Record<string, unknown> {
  const timestamp = at.toISOString();
  return {
    eventType: 'Bounce',
    mail: { timestamp, messageId, tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]])) },
    bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: to }], timestamp },
  };
}

/** SES's Complaint event of a delivered e-mail (the recipient marked it as spam). */
export function sesComplaintEvent(messageId: string, tags: Record<string, string>, to: string, at: Date): Record<string, unknown> {
  const timestamp = at.toISOString();
  return {
    eventType: 'Complaint',
    mail: { timestamp, messageId, tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]])) },
    complaint: { complainedRecipients: [{ emailAddress: to }], complaintFeedbackType: 'abuse', timestamp },
  };
}

/**
 * What SES reports of an accepted e-mail: a delivery, except for the mailbox simulator's addresses,
 * which bounce for good or are delivered and then complained about, as on AWS.
 */
export function sesOutcomeEvents(messageId: string, tags: Record<string, string>, to: string, at: Date): Record<string, unknown>[] {
  const address = to.trim().toLowerCase();
  if (address === MAILBOX_SIMULATOR.bounce) return [sesBounceEvent(messageId, tags, address, at)];
  const delivered = sesDeliveryEvent(messageId, tags, at);
  return address === MAILBOX_SIMULATOR.complaint ? [delivered, sesComplaintEvent(messageId, tags, address, at)] : [delivered];
}

/**
 * Senders that emulate delivery: every message the provider accepts is reported delivered at once,
 * as SES and End User Messaging report it through their event destinations on AWS (`deliver` hands
 * the event to the feedback function); SES's mailbox simulator bounces and complains (see
 * `sesOutcomeEvents`). A failed report is dropped: it never fails the send.
 */
export function delivering(senders: { mailer: Mailer; sms: SmsSender }, deliver: (event: Record<string, unknown>) => Promise<unknown>, now: () => Date): { mailer: Mailer; sms: SmsSender } {
  const report = async (event: Record<string, unknown>) => {
    await deliver(event).catch(() => undefined);
  };
  return {
    mailer: {
      send: async (m) => {
        const out = await senders.mailer.send(m);
        if (out.messageId) for (const event of sesOutcomeEvents(out.messageId, m.tags, m.to, now())) await report(event);
        return out;
      },
    },
    sms: {
      send: async (m) => {
        const out = await senders.sms.send(m);
        if (out.messageId) await report(smsDeliveryEvent(out.messageId, m.tags, now()));
        return out;
      },
    },
  };
}

