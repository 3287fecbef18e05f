import { journeysStats } from '../app/journey-stats.ts';
import { z } from 'zod';
import { customerNamed, eraseCustomers, type NamedCustomer } from '../app/privacy.ts';
import { markTaskDone } from '../app/tasks.ts';
import { LogCode } from '../shared/logger.ts';
import { COST_PRICES } from '../shared/prices.ts';
import { admitApi } from './admission.ts';
import type { IngestDeps } from './deps.ts';
import { type HttpRequest, type HttpResponse, json, parseBody, problem, zodDetails } from './http.ts';

/** Staff tasks, data-subject rights (RODO art. 15, 17) and journey stats: bearer key, rate-limited like every route. */

export async function listTasks(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'tasks');
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  return json(200, { tasks: await deps.store.listTasks(deps.config.tenant) });
}

/** A task as GET /v1/tasks lists it: its time and id. */
export const TaskRef = z.strictObject({ at: z.iso.datetime(), id: z.string().min(1).max(128) });

/** `POST /v1/tasks/done {"at", "id"}`: 200 when the open task is now done, 409 when it was not open. */
export async function completeTask(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'tasks');
  if ('response' in admitted) return admitted.response;
  return taskDone(req, admitted.deps);
}

/** Marks the task a request's body names done, for the API and the dashboard alike (each admits its caller first). */
export async function taskDone(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const ref = TaskRef.safeParse(body.value);
  if (!ref.success) return problem(400, 'name the task by its "at" and "id"', zodDetails(ref.error));
  const done = await markTaskDone(deps, deps.config.tenant, ref.data);
  return done === 'done' ? json(200, { status: 'done' }) : problem(409, 'no open task with this "at" and "id"');
}

/**
 * Who a data-subject request names: ?customerId=…, ?email=…, ?phone=… (or the same in a JSON body).
 * Undefined when it names no one; addresses are resolved through their references (functions/app/identity.ts).
 */
function namedIn(req: HttpRequest): NamedCustomer | undefined {
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
  const named: NamedCustomer = { customerId: id && /^c_[0-9a-f]{32}$/.test(id) ? id : undefined, email: pick('email') || undefined, phone: pick('phone') || undefined };
  return named.customerId || named.email || named.phone ? named : undefined;
}

export async function exportCustomer(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'export');
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const named = namedIn(req);
  const customerId = named && (await customerNamed(named, deps));
  if (!customerId) return problem(400, 'name the customer: customerId, email or phone');
  const data = await deps.store.exportCustomer(deps.config.tenant, customerId);
  deps.log.info(LogCode.CustomerExported, { customerId });
  return json(200, { exportedAt: deps.clock.now().toISOString(), ...data });
}

export async function customerDecisions(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'decisions');
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const named = namedIn(req);
  const customerId = named && (await customerNamed(named, deps));
  if (!customerId) return problem(400, 'name the customer: customerId, email or phone');
  return json(200, { customerId, decisions: await deps.store.listDecisions(deps.config.tenant, customerId) });
}

export async function eraseRequest(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'erase');
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const named = namedIn(req);
  if (!named) return problem(400, 'name the customer: customerId, email or phone');
  const { erased, stopped } = await eraseCustomers(named, deps);
  return json(200, { erased, stoppedJourneys: stopped });
}

/** A journey id as journey files spell it (workflows/src/journey.ts). */
const JOURNEY_ID = /^[a-z][a-z0-9-]{0,38}$/;

/** GET /v1/journeys/stats (every journey) and GET /v1/journeys/{id}/stats (one): the Stats JSON of the README. */
export async function journeyStats(req: HttpRequest, base: IngestDeps, journeyId?: string): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'stats');
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  if (journeyId !== undefined && !JOURNEY_ID.test(journeyId)) {
    return problem(400, 'the journey id is lower-case letters, digits and dashes, starting with a letter', [{ path: 'id', message: 'not a journey id' }]);
  }
  const stats = await journeysStats({ tenant: deps.config.tenant, store: deps.store, journeys: deps.journeys, prices: COST_PRICES, now: deps.clock.now() }, journeyId);
  if (!stats) return problem(404, `no journey "${journeyId}" on this installation`);
  return json(200, stats);
}
