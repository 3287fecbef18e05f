import { z } from 'zod';
import { customerNamed, eraseCustomers } from '../../app/privacy.ts';
import { openTasks } from '../../app/tasks.ts';
import { Email, Phone } from '../../core/domain.ts';
import { normalisePhone } from '../../core/identity.ts';
import type { CustomerProfile } from '../../core/model.ts';
import { LogCode } from '../../shared/logger.ts';
import type { IngestDeps } from '../deps.ts';
import { type HttpRequest, type HttpResponse, json, parseBody, problem, zodDetails } from '../http.ts';
import { crossSite, params } from '../pages/context.ts';
import { taskDone } from '../routes-admin.ts';
import { journeyView } from './journey-view.ts';
import { csrfValid, type StaffSession } from './session.ts';
import { StatsReport } from './stats.ts';

/** What the dashboard's client reads and changes, as JSON, for the signed-in shop. */

const CUSTOMER_ID = /^c_[0-9a-f]{32}$/;

export async function dashboardApi(req: HttpRequest, deps: IngestDeps, session: StaffSession): Promise<HttpResponse> {
  const res = await answer(req, deps, session);
  // Customers' data: never kept by the browser or anything between.
  return { ...res, headers: { 'cache-control': 'no-store', ...res.headers } };
}

async function answer(req: HttpRequest, deps: IngestDeps, session: StaffSession): Promise<HttpResponse> {
  const route = `${req.method.toUpperCase()} ${req.path.replace(/\/+$/, '')}`;
  if (req.method.toUpperCase() === 'POST') {
    const refused = refuseChange(req, deps, session);
    if (refused) return refused;
  }
  switch (route) {
    case 'GET /dashboard/api/journeys':
      return journeys(deps);
    case 'GET /dashboard/api/customer':
      return findCustomer(req, deps);
    case 'GET /dashboard/api/customer/export':
      return exportData(req, deps);
    case 'POST /dashboard/api/customer/erase':
      return erase(req, deps);
    case 'GET /dashboard/api/tasks':
      return json(200, { tasks: await openTasks(deps, deps.config.tenant) });
    case 'POST /dashboard/api/tasks/done':
      return taskDone(req, deps);
    default:
      return problem(404, `no route ${route}`);
  }
}

/**
 * A change is JSON (a form on another site cannot send that without asking first, which this API
 * never allows), from this site, with the session's CSRF token in X-CSRF-Token.
 */
function refuseChange(req: HttpRequest, deps: IngestDeps, session: StaffSession): HttpResponse | undefined {
  const reason = crossSite(req)
    ? 'cross-site'
    : (req.headers['content-type'] ?? '').split(';')[0]!.trim() !== 'application/json'
      ? 'not-json'
      : !csrfValid(deps.config.unsubscribeSecret, session, req.headers['x-csrf-token'])
        ? 'csrf'
        : undefined;
  if (!reason) return undefined;
  deps.log.warn(LogCode.FormRefused, { form: 'dashboard', reason });
  return reason === 'not-json' ? problem(415, 'send changes as application/json') : problem(403, 'missing or wrong CSRF token (X-CSRF-Token)');
}

/** The journeys deployed and, when a source is wired, their statistics; none is an empty state, not an error. */
async function journeys(deps: IngestDeps): Promise<HttpResponse> {
  const views = deps.journeys.map(journeyView);
  // No source, or a source with no figures for this shop (StatsSource: undefined where none is deployed).
  const raw = deps.stats ? await deps.stats(deps.config.tenant) : undefined;
  if (raw === undefined) return json(200, { journeys: views, stats: null });
  const report = StatsReport.safeParse(raw);
  if (report.success) return json(200, { journeys: views, stats: report.data });
  return json(200, { journeys: views, stats: null, statsError: 'the statistics do not have the expected shape' });
}

/** Who `q` names: an e-mail address when it has an @, a phone number otherwise. */
function namedBy(q: string): { email: string } | { phone: string } | undefined {
  const parsed = q.includes('@') ? Email.safeParse(q) : Phone.safeParse(q);
  if (!parsed.success) return undefined;
  return q.includes('@') ? { email: parsed.data } : { phone: parsed.data };
}

async function findCustomer(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const named = namedBy((params(req)('q') ?? '').trim());
  if (!named) return problem(400, 'q must be an e-mail address or a phone number');
  const customerId = (await customerNamed(named, deps))!;
  const data = await deps.store.exportCustomer(deps.config.tenant, customerId);
  const known = data['profile'] || (data['consentLedger'] as unknown[] | undefined)?.length || (data['journeys'] as unknown[] | undefined)?.length;
  if (!known) return problem(404, 'no customer with this e-mail address or phone number');
  return json(200, { customerId, data });
}

async function exportData(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const id = params(req)('id') ?? '';
  if (!CUSTOMER_ID.test(id)) return problem(400, 'id must be a customer id (c_ and 32 hex digits)');
  const data = await deps.store.exportCustomer(deps.config.tenant, id);
  deps.log.info(LogCode.CustomerExported, { customerId: id, by: 'dashboard' });
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${id}.json"`, 'cache-control': 'no-store' },
    body: { exportedAt: deps.clock.now().toISOString(), ...data },
  };
}

const EraseRequest = z.strictObject({ customerId: z.string().regex(CUSTOMER_ID, 'must be a customer id'), confirm: z.string().min(1).max(320) });

/** The confirmation must repeat the customer's e-mail or phone (their id when neither is left). */
function confirms(profile: CustomerProfile | undefined, customerId: string, confirm: string): boolean {
  const given = confirm.trim();
  if (profile?.email && given.toLowerCase() === profile.email.toLowerCase()) return true;
  if (profile?.phone && /\d/.test(given) && normalisePhone(given) === profile.phone) return true;
  return !profile?.email && !profile?.phone && given === customerId;
}

async function erase(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const parsed = EraseRequest.safeParse(body.value);
  if (!parsed.success) return problem(400, 'erase needs customerId and confirm', zodDetails(parsed.error));
  const { customerId, confirm } = parsed.data;
  const profile = await deps.store.getCustomer(deps.config.tenant, customerId);
  if (!confirms(profile, customerId, confirm)) return problem(400, 'confirm must repeat the customer’s e-mail address or phone number');
  const { erased, stopped } = await eraseCustomers({ customerId, email: profile?.email, phone: profile?.phone }, deps);
  return json(200, { erased, stoppedJourneys: stopped });
}

