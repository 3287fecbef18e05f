import { describe, expect, it } from 'vitest';
import type { EmailMessage, Mailer } from '../../functions/app/ports.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { localHarness } from '../support/harness.ts';
import { hours, SECRETS } from '../support/local.ts';

/**
 * Two shops on one local stack (as KOSZYK_SHOPS configures `npm start`), one customer address in
 * both: shop A's bounce, complaint and SMS STOP leave shop B's customer alone, and the daily
 * win-back run reaches both shops.
 */
const harness = localHarness();
const B = 'sklep-b';
const KEY_B = 'key-of-sklep-b';
const EMAIL = 'wspolny@example.pl';
const PHONE = '+48500100300';
const B_NUMBER = '+48600000002';
const JSON_TYPE = { 'content-type': 'application/json' };

const event = (key: string, body: Record<string, unknown>) => ({
  method: 'POST',
  path: '/v1/events',
  headers: { authorization: `Bearer ${key}`, ...JSON_TYPE },
  rawBody: Buffer.from(JSON.stringify(body)),
});
const customer = { email: EMAIL, phone: PHONE, firstName: 'Zofia', locale: 'pl', consent: { emailMarketing: true, smsMarketing: true } };

describe('two shops on one stack', () => {
  it('feedback caused by shop A’s message suppresses in shop A only; the daily run reaches both shops', async () => {
    const sent: EmailMessage[] = [];
    const mailer: Mailer = {
      send: async (m) => {
        sent.push(m);
        return { messageId: `m-${sent.length}` };
      },
    };
    const T = new Date('2026-01-05T10:00:00Z');
    const s = await harness.stack(T, { sesEmulator: false, mailer, shops: [{ id: B, apiKey: KEY_B, smsNumber: B_NUMBER }] });
    expect(s.shops).toEqual(['default', B]);
    const feedback = (message: unknown) =>
      s.request({ method: 'POST', path: '/_local/feedback', headers: { authorization: `Bearer ${SECRETS.apiKey}`, ...JSON_TYPE }, rawBody: Buffer.from(JSON.stringify(message)) });

    for (const [key, id] of [
      [SECRETS.apiKey, 'a-1'],
      [KEY_B, 'b-1'],
    ] as const) {
      const placed = event(key, { id, type: 'order.placed', occurredAt: T.toISOString(), customer, order: { id: `o-${id}`, total: '120.00', currency: 'PLN' } });
      expect((await s.request(placed)).status).toBe(202);
      const cart = event(key, { id: `${id}-c`, type: 'checkout.abandoned', occurredAt: T.toISOString(), customer, checkout: { token: `tok-${id}`, items: [], total: '10.00', currency: 'PLN' } });
      expect((await s.request(cart)).status).toBe(202);
    }
    await s.engine.advanceTo(new Date(T.getTime() + hours(2)));
    // Each shop's first reminder, tagged with its shop as SES publishes the tags back with the feedback.
    const fromA = sent.find((m) => m.tags['shop'] === 'default');
    expect(fromA).toBeDefined();
    expect(sent.some((m) => m.tags['shop'] === B)).toBe(true);
    const tags = Object.fromEntries(Object.entries(fromA!.tags).map(([k, v]) => [k, [v]]));
    expect((await feedback({ eventType: 'Bounce', mail: { tags }, bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: EMAIL }] } })).status).toBe(200);
    expect((await feedback({ eventType: 'Complaint', mail: { tags }, complaint: { complainedRecipients: [{ emailAddress: EMAIL }] } })).status).toBe(200);
    expect((await feedback({ originationNumber: PHONE, destinationNumber: '+48600000001', messageBody: 'STOP default' })).status).toBe(200);

    const consent = async (tenant: string) => (await s.store.getConsent(tenant, customerIdFor(tenant, { email: EMAIL })!, 'email', 'marketing'))?.granted;
    expect([await s.store.isSuppressed('default', 'email', EMAIL), await s.store.isSuppressed('default', 'sms', PHONE), await consent('default')]).toEqual([true, true, false]);
    expect([await s.store.isSuppressed(B, 'email', EMAIL), await s.store.isSuppressed(B, 'sms', PHONE), await consent(B)]).toEqual([false, false, true]);
    // A STOP to shop B's own number is shop B's.
    await feedback({ originationNumber: PHONE, destinationNumber: B_NUMBER, messageBody: 'STOP' });
    expect(await s.store.isSuppressed(B, 'sms', PHONE)).toBe(true);
    expect(s.log.lines.some((l) => l.includes('FEEDBACK_UNATTRIBUTED'))).toBe(false);

    // 180 days after the orders, the 09:00 Warsaw run (07:00 UTC in summer) selects in both shops.
    const run = new Date('2026-07-04T07:00:00Z');
    await s.engine.advanceTo(run);
    await s.engine.idle();
    for (const tenant of ['default', B]) {
      const name = executionName('win-back', tenant, `2026-07-04.${customerIdFor(tenant, { email: EMAIL })}`);
      expect(await s.engine.describe('win-back', name), tenant).toBeDefined();
    }
    expect(s.log.lines.join('\n')).not.toContain(EMAIL);
    // Starting a stack synthesizes the app: minutes on a loaded machine.
  }, 300_000);
});
