import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import sesModule from 'aws-ses-v2-local';
import { SesMailer } from '../functions/adapters/ses.ts';
import { EndUserMessagingSms } from '../functions/adapters/sms.ts';
import type { Mailer, SmsSender } from '../functions/app/ports.ts';
import { LOCAL_REGION } from './definitions.ts';
import { freePort, LOCAL_CREDENTIALS } from './dynamodb-local.ts';
import type { OutboxSms } from './outbox.ts';
import { startSmsOutbox } from './sms-outbox.ts';

/**
 * The senders of `npm start` and the end-to-end tests: the SES v2 emulator and the SMS outbox
 * server, each reached over HTTP by the product's own adapters (SesMailer, EndUserMessagingSms and
 * their SDK clients). The local stack imports this module only when it wants them: the emulator's
 * packages take seconds to load, which an in-process simulation does not spend.
 */
export interface EmulatedSenders {
  mailer: Mailer;
  sms: SmsSender;
  /** The SES emulator; none when it was not wanted. */
  sesEndpoint?: string;
  smsOutboxUrl: string;
  smsOutbox: OutboxSms[];
  stop(): Promise<void>;
}

export async function startEmulatedSenders(o: { sesEmulator: boolean; sesPort?: number; smsPort?: number }): Promise<EmulatedSenders> {
  let sesHttp: Server | undefined;
  let sesEndpoint: string | undefined;
  if (o.sesEmulator) {
    const port = o.sesPort ?? (await freePort());
    // The package is CommonJS with a default export; under ESM it arrives wrapped once more.
    const start = ((sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule) as unknown as (c: { host: string; port: number }) => Promise<Server>;
    sesHttp = await start({ host: '127.0.0.1', port });
    sesEndpoint = `http://127.0.0.1:${port}`;
  }
  const mailer = new SesMailer(
    new SESv2Client({ endpoint: sesEndpoint ?? 'http://127.0.0.1:9', region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    'sklep@example.com',
  );
  const outbox = await startSmsOutbox(o.smsPort ?? (await freePort()));
  const smsOutboxUrl = `http://127.0.0.1:${(outbox.server.address() as AddressInfo).port}`;
  const sms = new EndUserMessagingSms(new PinpointSMSVoiceV2Client({ endpoint: smsOutboxUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
  return {
    mailer,
    sms,
    sesEndpoint,
    smsOutboxUrl,
    smsOutbox: outbox.messages,
    async stop() {
      if (sesHttp) {
        sesHttp.closeAllConnections?.();
        await new Promise<void>((r) => sesHttp!.close(() => r()));
      }
      outbox.server.closeAllConnections();
      await new Promise<void>((r) => outbox.server.close(() => r()));
    },
  };
}
