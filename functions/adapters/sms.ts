import { type PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { PermanentSendError, type SmsMessage, type SmsSender } from '../app/ports.ts';



const PERMANENT = new Set(['ValidationException', 'ConflictException', 'ResourceNotFoundException']);

/** AWS End User Messaging SMS (pinpoint-sms-voice-v2) adapter. */
export class EndUserMessagingSms implements SmsSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly originationIdentity?: string,
    private readonly configurationSet?: string,
  ) {}

  async send(m: SmsMessage): Promise<{ messageId: string | undefined }> {
    try {
      const out = await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: m.to,
          MessageBody: m.text,
          MessageType: m.kind === 'marketing' ? 'PROMOTIONAL' : 'TRANSACTIONAL',
          OriginationIdentity: this.originationIdentity,
          ConfigurationSetName: this.configurationSet,
          Context: m.tags,
        }),
      );
      return { messageId: out.MessageId };
    } catch (e) {
      if (PERMANENT.has((e as Error).name)) throw new PermanentSendError((e as Error).name);
      throw e;
    }
  }
}
