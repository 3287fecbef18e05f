import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import { RecordingRunner } from '../support/recording-runner.ts';
import { handleFeedback } from '../../functions/app/record-feedback.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { mapApiEvent, ApiEvent } from '../../functions/ingest/events-api.ts';
import { mapShopify, type ShopifyTopic } from '../../functions/ingest/shopify.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { MemoryMetrics, MetricName } from '../../functions/shared/metrics.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { fixture } from '../support/fixtures.ts';
import { memoryLog } from '../support/local.ts';

/**
 * Consent that sticks and time from the engine, through the ingest use case on the memory
 * backend, with events made by the real translators from the platform samples.
 */
const T = new Date('2026-05-04T10:00:00.000Z');
const minutes = (n: number) => new Date(T.getTime() + n * 60_000);
const EMAIL = 'zofia.zgoda@example.pl';
const customerId = customerIdFor('default', { email: EMAIL })!;

function world() {
  let now = T;
  const log = memoryLog();
  const metrics = new MemoryMetrics();
  const deps: EnrolDeps & { store: MemoryStore; runner: RecordingRunner } = {
    config: { tenant: 'default' },
    store: new MemoryStore(),
    journeys: loadJourneys(),
    runner: new RecordingRunner(),
    clock: { now: () => now },
    log,
    metrics,
  };
  return {
    deps,
    log,
    metrics,
    at(d: Date) {
      now = d;
    },
    consent: () => deps.store.getConsent('default', customerId, 'email', 'marketing'),
  };
}

/** A Shopify sample, reshaped and translated as the webhook route does. */
function shopify(topic: ShopifyTopic, name: string, eventId: string, change: Record<string, unknown>, receivedAt = T): DomainEvent[] {
  const body = { ...(JSON.parse(fixture('shopify', name).body.toString()) as Record<string, unknown>), ...change };
  const mapped = mapShopify(topic, body, `shopify:${topic}:${eventId}`, receivedAt.toISOString());
  if ('error' in mapped) throw mapped.error;
  if ('ignored' in mapped) throw new Error(mapped.ignored);
  return mapped.events;
}
const checkout = (id: string, token: string, accepts: boolean, updated: Date | string) =>
  shopify('checkouts/update', 'checkouts_create', id, { token, email: EMAIL, buyer_accepts_marketing: accepts, updated_at: typeof updated === 'string' ? updated : updated.toISOString() });
const consentWebhook = (id: string, state: string, updated: Date | string) =>
  shopify('customers_email_marketing_consent/update', 'checkouts_create', id, {
    email_address: EMAIL,
    email_marketing_consent: { state, opt_in_level: 'single_opt_in', consent_updated_at: typeof updated === 'string' ? updated : updated.toISOString() },
  });
const api = (body: Record<string, unknown>) => mapApiEvent(ApiEvent.parse({ occurredAt: T.toISOString(), customer: { email: EMAIL }, ...body }));

describe('consent sticks', () => {
  it('a complaint is not undone by a checkout, an order or a customer update that echo an old yes', async () => {
    const w = world();
    await acceptEvents(checkout('c1', 'tok-1', true, T), w.deps);
    expect(await w.consent()).toMatchObject({ granted: true, kind: 'echo' });
    w.at(minutes(10));
    await handleFeedback({ eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: EMAIL }] } }, { tenant: 'default', store: w.deps.store, clock: w.deps.clock, log: w.log });
    w.at(minutes(20));
    await acceptEvents(checkout('c2', 'tok-1', true, minutes(20)), w.deps);
    await acceptEvents(shopify('orders/create', 'orders_create', 'o1', { id: '1001', cancelled_at: null, email: EMAIL, buyer_accepts_marketing: true, created_at: minutes(20).toISOString() }), w.deps);
    await acceptEvents([api({ id: 'cu-1', type: 'customer.updated', occurredAt: minutes(20).toISOString(), customer: { email: EMAIL, consent: { emailMarketing: true } } })], w.deps);
    expect(await w.consent()).toMatchObject({ granted: false, kind: 'withdrawal', source: 'ses-complaint', at: minutes(10).toISOString() });
    const ledger = (await w.deps.store.exportCustomer('default', customerId))['consentLedger'] as { source: string; applied: boolean; reason: string }[];
    expect(ledger.filter((e) => !e.applied).map((e) => `${e.source} ${e.reason}`).sort()).toEqual([
      'api:customer.updated echo_after_withdrawal',
      'shopify:checkout.updated echo_after_withdrawal',
      'shopify:order.placed echo_after_withdrawal',
    ]);
  });

  it('a Shopify consent webhook saying unsubscribed is a withdrawal; only a later subscribed one grants again', async () => {
    const w = world();
    await acceptEvents(checkout('c1', 'tok-1', true, T), w.deps);
    w.at(minutes(30));
    // Dated before it arrived: the withdrawal counts from when the engine received it.
    await acceptEvents(consentWebhook('u1', 'unsubscribed', minutes(5)), w.deps);
    expect(await w.consent()).toMatchObject({ granted: false, kind: 'withdrawal', at: minutes(30).toISOString() });
    await acceptEvents(consentWebhook('s1', 'subscribed', minutes(20)), w.deps);
    expect((await w.consent())?.granted).toBe(false);
    w.at(minutes(40));
    await acceptEvents(consentWebhook('s2', 'subscribed', minutes(35)), w.deps);
    expect(await w.consent()).toMatchObject({ granted: true, kind: 'opt-in', at: minutes(35).toISOString() });
  });

  it('the event API: customer.consent is the customer’s statement; consent on any other event is an echo', async () => {
    const w = world();
    await acceptEvents([api({ id: 'w1', type: 'customer.consent', customer: { email: EMAIL, consent: { emailMarketing: false } } })], w.deps);
    expect(await w.consent()).toMatchObject({ granted: false, kind: 'withdrawal' });
    w.at(minutes(5));
    const echo = await acceptEvents([api({ id: 'e1', type: 'customer.updated', occurredAt: minutes(5).toISOString(), customer: { email: EMAIL, consent: { emailMarketing: true } } })], w.deps);
    expect(echo.events).toEqual([{ key: 'api:e1', status: 'customer-updated' }]);
    expect((await w.consent())?.granted).toBe(false);
    const optIn = await acceptEvents([api({ id: 'o1', type: 'customer.consent', occurredAt: minutes(5).toISOString(), customer: { email: EMAIL, consent: { emailMarketing: true } } })], w.deps);
    expect(optIn.events).toEqual([{ key: 'api:o1', status: 'consent-recorded' }]);
    expect(await w.consent()).toMatchObject({ granted: true, kind: 'opt-in' });
    expect(() => ApiEvent.parse({ id: 'x', type: 'customer.consent', occurredAt: T.toISOString(), customer: { email: EMAIL } })).toThrow(/states consent/);
  });

  it('an SMS STOP is not undone by a checkout echoing SMS consent', async () => {
    const w = world();
    const phone = '+48600123456';
    const withPhone = (id: string, at: Date) => shopify('checkouts/update', 'checkouts_create', id, { token: 'tok-s', email: EMAIL, phone, buyer_accepts_sms_marketing: true, updated_at: at.toISOString() });
    await acceptEvents(withPhone('s1', T), w.deps);
    w.at(minutes(1));
    await handleFeedback({ originationNumber: phone, messageBody: 'STOP' }, { tenant: 'default', store: w.deps.store, clock: w.deps.clock, log: w.log });
    w.at(minutes(2));
    await acceptEvents(withPhone('s2', minutes(2)), w.deps);
    expect(await w.deps.store.getConsent('default', customerId, 'sms', 'marketing')).toMatchObject({ granted: false, kind: 'withdrawal', source: 'sms-opt-out' });
  });
});

describe('time comes from the engine', () => {
  it('clamps a future occurredAt: logged without personal data, counted, and named in the result', async () => {
    const w = world();
    const result = await acceptEvents(checkout('f1', 'tok-f', true, '2031-01-01T00:00:00Z'), w.deps);
    expect(result.events).toEqual([{ key: 'shopify:checkouts/update:f1', status: 'journey-started', clampedFrom: '2031-01-01T00:00:00.000Z' }]);
    expect(w.log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['code'] === 'EVENT_TIME_CLAMPED')).toEqual([
      { level: 'WARN', code: 'EVENT_TIME_CLAMPED', eventType: 'checkout.updated', source: 'shopify', aheadSeconds: Math.round((Date.parse('2031-01-01T00:00:00Z') - T.getTime()) / 1000) },
    ]);
    expect(w.log.lines.join('\n')).not.toContain(EMAIL);
    expect(w.metrics.total(MetricName.EventTimeClamped, { platform: 'shopify' })).toBe(1);
    // Within the tolerance nothing is clamped.
    expect((await acceptEvents(checkout('f2', 'tok-f', true, minutes(4)), w.deps)).events[0]).not.toHaveProperty('clampedFrom');
  });

  it('a 9999-dated update freezes nothing: the normal update after it is applied to profile, cart and consent', async () => {
    const w = world();
    const frozen = shopify('checkouts/update', 'checkouts_create', 'z1', {
      token: 'tok-z',
      email: EMAIL,
      buyer_accepts_marketing: true,
      total_price: '1.00',
      updated_at: '9999-12-31T23:59:59Z',
      customer: { first_name: 'Zamrożona' },
    });
    await acceptEvents(frozen, w.deps);
    w.at(minutes(1));
    await acceptEvents(
      shopify('checkouts/update', 'checkouts_create', 'z2', { token: 'tok-z', email: EMAIL, buyer_accepts_marketing: false, total_price: '42.00', updated_at: minutes(1).toISOString(), customer: { first_name: 'Zofia' } }),
      w.deps,
    );
    expect(await w.deps.store.getCustomer('default', customerId)).toMatchObject({ firstName: 'Zofia', updatedAt: minutes(1).toISOString() });
    expect(await w.deps.store.getCart('default', 'tok-z')).toMatchObject({ total: '42.00', updatedAt: minutes(1).toISOString() });
    expect(await w.consent()).toMatchObject({ granted: false, at: minutes(1).toISOString() });
  });

  it('a 9999-dated withdrawal does not hold off a later opt-in', async () => {
    const w = world();
    await acceptEvents(consentWebhook('u9', 'unsubscribed', '9999-01-01T00:00:00Z'), w.deps);
    w.at(minutes(1));
    await acceptEvents(consentWebhook('s9', 'subscribed', minutes(1)), w.deps);
    expect(await w.consent()).toMatchObject({ granted: true, at: minutes(1).toISOString() });
  });

  it('a checkout from 1970 starts no reminders, and the decision log says why; a recent one does', async () => {
    const w = world();
    const old = await acceptEvents(checkout('old', 'tok-1970', true, '1970-01-01T00:00:00Z'), w.deps);
    expect(old.events[0]!.status).toBe('cart-updated');
    expect(w.deps.runner.started.size).toBe(0);
    expect(await w.deps.store.getEnrolment('default', customerId, 'abandoned-cart', 'tok-1970')).toBeUndefined();
    expect(await w.deps.store.listDecisions('default', customerId)).toEqual([
      expect.objectContaining({ journey: 'abandoned-cart', step: 'first-wait', outcome: 'suppressed', reason: 'stale_trigger', executionName: executionName('abandoned-cart', 'default', 'tok-1970') }),
    ]);
    expect(w.log.lines.some((l) => l.includes('JOURNEY_STALE_TRIGGER'))).toBe(true);
    // Late within the journey's span and the grace for retried deliveries: still acted on.
    const late = await acceptEvents(checkout('late', 'tok-late', true, new Date(T.getTime() - 3 * 86_400_000)), w.deps);
    expect(late.events[0]!.status).toBe('journey-started');
  });

  it('an order or a failed payment from long ago starts no post-purchase or dunning', async () => {
    const w = world();
    await acceptEvents(shopify('orders/create', 'orders_create', 'o-old', { id: '1002', cancelled_at: null, email: EMAIL, created_at: '2020-01-01T00:00:00Z' }), w.deps);
    await acceptEvents([api({ id: 'pf-old', type: 'payment.failed', occurredAt: '2020-01-01T00:00:00Z', payment: { invoiceId: 'in_old', amount: '10.00', currency: 'PLN' } })], w.deps);
    expect(w.deps.runner.started.size).toBe(0);
    expect((await w.deps.store.listDecisions('default', customerId)).map((d) => [d.journey, d.reason])).toEqual([
      ['dunning', 'stale_trigger'],
      ['post-purchase', 'stale_trigger'],
      ['second-order', 'stale_trigger'],
    ]);
  });
});
