import type { AddressInfo } from 'node:net';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndUserMessagingSms } from '../../functions/adapters/sms.ts';
import { PermanentSendError } from '../../functions/app/ports.ts';
import { refusedBeforeSending } from '../../functions/app/run-step.ts';
import { LOCAL_CREDENTIALS } from '../../local/dynamodb-local.ts';
import { type EmulatedSenders, startEmulatedSenders } from '../../local/emulators.ts';
import { Outbox } from '../../local/outbox.ts';
import { startSmsOutbox } from '../../local/sms-outbox.ts';
import { type InboxEmail, inbox } from '../support/local.ts';

/** The in-process senders keep and refuse what the emulators they stand in for keep and refuse. */

const T = Date.parse('2026-06-01T10:00:00Z');
const email = (to: string, over: Partial<Parameters<Outbox['mailer']['send']>[0]> = {}) => ({
  to,
  subject: 'Zofia, twoje zakupy czekają',
  text: 'Koszyk: 1 produkt',
  html: '<p>Koszyk: 1 produkt</p>',
  headers: [{ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' }],
  tags: { journey: 'abandoned-cart', step: 'first-reminder' },
  ...over,
});

let emulated: EmulatedSenders;
beforeAll(async () => {
  emulated = await startEmulatedSenders({ sesEmulator: true });
});
afterAll(async () => {
  await emulated.stop();
});

const kept = (e: InboxEmail) => ({ to: e.destination.to, subject: e.subject, body: e.body, headers: e.headers });

describe('the in-process outbox', () => {
  it('keeps an e-mail in the fields the SES emulator keeps', async () => {
    const outbox = new Outbox({ now: () => T });
    const message = email('kept@example.pl');
    await emulated.mailer.send(message);
    const { messageId } = await outbox.mailer.send(message);
    const [fromEmulator] = await inbox(emulated.sesEndpoint!, 'kept@example.pl');
    expect(outbox.emails.map(kept)).toEqual([kept(fromEmulator!)]);
    expect(outbox.emails[0]).toMatchObject({ messageId, from: 'sklep@example.com', tags: message.tags, at: T / 1000 });
    expect(outbox.sent.emails).toBe(1);
  });

  it('refuses an e-mail the emulator refuses, with an error the step treats as nothing sent', async () => {
    const outbox = new Outbox();
    for (const bad of [email('a@example.pl', { subject: '' }), email('a@example.pl', { text: '', html: undefined })]) {
      const viaEmulator = await emulated.mailer.send(bad).catch((e: unknown) => e);
      const inProcess = await outbox.mailer.send(bad).catch((e: unknown) => e);
      expect(refusedBeforeSending(viaEmulator)).toBe(true);
      expect(refusedBeforeSending(inProcess)).toBe(true);
      expect((inProcess as Error).name).toBe((viaEmulator as Error).name);
    }
    expect(outbox.emails).toEqual([]);
    expect(outbox.sent.emails).toBe(0);
  });

  it('keeps an SMS as the SMS outbox does: parts and encoding counted, the class of message named', async () => {
    const outbox = new Outbox({ now: () => T });
    const texts = [
      { to: '+48600100200', text: 'Platnosc nie powiodla sie', kind: 'service' as const },
      { to: '+48600100201', text: `Płatność ${'x'.repeat(80)}`, kind: 'marketing' as const },
    ];
    for (const m of texts) {
      await emulated.sms.send({ ...m, tags: {} });
      await outbox.smsSender.send({ ...m, tags: {} });
    }
    const strip = ({ messageId: _m, at: _a, ...rest }: (typeof outbox.sms)[number]) => rest;
    expect(outbox.sms.map(strip)).toEqual(emulated.smsOutbox.slice(-2).map(strip));
    expect(outbox.sms.map((m) => [m.encoding, m.segments, m.type])).toEqual([
      ['GSM-7', 1, 'TRANSACTIONAL'],
      ['UCS-2', 2, 'PROMOTIONAL'],
    ]);
    expect(outbox.sent).toMatchObject({ sms: 2, smsParts: 3 });
  });

  it('refuses an SMS to what is no E.164 number as the adapter reports the service refusing it: for good', async () => {
    const outbox = new Outbox();
    const bad = { to: '600100200', text: 'x', kind: 'service' as const, tags: {} };
    await expect(emulated.sms.send(bad)).rejects.toBeInstanceOf(PermanentSendError);
    await expect(outbox.smsSender.send(bad)).rejects.toBeInstanceOf(PermanentSendError);
    expect(outbox.sms).toEqual([]);
  });

  it('keeps only the latest messages when told to, and counts them all', async () => {
    const outbox = new Outbox({ retain: 2 });
    for (const to of ['1@example.pl', '2@example.pl', '3@example.pl']) await outbox.mailer.send(email(to));
    expect(outbox.emails.map((e) => e.destination.to[0])).toEqual(['2@example.pl', '3@example.pl']);
    expect(outbox.sent.emails).toBe(3);
    const none = new Outbox({ retain: 0 });
    await none.mailer.send(email('x@example.pl'));
    expect([none.emails, none.sent.emails]).toEqual([[], 1]);
  });

  it('gives ids that repeat from run to run', async () => {
    const ids = async () => {
      const outbox = new Outbox();
      return [(await outbox.mailer.send(email('a@example.pl'))).messageId, (await outbox.smsSender.send({ to: '+48600100200', text: 'x', kind: 'service', tags: {} })).messageId];
    };
    expect(await ids()).toEqual(await ids());
  });
});

describe('the SMS outbox server', () => {
  it('answers ValidationException to a request that is not sendable, as the service does', async () => {
    const outbox = await startSmsOutbox(0);
    try {
      const client = new PinpointSMSVoiceV2Client({ endpoint: `http://127.0.0.1:${(outbox.server.address() as AddressInfo).port}`, region: 'eu-central-1', credentials: LOCAL_CREDENTIALS });
      await expect(new EndUserMessagingSms(client).send({ to: '+48600100200', text: '', kind: 'service', tags: {} })).rejects.toThrow('ValidationException');
      expect(outbox.messages).toEqual([]);
    } finally {
      outbox.server.closeAllConnections();
      await new Promise<void>((r) => outbox.server.close(() => r()));
    }
  });
});
