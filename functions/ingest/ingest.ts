import type { z } from 'zod';
import type { Clock } from '../shared/clock.ts';
import { assertUnreachable, type DomainEvent } from '../shared/domain.ts';
import { customerIdFor, executionName } from '../shared/ids.ts';
import { parseJsonKeepingIds } from '../shared/json.ts';
import type { JourneyRunner } from '../shared/journey-runner.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import type { Store } from '../shared/store.ts';
import { verifyUnsubscribeToken } from '../shared/unsubscribe-token.ts';
import { ApiEvent, mapApiEvent } from './events-api.ts';
import { type HttpRequest, type HttpResponse, json, problem } from './http.ts';
import { isShopifyTopic, mapShopify } from './shopify.ts';
import { verifyBase64Hmac } from './signatures.ts';

export interface IngestConfig {
  tenant: string;
  apiKeys: readonly string[];
  shopifySecrets: readonly string[];
  unsubscribeSecret: string;
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
}

export interface IngestDeps {
  config: IngestConfig;
  store: Store;
  journeys: JourneyRunner;
  clock: Clock;
  log: Log;
}

export const CART_JOURNEY = 'abandoned-cart';

/** One entry point for every route, the same on Lambda and on the local server. */
export async function handleRequest(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const route = `${req.method.toUpperCase()} ${req.path.replace(/\/+$/, '') || '/'}`;
  if (route === 'GET /health') return json(200, { status: 'ok' });
  if (req.rawBody.length > deps.config.maxBodyBytes) return problem(413, `body larger than ${deps.config.maxBodyBytes} bytes`);
  if (route === 'POST /v1/events') return eventApi(req, deps);
  if (route === 'POST /webhooks/shopify') return shopifyWebhook(req, deps);
  if (route === 'GET /unsubscribe') return unsubscribePage(req, deps);
  if (route === 'POST /unsubscribe') return unsubscribe(req, deps);
  return problem(404, `no route ${route}`);
}

function zodDetails(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

function parseBody(req: HttpRequest): { ok: true; value: unknown } | { ok: false; response: HttpResponse } {
  try {
    return { ok: true, value: parseJsonKeepingIds(req.rawBody.toString('utf8')) };
  } catch (e) {
    return { ok: false, response: problem(400, 'body is not valid JSON', (e as Error).message) };
  }
}

async function eventApi(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const auth = req.headers['authorization'] ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  if (!token || !deps.config.apiKeys.some((k) => k === token)) {
    deps.log.warn(LogCode.IngestRejected, { route: 'events', reason: 'auth' });
    return problem(401, 'missing or wrong API key (Authorization: Bearer …)');
  }
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const parsed = ApiEvent.safeParse(body.value);
  if (!parsed.success) {
    deps.log.warn(LogCode.IngestRejected, { route: 'events', reason: 'invalid' });
    return problem(400, 'event does not match the schema', zodDetails(parsed.error));
  }
  return accept([mapApiEvent(parsed.data)], deps);
}

async function shopifyWebhook(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  if (!verifyBase64Hmac(req.rawBody, req.headers['x-shopify-hmac-sha256'], deps.config.shopifySecrets)) {
    deps.log.warn(LogCode.IngestRejected, { route: 'shopify', reason: 'signature' });
    return problem(401, 'X-Shopify-Hmac-Sha256 does not match the body');
  }
  const topic = req.headers['x-shopify-topic'] ?? '';
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
  if ('error' in mapped) {
    deps.log.warn(LogCode.IngestRejected, { route: 'shopify', topic, reason: 'invalid' });
    return problem(400, `${topic} payload does not match the expected shape`, zodDetails(mapped.error));
  }
  return accept(mapped.events, deps);
}

async function accept(events: DomainEvent[], deps: IngestDeps): Promise<HttpResponse> {
  const { tenant } = deps.config;
  const results: { key: string; status: string }[] = [];
  for (const event of events) {
    if (!(await deps.store.claimEvent(tenant, event.key, deps.clock.now()))) {
      deps.log.info(LogCode.IngestDuplicate, { eventType: event.type });
      results.push({ key: event.key, status: 'duplicate' });
      continue;
    }
    try {
      const outcome = await apply(event, deps);
      deps.log.info(LogCode.IngestAccepted, { eventType: event.type, outcome });
      results.push({ key: event.key, status: outcome });
    } catch (e) {
      // Give the key back so the platform's retry is processed rather than taken for a duplicate.
      await deps.store.releaseEvent(tenant, event.key).catch(() => undefined);
      throw e;
    }
  }
  const status = results.every((r) => r.status === 'duplicate') ? 200 : 202;
  return json(status, { status: status === 200 ? 'duplicate' : 'accepted', events: results });
}

async function applyContact(event: DomainEvent, customerId: string, deps: IngestDeps): Promise<void> {
  const { tenant } = deps.config;
  await deps.store.upsertCustomer(tenant, customerId, event.customer, event.occurredAt);
  const consent = event.customer.consent;
  if (consent?.emailMarketing !== undefined) {
    await deps.store.recordConsent(tenant, customerId, 'email', 'marketing', consent.emailMarketing, event.occurredAt, `${event.source}:${event.type}`, event.key);
  }
  if (consent?.smsMarketing !== undefined && event.customer.phone) {
    await deps.store.recordConsent(tenant, customerId, 'sms', 'marketing', consent.smsMarketing, event.occurredAt, `${event.source}:${event.type}`, event.key);
  }
}

/** Applies one new event to customer state and to the journeys it starts or ends. */
export async function apply(event: DomainEvent, deps: IngestDeps): Promise<string> {
  const { tenant } = deps.config;
  const customerId = customerIdFor(tenant, event.customer);
  if (customerId) await applyContact(event, customerId, deps);
  switch (event.type) {
    case 'checkout.updated': {
      const { checkout } = event;
      if (checkout.completed) {
        await deps.store.markCartOrdered(tenant, checkout.token, 'completed-checkout', event.occurredAt);
        if (customerId) await endCartJourney(tenant, customerId, checkout.token, deps);
        return 'checkout-completed';
      }
      const stored = await deps.store.putCart(tenant, customerId ?? undefined, checkout, event.occurredAt);
      if (stored === 'ordered') return 'already-ordered';
      if (!customerId) return 'no-contact';
      const name = executionName(CART_JOURNEY, tenant, checkout.token);
      await deps.store.createEnrolment(tenant, customerId, { journey: CART_JOURNEY, key: checkout.token, executionName: name, startedAt: event.occurredAt });
      const enrolment = await deps.store.getEnrolment(tenant, customerId, CART_JOURNEY, checkout.token);
      if (enrolment?.status !== 'active') return 'journey-ended';
      const started = await deps.journeys.start(CART_JOURNEY, name, { version: 1, tenant, customerId, journey: CART_JOURNEY, key: checkout.token });
      if (started === 'started') deps.log.info(LogCode.JourneyStarted, { journey: CART_JOURNEY, executionName: name });
      return started === 'started' ? 'journey-started' : 'cart-updated';
    }
    case 'order.placed': {
      const { order } = event;
      if (customerId) await deps.store.putOrder(tenant, customerId, order, event.occurredAt);
      const tokens = new Set<string>();
      if (order.checkoutToken) {
        await deps.store.markCartOrdered(tenant, order.checkoutToken, order.id, event.occurredAt);
        tokens.add(order.checkoutToken);
        const cart = await deps.store.getCart(tenant, order.checkoutToken);
        if (cart?.customerId && cart.customerId !== customerId) await endCartJourney(tenant, cart.customerId, order.checkoutToken, deps);
      }
      // A purchase ends every cart reminder of this customer, whichever cart it came from.
      if (customerId) {
        for (const e of await deps.store.activeEnrolments(tenant, customerId, CART_JOURNEY)) tokens.add(e.key);
        for (const token of tokens) await endCartJourney(tenant, customerId, token, deps);
      }
      return 'order-recorded';
    }
    case 'customer.updated':
      return customerId ? 'customer-updated' : 'no-contact';
    case 'order.delivered':
    case 'payment.failed':
    case 'payment.succeeded':
      return 'recorded';
    default:
      return assertUnreachable(event);
  }
}

async function endCartJourney(tenant: string, customerId: string, token: string, deps: IngestDeps): Promise<void> {
  const ended = await deps.store.endEnrolment(tenant, customerId, CART_JOURNEY, token, 'goal-reached', 'order.placed', deps.clock.now().toISOString());
  if (!ended) return;
  const name = executionName(CART_JOURNEY, tenant, token);
  await deps.journeys.stop(CART_JOURNEY, name, 'order.placed');
  deps.log.info(LogCode.JourneyStopped, { journey: CART_JOURNEY, executionName: name, reason: 'order.placed' });
}

function tokenFrom(req: HttpRequest): string {
  const fromQuery = req.query?.['token'];
  if (fromQuery) return fromQuery;
  const form = new URLSearchParams(req.rawBody.toString('utf8'));
  return form.get('token') ?? '';
}

function html(status: number, body: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

/** GET only shows a page: mail scanners prefetch links, so a GET must never unsubscribe. */
async function unsubscribePage(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const token = tokenFrom(req);
  const check = verifyUnsubscribeToken(deps.config.unsubscribeSecret, token, deps.clock.now());
  if (!check.ok) return html(400, '<!doctype html><meta charset="utf-8"><p>Ten link jest nieważny lub wygasł. / This link is invalid or has expired.</p>');
  const safe = token.replace(/[^A-Za-z0-9._-]/g, '');
  return html(
    200,
    `<!doctype html><meta charset="utf-8"><title>Wypisz się / Unsubscribe</title>
<form method="post" action="unsubscribe?token=${safe}"><p>Czy na pewno chcesz wypisać się z wiadomości marketingowych? / Unsubscribe from marketing messages?</p>
<button type="submit">Wypisz mnie / Unsubscribe</button></form>`,
  );
}

/** RFC 8058 one-click: a POST withdraws marketing consent at once. */
async function unsubscribe(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const now = deps.clock.now();
  const check = verifyUnsubscribeToken(deps.config.unsubscribeSecret, tokenFrom(req), now);
  if (!check.ok) return problem(400, `unsubscribe token ${check.reason.replace('_', ' ')}`);
  const { t, c, ch } = check.payload;
  if (t !== deps.config.tenant) return problem(400, 'unsubscribe token is for another shop');
  await deps.store.recordConsent(t, c, ch, 'marketing', false, now.toISOString(), 'unsubscribe-link', `unsubscribe:${now.getTime()}`);
  return html(200, '<!doctype html><meta charset="utf-8"><p>Wypisano. Nie będziemy już wysyłać wiadomości marketingowych. / You are unsubscribed.</p>');
}
