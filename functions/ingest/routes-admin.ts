import { customerNamed, eraseCustomers, type NamedCustomer } from '../app/privacy.ts';
import { LogCode } from '../shared/logger.ts';
import { admitApi } from './admission.ts';
import type { IngestDeps } from './deps.ts';
import { type HttpRequest, type HttpResponse, json, problem } from './http.ts';

/** Staff tasks and data-subject rights (RODO art. 15, 17): bearer key, rate-limited like every route. */

export async function listTasks(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'tasks');
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  return json(200, { tasks: await deps.store.listTasks(deps.config.tenant) });
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
