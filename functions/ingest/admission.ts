import { LogCode } from '../shared/logger.ts';
import { MetricName, noMetrics } from '../shared/metrics.ts';
import { forTenant, type IngestDeps, type WebhookPlatform } from './deps.ts';
import { type HttpRequest, type HttpResponse, problem } from './http.ts';
import { rateLimiterFor } from './rate-limit.ts';
import { type Credential, keyed } from './credentials.ts';

/**
 * Admission, one way for every authenticated route: the credential that verified the request
 * names the shop; a request without one is refused with 401 and logged; every credential's
 * requests count against its rate limit, whatever the route.
 */

/**
 * A platform whose secret was never set is refused outright (fail closed), and says so in the log
 * and a metric the stack alarms on, so the operator learns what to set.
 */
export function secretUnset(platform: WebhookPlatform, secrets: readonly string[], deps: IngestDeps): HttpResponse | undefined {
  if (secrets.some((s) => s.trim() !== '')) return undefined;
  deps.log.warn(LogCode.WebhookSecretUnset, { route: platform, reason: 'secret-unset' });
  (deps.metrics ?? noMetrics).count(MetricName.WebhookSecretUnset, { platform });
  return problem(401, `the ${platform} webhook secret is not set on this installation`);
}

export function apiCredential(req: HttpRequest, deps: IngestDeps): Credential | undefined {
  const auth = req.headers['authorization'] ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  return keyed(deps.config.apiKeys, deps.config.tenant, token);
}

/**
 * Lets a request in: refused (401, logged) without a credential, otherwise scoped to the
 * credential's tenant and counted against its rate limit.
 */
export async function admit(
  credential: Credential | undefined,
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
async function rateLimited(credential: Credential, deps: IngestDeps): Promise<HttpResponse | undefined> {
  const limit = deps.config.rateLimitPerMinute ?? 1200;
  const now = deps.clock.now();
  const window = Math.floor(now.getTime() / 60_000);
  if (await rateLimiterFor(deps.store).take(`${credential.tenant}#${credential.id}`, window, limit)) return undefined;
  const retryAfter = String(60 - (Math.floor(now.getTime() / 1000) % 60));
  deps.log.warn(LogCode.IngestRejected, { reason: 'rate-limit', tenant: credential.tenant });
  return { status: 429, headers: { 'retry-after': retryAfter }, body: { error: `more than ${limit} requests a minute for this credential; retry after ${retryAfter} s` } };
}

/** The bearer-key routes (events, tasks, data-subject requests): the same admission as webhooks. */
export async function admitApi(req: HttpRequest, base: IngestDeps, route: string): Promise<{ deps: IngestDeps } | { response: HttpResponse }> {
  return admit(apiCredential(req, base), base, { route, reason: 'auth', message: API_KEY_REFUSED });
}

export const API_KEY_REFUSED = 'missing or wrong API key (Authorization: Bearer …)';
