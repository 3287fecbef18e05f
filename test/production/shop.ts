import { createHmac, randomUUID } from 'node:crypto';
import { fixture } from '../support/fixtures.ts';
import type { ShippedApp, ShippedStateMachine } from './cloud-assembly.ts';
import type { RecordedCall } from './aws-stand-in.ts';
import type { HttpCall as HttpRequest } from '../../local/aws-events.ts';

/** Requests as the platforms send them, signed here (not with the code under test). */

export const WEBHOOK_SECRET = 'test_webhook_secret_DO_NOT_USE';

export function shopifyRequest(topic: 'checkouts/create' | 'orders/create', body: Record<string, unknown>, opts: { secret?: string; eventId?: string } = {}): HttpRequest {
  const raw = Buffer.from(JSON.stringify(body));
  const name = topic === 'checkouts/create' ? 'checkouts_create' : 'orders_create';
  const headers = {
    ...fixture('shopify', name).headers,
    'X-Shopify-Hmac-Sha256': createHmac('sha256', opts.secret ?? WEBHOOK_SECRET).update(raw).digest('base64'),
    'X-Shopify-Event-Id': opts.eventId ?? randomUUID(),
    'X-Shopify-Webhook-Id': randomUUID(),
  };
  return { method: 'POST', url: '/webhooks/shopify', headers, body: raw };
}

/** The Shopify checkouts/create sample, as one buyer's checkout. */
export function shopifyCheckout(opts: { token: string; email: string; consent: boolean; at: Date }): Record<string, unknown> {
  const sample = JSON.parse(fixture('shopify', 'checkouts_create').body.toString('utf8')) as Record<string, unknown>;
  return {
    ...sample,
    token: opts.token,
    cart_token: `cart-${opts.token}`,
    email: opts.email,
    buyer_accepts_marketing: opts.consent,
    customer_locale: 'pl',
    currency: 'PLN',
    presentment_currency: 'PLN',
    created_at: opts.at.toISOString(),
    updated_at: opts.at.toISOString(),
    abandoned_checkout_url: `https://sklep.example.pl/checkouts/${opts.token}/recover`,
    customer: { ...(sample['customer'] as Record<string, unknown>), first_name: 'Zofia', email: opts.email },
  };
}

/** The Shopify orders/create sample, as the order that completes a checkout. */
export function shopifyOrder(opts: { id: string; checkoutToken: string; email: string; at: Date }): Record<string, unknown> {
  const sample = JSON.parse(fixture('shopify', 'orders_create').body.toString('utf8')) as Record<string, unknown>;
  return { ...sample, id: opts.id, checkout_token: opts.checkoutToken, email: opts.email, contact_email: opts.email, created_at: opts.at.toISOString(), currency: 'PLN' };
}

/** A Stripe event body with a `Stripe-Signature` made at `t` (seconds): hex HMAC-SHA256 of "{t}.{body}". */
export function stripeRequest(body: Record<string, unknown>, t: number, secret = WEBHOOK_SECRET): HttpRequest {
  const raw = Buffer.from(JSON.stringify(body));
  const v1 = createHmac('sha256', secret).update(`${t}.`).update(raw).digest('hex');
  return { method: 'POST', url: '/webhooks/stripe', headers: { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': `t=${t},v1=${v1}` }, body: raw };
}

/** The invoice.payment_failed sample, for one customer's invoice. */
export function stripePaymentFailed(opts: { invoiceId: string; email: string; at: Date }): Record<string, unknown> {
  const sample = JSON.parse(fixture('stripe', 'invoice.payment_failed').body.toString('utf8')) as { data: { object: Record<string, unknown> } } & Record<string, unknown>;
  return {
    ...sample,
    id: `evt_${opts.invoiceId}`,
    created: Math.floor(opts.at.getTime() / 1000),
    data: { ...sample.data, object: { ...sample.data.object, id: opts.invoiceId, customer_email: opts.email, customer_name: 'Jan Kowalski', currency: 'pln', amount_due: 12900 } },
  };
}

export function apiEvent(apiKey: string, body: Record<string, unknown>): HttpRequest {
  return { method: 'POST', url: '/v1/events', headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

export function machineOf(app: ShippedApp, journey: string): ShippedStateMachine {
  const m = app.stateMachines.find((s) => s.definition['Comment'] === `journey:${journey}`);
  if (!m) throw new Error(`no state machine for journey ${journey}`);
  return m;
}

export function emailsTo(calls: readonly RecordedCall[], address: string): RecordedCall[] {
  return calls.filter((c) => c.service === 'ses' && c.operation === 'SendEmail' && ((c.request['Destination'] as { ToAddresses?: string[] })?.ToAddresses ?? []).includes(address));
}

export interface SentEmail {
  from: string;
  to: string[];
  configurationSet?: string;
  subject: string;
  text: string;
  headers: Record<string, string>;
  tags: Record<string, string>;
}

export function emailOf(call: RecordedCall): SentEmail {
  const r = call.request as {
    FromEmailAddress: string;
    Destination: { ToAddresses: string[] };
    ConfigurationSetName?: string;
    Content: { Simple: { Subject: { Data: string }; Body: { Text: { Data: string } }; Headers?: { Name: string; Value: string }[] } };
    EmailTags?: { Name: string; Value: string }[];
  };
  return {
    from: r.FromEmailAddress,
    to: r.Destination.ToAddresses,
    configurationSet: r.ConfigurationSetName,
    subject: r.Content.Simple.Subject.Data,
    text: r.Content.Simple.Body.Text.Data,
    headers: Object.fromEntries((r.Content.Simple.Headers ?? []).map((h) => [h.Name, h.Value])),
    tags: Object.fromEntries((r.EmailTags ?? []).map((t) => [t.Name, t.Value])),
  };
}
