import type { EmailMessage, Mailer, SmsMessage, SmsSender } from '../../app/ports.ts';

/** A message handed to the in-process outbox, in the order it was handed over. */
export type OutboxMessage = ({ channel: 'email' } & EmailMessage) | ({ channel: 'sms' } & SmsMessage);

/**
 * E-mail and SMS providers in this process: every message is kept, in order, and accepted with
 * an id. The simulator and the deterministic simulation send here instead of over HTTP.
 */
export class MemoryOutbox {
  readonly messages: (OutboxMessage & { messageId: string })[] = [];

  readonly mailer: Mailer = {
    send: async (m) => this.keep({ channel: 'email', ...m }),
  };

  readonly sms: SmsSender = {
    send: async (m) => this.keep({ channel: 'sms', ...m }),
  };

  private keep(m: OutboxMessage): { messageId: string } {
    const messageId = `outbox-${this.messages.length + 1}`;
    this.messages.push({ ...m, messageId });
    return { messageId };
  }
}
