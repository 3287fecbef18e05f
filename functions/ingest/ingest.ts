import type { z } from 'zod';
import type { Clock } from '../shared/clock.ts';
import { assertUnreachable, type DomainEvent } from '../core/domain.ts';
import { customerIdFor, shortHash } from '../shared/ids.ts';
import { parseJsonKeepingIds } from '../shared/json.ts';
import type { JourneyRunner } from '../app/ports.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import { MetricName, type Metrics, noMetrics } from '../shared/metrics.ts';
import type { StateStore } from '../app/ports.ts';
import type { CustomerProfile } from '../core/model.ts';
import { verifyUnsubscribeToken } from '../shared/unsubscribe-token.ts';
import type { JourneyConfig } from '../../workflows/src/journey.ts';
import { type EnrolDeps, endJourneys, enrol } from '../app/enrolment.ts';
import type { SendingHours } from '../../workflows/src/quiet-hours.ts';
import { ApiEvent, mapApiEvent } from './events-api.ts';
import { type HttpRequest, type HttpResponse, json, problem } from './http.ts';
import { isShopifyTopic, mapShopify, ShopifyPrivacyRequest } from './shopify.ts';
import { eraseCustomer } from '../app/privacy.ts';
import { matchBase64Hmac, parseCredential, safeEqual } from './signatures.ts';
import { rateLimiterFor } from './rate-limit.ts';
import { mapStripe, verifyStripe } from './stripe.ts';
import { mapWooOrder } from './woocommerce.ts';

export interface IngestConfig {
  tenant: string;
  apiKeys: readonly string[];
  shopifySecrets: readonly string[];
  wooSecrets: readonly string[];
  stripeSecrets: readonly string[];
  unsubscribeSecret: string;
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
  /** Requests per minute per credential (API key, webhook secret). @default 1200 */
  rateLimitPerMinute?: number;
  sendingHours?: SendingHours;
}

export interface IngestDeps {
  config: IngestConfig;
  store: StateStore;
  /** The journey files, for their triggers and exits. */
  journeys: readonly JourneyConfig[];
  runner: JourneyRunner;
  clock: Clock;
  log: Log;
  /** Counts journey starts and ends and refusals for want of a secret. @default none */
  metrics?: Metrics;
  observe?: EnrolDeps['observe'];
}

export type WebhookPlatform = 'shopify' | 'woocommerce' | 'stripe';

/**
 * A platform whose secret was never set is refused outright (fail closed), and says so in the log
 * and a metric the stack alarms on, so the operator learns what to set.
 */
function secretUnset(platform: WebhookPlatform, secrets: readonly string[], deps: IngestDeps): HttpResponse | undefined {
  if (secrets.some((s) => s.trim() !== '')) return undefined;
  deps.log.warn(LogCode.WebhookSecretUnset, { route: platform, reason: 'secret-unset' });
  (deps.metrics ?? noMetrics).count(MetricName.WebhookSecretUnset, { platform });
  return problem(401, `the ${platform} webhook secret is not set on this installation`);
}

/** One entry point for every route, the same on Lambda and on the local server. */
export async function handleRequest(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const route = `${req.method.toUpperCase()} ${req.path.replace(/\/+$/, '') || '/'}`;
  if (route === 'GET /health') return json(200, { status: 'ok' });
  if (req.rawBody.length > deps.config.maxBodyBytes) return problem(413, `body larger than ${deps.config.maxBodyBytes} bytes`);
  if (route === 'POST /v1/events') return eventApi(req, deps);
  if (route === 'POST /webhooks/shopify') return shopifyWebhook(req, deps);
  if (route === 'POST /webhooks/woocommerce') return wooWebhook(req, deps);
  if (route === 'POST /webhooks/stripe') return stripeWebhook(req, deps);
  if (route === 'GET /v1/tasks') return listTasks(req, deps);
  if (route === 'GET /v1/customers/export') return exportCustomer(req, deps);
  if (route === 'GET /v1/customers/decisions') return customerDecisions(req, deps);
  if (route === 'POST /v1/customers/erase') return eraseRequest(req, deps);
  if (route === 'GET /survey') return surveyPage(req, deps);
  if (route === 'POST /survey') return surveyAnswer(req, deps);
  // SMS opt-out short link: the same confirmation page as e-mail.
  if (route === 'GET /unsubscribe' || (req.method.toUpperCase() === 'GET' && req.path.startsWith('/u/'))) return unsubscribePage(req, deps);
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

/** Which tenant's credential this is, as configured (`tenant::secret` or the default tenant). */
function credentialOf(entries: readonly string[], matches: (secret: string) => boolean, deps: IngestDeps): { tenant: string; id: string } | undefined {
  for (const entry of entries) {
    const { tenant, secret } = parseCredential(entry, deps.config.tenant);
    if (secret && matches(secret)) return { tenant, id: shortHash(entry).slice(0, 16) };
  }
  return undefined;
}

function apiCredential(req: HttpRequest, deps: IngestDeps): { tenant: string; id: string } | undefined {
  const auth = req.headers['authorization'] ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  if (!token) return undefined;
  return credentialOf(deps.config.apiKeys, (k) => safeEqual(k, token), deps);
}

/** The dependencies of the tenant whose API key this request carries, if any. */
function apiDeps(req: HttpRequest, base: IngestDeps): IngestDeps | undefined {
  const credential = apiCredential(req, base);
  return credential ? forTenant(base, credential.tenant) : undefined;
}

/** The same dependencies, scoped to the tenant whose credential verified the request. */
function forTenant(deps: IngestDeps, tenant: string): IngestDeps {
  return tenant === deps.config.tenant ? deps : { ...deps, config: { ...deps.config, tenant } };
}

/**
 * Lets a request in: refused (401, logged) without a credential, otherwise scoped to the
 * credential's tenant and counted against its rate limit.
 */
async function admit(
  credential: { tenant: string; id: string } | undefined,
  base: IngestDeps,
  refusal: { route: string; reason: string; message: string },
): Promise<{ deps: IngestDeps } | { response: HttpResponse }> {
  if (!credential) {
    base.log.warn(LogCode.IngestRejected, { route: refusal.route, reason: refusal.reason });
    return { response: problem(401, refusal.message) };
  }
  const deps = forTenant(base, credential.tenant);
  const limited = await rateLimited(credential, deps);
  return limited ? { response: limited } : { deps };
}

/** Fixed-window rate limit per credential; a flood gets 429 with Retry-After, never a 5xx. */
async function rateLimited(credential: { tenant: string; id: string }, deps: IngestDeps): Promise<HttpResponse | undefined> {
  const limit = deps.config.rateLimitPerMinute ?? 1200;
  const now = deps.clock.now();
  const window = Math.floor(now.getTime() / 60_000);
  if (await rateLimiterFor(deps.store).take(`${credential.tenant}#${credential.id}`, window, limit)) return undefined;
  const retryAfter = String(60 - (Math.floor(now.getTime() / 1000) % 60));
  deps.log.warn(LogCode.IngestRejected, { reason: 'rate-limit', tenant: credential.tenant });
  return { status: 429, headers: { 'retry-after': retryAfter }, body: { error: `more than ${limit} requests a minute for this credential; retry after ${retryAfter} s` } };
}

async function listTasks(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const deps = apiDeps(req, base);
  if (!deps) return problem(401, 'missing or wrong API key (Authorization: Bearer …)');
  return json(200, { tasks: await deps.store.listTasks(deps.config.tenant) });
}

/** The customer a data-subject request names: ?customerId=… or ?email=… (or the same in a JSON body). */
function subjectOf(req: HttpRequest, deps: IngestDeps): string | undefined {
  let body: Record<string, unknown> = {};
  if (req.rawBody.length > 0) {
    try {
      body = JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>;
    } catch {
      body = {};
    }
  }
  const pick = (k: string) => req.query?.[k] ?? (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  const id = pick('customerId');
  if (id && /^c_[0-9a-f]{32}$/.test(id)) return id;
  const email = pick('email');
  const phone = pick('phone');
  return customerIdFor(deps.config.tenant, { email, phone }) ?? undefined;
}

async function exportCustomer(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const deps = apiDeps(req, base);
  if (!deps) return problem(401, 'missing or wrong API key (Authorization: Bearer …)');
  const customerId = subjectOf(req, deps);
  if (!customerId) return problem(400, 'name the customer: customerId, email or phone');
  const data = await deps.store.exportCustomer(deps.config.tenant, customerId);
  deps.log.info(LogCode.CustomerExported, { customerId });
  return json(200, { exportedAt: deps.clock.now().toISOString(), ...data });
}

async function customerDecisions(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const deps = apiDeps(req, base);
  if (!deps) return problem(401, 'missing or wrong API key (Authorization: Bearer …)');
  const customerId = subjectOf(req, deps);
  if (!customerId) return problem(400, 'name the customer: customerId, email or phone');
  return json(200, { customerId, decisions: await deps.store.listDecisions(deps.config.tenant, customerId) });
}

async function eraseRequest(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const deps = apiDeps(req, base);
  if (!deps) return problem(401, 'missing or wrong API key (Authorization: Bearer …)');
  const customerId = subjectOf(req, deps);
  if (!customerId) return problem(400, 'name the customer: customerId, email or phone');
  const { stopped } = await eraseCustomer(customerId, deps);
  return json(200, { erased: customerId, stoppedJourneys: stopped });
}

async function eventApi(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const admitted = await admit(apiCredential(req, base), base, { route: 'events', reason: 'auth', message: 'missing or wrong API key (Authorization: Bearer …)' });
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const parsed = ApiEvent.safeParse(body.value);
  if (!parsed.success) {
    deps.log.warn(LogCode.IngestRejected, { route: 'events', reason: 'invalid' });
    return problem(400, 'event does not match the schema', zodDetails(parsed.error));
  }
  return accept([mapApiEvent(parsed.data)], deps);
}

async function shopifyWebhook(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const unset = secretUnset('shopify', base.config.shopifySecrets, base);
  if (unset) return unset;
  const header = req.headers['x-shopify-hmac-sha256'];
  const credential = credentialOf(base.config.shopifySecrets, (secret) => matchBase64Hmac(req.rawBody, header, [secret]) !== undefined, base);
  // X-Shopify-Shop-Domain is not trusted: the secret that verified names the shop.
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
  const { customer } = parsed.data;
  const customerId = customerIdFor(deps.config.tenant, { email: customer.email ?? undefined, phone: customer.phone ?? undefined });
  if (!customerId) return json(200, { status: 'ignored', reason: 'no e-mail or phone to find the customer by' });
  if (topic === 'customers/redact') {
    const { stopped } = await eraseCustomer(customerId, deps);
    return json(200, { status: 'erased', stoppedJourneys: stopped });
  }
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

async function wooWebhook(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const signature = req.headers['x-wc-webhook-signature'];
  // WooCommerce's activation ping is unsigned and form-encoded: webhook_id=N. Answer 200 or it never activates.
  if (!signature && /^webhook_id=\d+$/.test(req.rawBody.toString('utf8').trim())) return json(200, { status: 'ping' });
  const unset = secretUnset('woocommerce', base.config.wooSecrets, base);
  if (unset) return unset;
  const credential = credentialOf(base.config.wooSecrets, (secret) => matchBase64Hmac(req.rawBody, signature, [secret]) !== undefined, base);
  const admitted = await admit(credential, base, { route: 'woocommerce', reason: 'signature', message: 'X-WC-Webhook-Signature does not match the body' });
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const topic = req.headers['x-wc-webhook-topic'] ?? '';
  if (topic !== 'order.created' && topic !== 'order.updated') return json(200, { status: 'ignored', reason: `topic "${topic}" is not used by any journey` });
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const mapped = mapWooOrder(body.value, deps.clock.now().toISOString());
  if ('ignored' in mapped) return json(200, { status: 'ignored', reason: mapped.ignored });
  if ('error' in mapped) return problem(400, `${topic} payload does not match the expected shape`, zodDetails(mapped.error));
  return accept(mapped.events, deps);
}

async function stripeWebhook(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const unset = secretUnset('stripe', base.config.stripeSecrets, base);
  if (unset) return unset;
  const secrets = base.config.stripeSecrets.map((e) => parseCredential(e, base.config.tenant).secret);
  const check = verifyStripe(req.rawBody, req.headers['stripe-signature'], secrets, base.clock.now());
  const credential = check.ok ? credentialOf(base.config.stripeSecrets, (secret) => secret === check.secret, base) : undefined;
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

/** Records contact details and consent; returns the profile as stored (undefined when a newer one is on file). */
async function applyContact(event: DomainEvent, customerId: string, deps: IngestDeps): Promise<CustomerProfile | undefined> {
  const { tenant } = deps.config;
  const consent = event.customer.consent;
  const source = `${event.source}:${event.type}`;
  // Independent items: written side by side.
  const [profile] = await Promise.all([
    deps.store.upsertCustomer(tenant, customerId, event.customer, event.occurredAt),
    consent?.emailMarketing !== undefined
      ? deps.store.recordConsent(tenant, customerId, 'email', 'marketing', consent.emailMarketing, event.occurredAt, source, event.key)
      : undefined,
    consent?.smsMarketing !== undefined && event.customer.phone
      ? deps.store.recordConsent(tenant, customerId, 'sms', 'marketing', consent.smsMarketing, event.occurredAt, source, event.key)
      : undefined,
  ]);
  return profile;
}

/** Applies one new event to customer state and to the journeys it starts or ends. */
export async function apply(event: DomainEvent, deps: IngestDeps): Promise<string> {
  const { tenant } = deps.config;
  const byPhoneOnly = !event.customer.email && event.customer.phone ? await deps.store.findByPhone(tenant, event.customer.phone) : undefined;
  const customerId = byPhoneOnly ?? customerIdFor(tenant, event.customer);
  // The profile just written also plans the first sends (time zone), with no second read.
  const profile = customerId ? await applyContact(event, customerId, deps) : undefined;
  switch (event.type) {
    case 'checkout.updated': {
      const { checkout } = event;
      if (checkout.completed) {
        await deps.store.markCartOrdered(tenant, checkout.token, 'completed-checkout', event.occurredAt);
        if (customerId) await endJourneys('order.placed', customerId, checkout.token, deps);
        return 'checkout-completed';
      }
      const stored = await deps.store.putCart(tenant, customerId ?? undefined, checkout, event.occurredAt);
      if (stored === 'ordered') return 'already-ordered';
      if (!customerId) return 'no-contact';
      return (await enrol('checkout', customerId, checkout.token, event.occurredAt, deps, profile)) > 0 ? 'journey-started' : 'cart-updated';
    }
    case 'order.placed': {
      const { order } = event;
      if (order.checkoutToken) {
        await deps.store.markCartOrdered(tenant, order.checkoutToken, order.id, event.occurredAt);
        const cart = await deps.store.getCart(tenant, order.checkoutToken);
        if (cart?.customerId && cart.customerId !== customerId) await endJourneys('order.placed', cart.customerId, order.checkoutToken, deps);
      }
      if (!customerId) return 'no-contact';
      await deps.store.putOrder(tenant, customerId, order, event.occurredAt);
      await endJourneys('order.placed', customerId, order.checkoutToken, deps);
      const existing = await deps.store.getOrder(tenant, customerId, order.id);
      if (existing?.status !== 'placed') return 'order-closed';
      await enrol('order.placed', customerId, order.id, event.occurredAt, deps, profile);
      return 'order-recorded';
    }
    case 'order.delivered': {
      if (!customerId) return 'no-contact';
      const existing = await deps.store.getOrder(tenant, customerId, event.order.id);
      if (existing?.status === 'cancelled' || existing?.status === 'refunded') return 'order-closed';
      await enrol('order.delivered', customerId, event.order.id, event.occurredAt, deps, profile);
      return 'delivery-recorded';
    }
    case 'order.cancelled':
    case 'order.refunded': {
      const owner = customerId ?? (await deps.store.findOrderOwner(tenant, event.order.id));
      if (!owner) return 'unknown-order';
      await deps.store.markOrder(tenant, owner, event.order.id, event.type === 'order.cancelled' ? 'cancelled' : 'refunded', event.occurredAt);
      await endJourneys(event.type, owner, event.order.id, deps);
      return 'order-closed';
    }
    case 'payment.failed': {
      const { payment } = event;
      const state = await deps.store.recordInvoiceFailure(
        tenant,
        { invoiceId: payment.invoiceId, customerId: customerId ?? undefined, amount: payment.amount, currency: payment.currency, hostedUrl: payment.payUrl },
        event.occurredAt,
      );
      if (state === 'paid') return 'already-paid';
      if (!customerId) return 'no-contact';
      return (await enrol('payment.failed', customerId, payment.invoiceId, event.occurredAt, deps, profile)) > 0 ? 'journey-started' : 'payment-failure-recorded';
    }
    case 'payment.succeeded': {
      await deps.store.markInvoicePaid(tenant, event.payment.invoiceId, event.occurredAt);
      const invoice = await deps.store.getInvoice(tenant, event.payment.invoiceId);
      const owner = invoice?.customerId ?? customerId;
      if (owner) await endJourneys('payment.succeeded', owner, event.payment.invoiceId, deps);
      return 'payment-recorded';
    }
    case 'customer.updated':
      return customerId ? 'customer-updated' : 'no-contact';
    default:
      return assertUnreachable(event);
  }
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

/** The token a page link carries: in the query, or behind an SMS short link (`/u/{code}`). */
async function pageToken(req: HttpRequest, deps: IngestDeps): Promise<string> {
  const inQuery = tokenFrom(req);
  if (inQuery) return inQuery;
  const code = /^\/u\/([A-Za-z0-9_-]{8,32})\/?$/.exec(req.path)?.[1];
  return code ? ((await deps.store.getShortLink(code)) ?? '') : '';
}

/** GET only shows a page: mail scanners prefetch links, so a GET must never unsubscribe. */
async function unsubscribePage(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const token = await pageToken(req, deps);
  const check = verifyUnsubscribeToken(deps.config.unsubscribeSecret, token, deps.clock.now());
  if (!check.ok) return html(400, '<!doctype html><meta charset="utf-8"><p>Ten link jest nieważny lub wygasł. / This link is invalid or has expired.</p>');
  const safe = token.replace(/[^A-Za-z0-9._-]/g, '');
  return html(
    200,
    `<!doctype html><meta charset="utf-8"><title>Wypisz się / Unsubscribe</title>
<form method="post" action="/unsubscribe?token=${safe}"><p>Czy na pewno chcesz wypisać się z wiadomości marketingowych? / Unsubscribe from marketing messages?</p>
<button type="submit">Wypisz mnie / Unsubscribe</button></form>`,
  );
}

function surveyParams(req: HttpRequest): { token: string; journey: string; key: string; score?: number } {
  const form = new URLSearchParams(req.rawBody.toString('utf8'));
  const get = (k: string) => req.query?.[k] ?? form.get(k) ?? '';
  const raw = get('score');
  return { token: get('token'), journey: get('j'), key: get('k'), score: /^(10|\d)$/.test(raw) ? Number(raw) : undefined };
}

/** GET shows the 0-10 question; only the POST of a chosen score records anything. */
async function surveyPage(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const p = surveyParams(req);
  if (!verifyUnsubscribeToken(deps.config.unsubscribeSecret, p.token, deps.clock.now()).ok) return html(400, '<!doctype html><meta charset="utf-8"><p>Ten link jest nieważny lub wygasł. / This link is invalid or has expired.</p>');
  const esc = (v: string) => encodeURIComponent(v);
  const buttons = Array.from({ length: 11 }, (_, n) => `<button name="score" value="${n}">${n}</button>`).join(' ');
  return html(
    200,
    `<!doctype html><meta charset="utf-8"><title>Ankieta / Survey</title><form method="post" action="/survey?token=${esc(p.token)}&j=${esc(p.journey)}&k=${esc(p.key)}">
<p>Jak bardzo prawdopodobne jest, że polecisz nas znajomym? / How likely are you to recommend us? (0-10)</p>${buttons}</form>`,
  );
}

async function surveyAnswer(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const p = surveyParams(req);
  const now = deps.clock.now();
  const check = verifyUnsubscribeToken(deps.config.unsubscribeSecret, p.token, now);
  if (!check.ok) return problem(400, `survey token ${check.reason.replace('_', ' ')}`);
  if (p.score === undefined) return problem(400, 'score must be a whole number from 0 to 10');
  const journey = deps.journeys.find((j) => j.id === p.journey);
  if (!journey || !p.key) return problem(400, 'unknown survey');
  const { t: tenant, c: customerId } = check.payload;
  deps = forTenant(deps, tenant);
  const enrolment = await deps.store.getEnrolment(tenant, customerId, journey.id, p.key);
  if (!enrolment) return problem(400, 'unknown survey');
  const at = now.toISOString();
  await deps.store.recordScore(tenant, customerId, { journey: journey.id, subject: p.key, score: p.score, at });
  if (journey.lowScoreAtMost !== undefined && p.score <= journey.lowScoreAtMost) {
    // A detractor gets a person, not more marketing.
    await deps.store.createTask(tenant, {
      id: shortHash(tenant, customerId, journey.id, p.key, 'low-score'),
      at,
      kind: 'follow-up',
      journey: journey.id,
      step: 'low-score',
      customerId,
      subject: `Niska ocena (${p.score}/10) — skontaktuj się z klientem`,
      text: `Klient ${customerId} ocenił zamówienie ${p.key} na ${p.score}/10. Zadzwoń lub napisz i zapytaj, co poszło nie tak.`,
      status: 'open',
    });
    await endJourneys('low-score', customerId, p.key, deps);
  }
  return html(200, '<!doctype html><meta charset="utf-8"><p>Dziękujemy za odpowiedź! / Thank you!</p>');
}

/** RFC 8058 one-click: a POST withdraws marketing consent at once. */
async function unsubscribe(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const now = deps.clock.now();
  const check = verifyUnsubscribeToken(deps.config.unsubscribeSecret, tokenFrom(req), now);
  if (!check.ok) return problem(400, `unsubscribe token ${check.reason.replace('_', ' ')}`);
  // The tenant comes from the signed token.
  const { t, c, ch } = check.payload;
  await deps.store.recordConsent(t, c, ch, 'marketing', false, now.toISOString(), 'unsubscribe-link', `unsubscribe:${now.getTime()}`);
  return html(200, '<!doctype html><meta charset="utf-8"><p>Wypisano. Nie będziemy już wysyłać wiadomości marketingowych. / You are unsubscribed.</p>');
}
