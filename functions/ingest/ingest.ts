import type { IngestDeps } from './deps.ts';
import { type HttpRequest, type HttpResponse, json, problem } from './http.ts';
import { codePoolStatus, loadCodePool } from './routes-codes.ts';
import { completeTask, customerDecisions, eraseRequest, exportCustomer, journeyStats, listTasks } from './routes-admin.ts';
import { preferencesChange, preferencesPage, unsubscribe, unsubscribePage } from './routes-pages.ts';
import { showSurvey, showWhy, surveyAnswer } from './routes-survey.ts';
import { dashboardRoute } from './dashboard/routes.ts';
import { eventApi, shopifyWebhook, stripeWebhook, wooWebhook } from './routes-platform.ts';

export type { IngestConfig, IngestDeps } from './deps.ts';

/** A path segment as sent (percent-encoded); a malformed one is kept as it came, and refused as an id. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** One entry point for every route, the same on Lambda and on the local server. */
export async function handleRequest(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const route = `${req.method.toUpperCase()} ${req.path.replace(/\/+$/, '') || '/'}`;
  if (route === 'GET /health') return json(200, { status: 'ok' });
  if (req.rawBody.length > deps.config.maxBodyBytes) return problem(413, `body larger than ${deps.config.maxBodyBytes} bytes`);
  if (req.path === '/dashboard' || req.path.startsWith('/dashboard/')) return dashboardRoute(req, deps);
  if (route === 'POST /v1/events') return eventApi(req, deps);
  if (route === 'POST /webhooks/shopify') return shopifyWebhook(req, deps);
  if (route === 'POST /webhooks/woocommerce') return wooWebhook(req, deps);
  if (route === 'POST /webhooks/stripe') return stripeWebhook(req, deps);
  if (route === 'GET /v1/tasks') return listTasks(req, deps);
  if (route === 'POST /v1/tasks/done') return completeTask(req, deps);
  if (route === 'GET /v1/customers/export') return exportCustomer(req, deps);
  if (route === 'GET /v1/customers/decisions') return customerDecisions(req, deps);
  if (route === 'POST /v1/customers/erase') return eraseRequest(req, deps);
  if (route === 'GET /v1/journeys/stats') return journeyStats(req, deps);
  const stats = /^GET \/v1\/journeys\/([^/]+)\/stats$/.exec(route);
  if (stats) return journeyStats(req, deps, decodePathPart(stats[1]!));
  const pool = /^(GET|POST) \/v1\/code-pools\/([^/]+)$/.exec(route);
  if (pool) return pool[1] === 'POST' ? loadCodePool(req, deps, decodePathPart(pool[2]!)) : codePoolStatus(req, deps, decodePathPart(pool[2]!));
  if (route === 'GET /survey') return showSurvey(req, deps);
  if (route === 'POST /survey') return surveyAnswer(req, deps);
  if (route === 'GET /preferences') return preferencesPage(req, deps);
  if (route === 'POST /preferences') return preferencesChange(req, deps);
  if (route === 'GET /why') return showWhy(req, deps);
  // SMS opt-out short link: the same confirmation page as e-mail.
  if (route === 'GET /unsubscribe' || (req.method.toUpperCase() === 'GET' && req.path.startsWith('/u/'))) return unsubscribePage(req, deps);
  if (route === 'POST /unsubscribe') return unsubscribe(req, deps);
  return problem(404, `no route ${route}`);
}
