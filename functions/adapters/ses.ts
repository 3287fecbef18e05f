import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type EmailMessage, type Mailer, PermanentSendError } from '../app/ports.ts';




const PERMANENT = new Set(['MessageRejected', 'BadRequestException', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'SendingPausedException']);

/** SES v2 adapter. Throttling and 5xx surface as errors for the state machine's Retry. */
export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESv2Client,
    private readonly from: string,
    private readonly configurationSet?: string,
  ) {}

  async send(m: EmailMessage): Promise<{ messageId: string | undefined }> {
    try {
      const out = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [m.to] },
          ConfigurationSetName: this.configurationSet,
          EmailTags: Object.entries(m.tags).map(([Name, Value]) => ({ Name, Value: Value.replace(/[^A-Za-z0-9_-]/g, '_') })),
          Content: {
            Simple: {
              Subject: { Data: m.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: m.text, Charset: 'UTF-8' },
                ...(m.html ? { Html: { Data: m.html, Charset: 'UTF-8' } } : {}),
              },
              Headers: m.headers.map((h) => ({ Name: h.name, Value: h.value })),
            },
          },
        }),
      );
      return { messageId: out.MessageId };
    } catch (e) {
      if (PERMANENT.has((e as Error).name)) throw new PermanentSendError((e as Error).name);
      throw e;
    }
  }
}
