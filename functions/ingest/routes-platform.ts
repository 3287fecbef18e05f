import { BUILT_IN_CATALOGUE } from '../../workflows/src/catalogue.ts';
import { acceptEvents } from '../app/ingest-event.ts';
import { customerNamed, eraseCustomers } from '../app/privacy.ts';
import type { DomainEvent } from '../core/domain.ts';
import { oversizedEvent, STORED_SUBJECT_BYTES } from '../core/limits.ts';
import { shortHash } from '../shared/ids.ts';
import { LogCode } from '../shared/logger.ts';
import { admit, admitApi, secretUnset } from './admission.ts';
import { candidates, signedBy } from './credentials.ts';
import type { IngestDeps } from './deps.ts';
import { parseApiEvent } from './events-api.ts';
import { type HttpRequest, type HttpResponse, json, parseBody, problem, zodDetails } from './http.ts';
import { isShopifyTopic, mapShopify, ShopifyPrivacyRequest } from './shopify.ts';
import { matchBase64Hmac } from './signatures.ts';
import { mapStripe, stripeAccount, verifyStripe } from './stripe.ts';
import { mapWooCustomer, mapWooOrder } from './woocommerce.ts';

/** The routes platforms call: each verifies, translates the payload into domain events, and hands them on. */

export async function eventApi(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'events');
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const parsed = parseApiEvent(body.value, deps.catalogue ?? BUILT_IN_CATALOGUE);
  if (!parsed.ok) {
    deps.log.warn(LogCode.IngestRejected, { route: 'events', reason: 'invalid' });
    return problem(400, parsed.error, parsed.details);
  }
  return accept([parsed.event], deps);
}

export async function shopifyWebhook(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const unset = secretUnset('shopify', base.config.shopifySecrets, base);
  if (unset) return unset;
  const header = req.headers['x-shopify-hmac-sha256'];
  // X-Shopify-Shop-Domain only narrows which secrets are tried; the secret that verified names the shop.
  const shop = req.headers['x-shopify-shop-domain'];
  const credential = signedBy(base.config.shopifySecrets, base.config.tenant, shop, header, (secret) => matchBase64Hmac(req.rawBody, header, [secret]) !== undefined);
  const admitted = await admit(credential, base, { route: 'shopify', reason: 'signature', message: 'X-Shopify-Hmac-Sha256 does not match the body' });
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const topic = req.headers['x-shopify-topic'] ?? '';
  if (topic === 'customers/redact' || topic === 'customers/data_request') return shopifyPrivacy(topic, req, deps);
  if (!isShopifyTopic(topic)) {
    deps.log.info(LogCode.IngestIgnored, { route: 'shopify', topic });
    return json(200, { status: 'ignored', reason: `topic "${topic}" is not used by any journey` });
  }
  const body = parseBody(req);
  if (!body.ok) return body.response;
  // The event id is shared by every subscription to one event; the webhook id is stable across
  // retries of one delivery. Topic is part of the key: one event id can span topics.
  const deliveryId = req.headers['x-shopify-event-id'] ?? req.headers['x-shopify-webhook-id'];
  if (!deliveryId) return problem(400, 'X-Shopify-Event-Id or X-Shopify-Webhook-Id header is required');
  const mapped = mapShopify(topic, body.value, `shopify:${topic}:${deliveryId}`, deps.clock.now().toISOString());
  if ('ignored' in mapped) {
    deps.log.info(LogCode.IngestIgnored, { route: 'shopify', topic });
    return json(200, { status: 'ignored', reason: mapped.ignored });
  }
  if ('error' in mapped) {
    deps.log.warn(LogCode.IngestRejected, { route: 'shopify', topic, reason: 'invalid' });
    return problem(400, `${topic} payload does not match the expected shape`, zodDetails(mapped.error));
  }
  return accept(mapped.events, deps);
}

/** Shopify's mandatory privacy webhooks drive the same code as the API. */
async function shopifyPrivacy(topic: 'customers/redact' | 'customers/data_request', req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const parsed = ShopifyPrivacyRequest.safeParse(body.value);
  if (!parsed.success) return problem(400, `${topic} payload does not match the expected shape`, zodDetails(parsed.error));
  // Either address finds the customer, whichever of them the customer was first known by.
  const named = { email: parsed.data.customer.email || undefined, phone: parsed.data.customer.phone || undefined };
  if (!named.email && !named.phone) return json(200, { status: 'ignored', reason: 'no e-mail or phone to find the customer by' });
  if (topic === 'customers/redact') {
    const { stopped } = await eraseCustomers(named, deps);
    return json(200, { status: 'erased', stoppedJourneys: stopped });
  }
  const customerId = (await customerNamed(named, deps))!;
  const at = deps.clock.now().toISOString();
  await deps.store.createTask(deps.config.tenant, {
    id: shortHash(deps.config.tenant, customerId, 'data-request', String(parsed.data.data_request?.id ?? at)),
    at,
    kind: 'data-request',
    journey: '-',
    step: 'data-request',
    customerId,
    subject: 'Żądanie dostępu do danych (RODO art. 15) ze Shopify',
    text: `Przekaż sklepowi eksport: GET /v1/customers/export?customerId=${customerId} (termin: 30 dni).`,
    status: 'open',
  });
  return json(200, { status: 'recorded', customerId });
}

export async function wooWebhook(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const signature = req.headers['x-wc-webhook-signature'];
  // WooCommerce's activation ping is unsigned and form-encoded: webhook_id=N. Answer 200 or it never activates.
  if (!signature && /^webhook_id=\d+$/.test(req.rawBody.toString('utf8').trim())) return json(200, { status: 'ping' });
  const unset = secretUnset('woocommerce', base.config.wooSecrets, base);
  if (unset) return unset;
  const source = req.headers['x-wc-webhook-source'];
  const credential = signedBy(base.config.wooSecrets, base.config.tenant, source, signature, (secret) => matchBase64Hmac(req.rawBody, signature, [secret]) !== undefined);
  const admitted = await admit(credential, base, { route: 'woocommerce', reason: 'signature', message: 'X-WC-Webhook-Signature does not match the body' });
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const topic = req.headers['x-wc-webhook-topic'] ?? '';
  if (topic !== 'order.created' && topic !== 'order.updated' && topic !== 'customer.created') return json(200, { status: 'ignored', reason: `topic "${topic}" is not used by any journey` });
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const receivedAt = deps.clock.now().toISOString();
  const mapped = topic === 'customer.created' ? mapWooCustomer(body.value, receivedAt) : mapWooOrder(body.value, receivedAt);
  if ('ignored' in mapped) return json(200, { status: 'ignored', reason: mapped.ignored });
  if ('error' in mapped) return problem(400, `${topic} payload does not match the expected shape`, zodDetails(mapped.error));
  return accept(mapped.events, deps);
}

export async function stripeWebhook(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const unset = secretUnset('stripe', base.config.stripeSecrets, base);
  if (unset) return unset;
  const header = req.headers['stripe-signature'];
  // A Connect event names its account; the body is read for it only when there is a signature to check.
  const tried = header ? candidates(base.config.stripeSecrets, base.config.tenant, stripeAccount(req.rawBody)) : [];
  const check = verifyStripe(req.rawBody, header, tried.map((c) => c.secret), base.clock.now());
  const signer = check.ok ? tried.find((c) => c.secret === check.secret) : undefined;
  const credential = signer && { tenant: signer.tenant, id: signer.id };
  const admitted = await admit(credential, base, { route: 'stripe', reason: 'signature', message: check.ok ? 'Stripe-Signature does not match the body' : check.reason });
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const mapped = mapStripe(body.value);
  if ('ignored' in mapped) return json(200, { status: 'ignored', reason: mapped.ignored });
  if ('error' in mapped) return problem(400, 'Stripe event does not match the expected shape', zodDetails(mapped.error));
  return accept(mapped.events, deps);
}

/**
 * 202 when anything was new, 200 when every event was a duplicate, 409 with Retry-After while another
 * delivery of an event is being applied: not yet done, so the platform must deliver it again (every
 * platform retries a non-2xx answer; a 2xx would lose the event should that other attempt have crashed).
 * An event whose cart or order could not be stored as one item is refused (413) before anything is written.
 */
async function accept(events: DomainEvent[], deps: IngestDeps): Promise<HttpResponse> {
  for (const event of events) {
    const oversized = oversizedEvent(event);
    if (oversized) {
      deps.log.warn(LogCode.IngestRejected, { eventType: event.type, reason: 'too-large' });
      const message = `would be stored as ${oversized.bytes} bytes; at most ${STORED_SUBJECT_BYTES}`;
      return problem(413, `${oversized.path} is too large to store`, [{ path: oversized.path, message }]);
    }
  }
  const result = await acceptEvents(events, deps);
  if (result.retryAfterSeconds !== undefined) {
    return {
      status: 409,
      headers: { 'retry-after': String(result.retryAfterSeconds) },
      body: { status: 'in-progress', error: `another delivery of this event is being applied; retry after ${result.retryAfterSeconds} s`, events: result.events },
    };
  }
  return json(result.duplicate ? 200 : 202, { status: result.duplicate ? 'duplicate' : 'accepted', events: result.events });
}
