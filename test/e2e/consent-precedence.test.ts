import { describe, expect, it } from 'vitest';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { fixture } from '../support/fixtures.ts';
import { localHarness } from '../support/harness.ts';
import { CART, hours, inbox, SECRETS } from '../support/local.ts';

/**
 * Consent precedence and the engine's clock end to end: signed Shopify webhooks (the checkout
 * sample, reshaped and signed again), the unsubscribe link of a real reminder, SES and DynamoDB Local.
 */
const harness = localHarness();
const T0 = new Date('2026-03-10T09:00:00Z');
const at = (h: number) => new Date(T0.getTime() + hours(h));

type Stack = Awaited<ReturnType<typeof harness.stack>>;

function webhook(s: Stack, topic: string, eventId: string, body: Record<string, unknown>) {
  const raw = Buffer.from(JSON.stringify(body));
  return s.request({ method: 'POST', path: '/webhooks/shopify', headers: { 'x-shopify-topic': topic, 'x-shopify-event-id': eventId, 'x-shopify-hmac-sha256': signBase64Hmac(raw, SECRETS.shopifySecret) }, rawBody: raw });
}

function checkout(s: Stack, eventId: string, change: Record<string, unknown>) {
  const sample = JSON.parse(fixture('shopify', 'checkouts_create').body.toString()) as Record<string, unknown>;
  return webhook(s, 'checkouts/update', eventId, { ...sample, ...change });
}

function consent(s: Stack, eventId: string, email: string, state: 'subscribed' | 'unsubscribed', updatedAt: string) {
  return webhook(s, 'customers_email_marketing_consent/update', eventId, { customer_id: 1, email_address: email, email_marketing_consent: { state, opt_in_level: 'single_opt_in', consent_updated_at: updatedAt } });
}

describe('consent sticks, end to end', () => {
  it('unsubscribe link, then a checkout echoing buyer_accepts_marketing: no marketing; a later consent webhook: marketing resumes', async () => {
    const s = await harness.stack(T0);
    const email = 'zofia.wraca@example.pl';
    const customerId = customerIdFor('default', { email })!;
    expect((await checkout(s, 'k1', { token: 'tok-a', email, buyer_accepts_marketing: true, updated_at: T0.toISOString() })).status).toBe(202);
    await s.engine.advanceTo(at(1));
    const [first] = await inbox(s.sesEndpoint!, email, CART);
    const link = /<([^>]+)>/.exec(first!.headers!.find((h) => h.name === 'List-Unsubscribe')!.value)![1]!;
    expect((await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);

    // The shop sends the checkout again, its box still ticked: a stale state, not a new opt-in.
    await s.engine.advanceTo(at(2));
    expect((await checkout(s, 'k2', { token: 'tok-a', email, buyer_accepts_marketing: true, updated_at: at(2).toISOString() })).status).toBe(202);
    await s.engine.advanceTo(at(30));
    expect(await inbox(s.sesEndpoint!, email, CART)).toHaveLength(1);
    expect((await s.store.listDecisions('default', customerId)).at(-1)).toMatchObject({ step: 'second-reminder', outcome: 'suppressed', reason: 'unsubscribed' });

    // A consent webhook dated before the unsubscribe does not grant; one dated after it does.
    await consent(s, 'c1', email, 'subscribed', at(0.5).toISOString());
    expect(await s.store.getConsent('default', customerId, 'email', 'marketing')).toMatchObject({ granted: false, kind: 'withdrawal' });
    expect((await consent(s, 'c2', email, 'subscribed', at(30).toISOString())).status).toBe(202);
    expect(await s.store.getConsent('default', customerId, 'email', 'marketing')).toMatchObject({ granted: true, kind: 'opt-in' });
    await checkout(s, 'k3', { token: 'tok-b', email, buyer_accepts_marketing: true, updated_at: at(30).toISOString() });
    await s.engine.advanceTo(at(31));
    expect(await inbox(s.sesEndpoint!, email, CART)).toHaveLength(2);
  }, 180_000);
});

describe('time from the engine, end to end', () => {
  it('a checkout dated 9999 is clamped (and says so), and the normal update after it wins: profile, cart, consent', async () => {
    const s = await harness.stack(T0);
    const email = 'zofia.czas@example.pl';
    const customerId = customerIdFor('default', { email })!;
    const future = await checkout(s, 'f1', { token: 'tok-f', email, buyer_accepts_marketing: true, total_price: '1.00', updated_at: '9999-12-31T23:59:59Z', customer: { first_name: 'Przyszła' } });
    expect(future.body).toMatchObject({ events: [{ status: 'journey-started', clampedFrom: '9999-12-31T23:59:59.000Z' }] });
    expect(s.log.lines.some((l) => l.includes('EVENT_TIME_CLAMPED'))).toBe(true);
    await s.engine.advanceTo(at(0.25));
    await checkout(s, 'f2', { token: 'tok-f', email, buyer_accepts_marketing: false, total_price: '42.00', updated_at: at(0.25).toISOString(), customer: { first_name: 'Zofia' } });
    expect(await s.store.getCustomer('default', customerId)).toMatchObject({ firstName: 'Zofia', updatedAt: at(0.25).toISOString() });
    expect(await s.store.getCart('default', 'tok-f')).toMatchObject({ total: '42.00' });
    expect(await s.store.getConsent('default', customerId, 'email', 'marketing')).toMatchObject({ granted: false });
  });

  it('the Shopify checkout sample from 2022 replayed years later starts no reminders, and the log of decisions says why', async () => {
    const s = await harness.stack(T0);
    const { body, headers } = fixture('shopify', 'checkouts_create');
    expect((await s.request({ method: 'POST', path: '/webhooks/shopify', headers, rawBody: body })).status).toBe(202);
    await s.engine.idle();
    expect(s.engine.counters.started).toBe(0);
    const cart = await s.store.getCart('default', '123123123');
    const decisions = await s.store.listDecisions('default', cart!.customerId!);
    expect(decisions).toEqual([expect.objectContaining({ journey: 'abandoned-cart', outcome: 'suppressed', reason: 'stale_trigger', executionName: executionName('abandoned-cart', 'default', '123123123') })]);
  });
});
