import { z } from 'zod';
import { PoolName } from '../../workflows/src/nodes.ts';
import { LogCode } from '../shared/logger.ts';
import { admitApi } from './admission.ts';
import type { IngestDeps } from './deps.ts';
import { type HttpRequest, type HttpResponse, json, parseBody, problem, zodDetails } from './http.ts';

/** Codes one request may load: a pool grows by loads of this size, each a few transactions. */
export const MAX_CODES_PER_LOAD = 1000;

/** A discount code as shops make them: letters, digits, dashes and underscores, 3 to 64. */
export const DiscountCode = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/, 'a code is 3 to 64 letters, digits, dashes or underscores, starting with a letter or digit');

/** `POST /v1/code-pools/{pool}`'s body. */
export const CodeLoad = z.strictObject({ codes: z.array(DiscountCode).min(1, 'give at least one code').max(MAX_CODES_PER_LOAD, `at most ${MAX_CODES_PER_LOAD} codes a request`) });
export type CodeLoad = z.infer<typeof CodeLoad>;

function poolIn(pool: string): { ok: true; pool: string } | { ok: false; response: HttpResponse } {
  const parsed = PoolName.safeParse(pool);
  return parsed.success ? { ok: true, pool: parsed.data } : { ok: false, response: problem(400, 'not a pool name', [{ path: 'pool', message: parsed.error.issues[0]!.message }]) };
}

/**
 * `POST /v1/code-pools/{pool} {"codes": ["…", …]}`: adds the shop's unique codes at the end of the
 * pool, for journeys' `code` nodes to give out one per enrolment. A code the pool held before
 * (given out or not) is counted as a duplicate and not added again, so a load sent twice adds
 * nothing the second time. Answers the counts and what is left.
 */
export async function loadCodePool(req: HttpRequest, base: IngestDeps, pool: string): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'code-pools');
  if ('response' in admitted) return admitted.response;
  const { deps } = admitted;
  const name = poolIn(pool);
  if (!name.ok) return name.response;
  const body = parseBody(req);
  if (!body.ok) return body.response;
  const load = CodeLoad.safeParse(body.value);
  if (!load.success) return problem(400, 'the body is {"codes": [...]}, each code 3 to 64 letters, digits, dashes or underscores', zodDetails(load.error));
  const { added, duplicates } = await deps.store.loadCodes(deps.config.tenant, name.pool, load.data.codes, deps.clock.now().toISOString());
  deps.log.info(LogCode.CodesLoaded, { pool: name.pool, added, duplicates });
  return json(200, { pool: name.pool, added, duplicates, ...(await deps.store.codePool(deps.config.tenant, name.pool)) });
}

/** `GET /v1/code-pools/{pool}`: how many codes were loaded, given out and are left (a pool never loaded: all zero). */
export async function codePoolStatus(req: HttpRequest, base: IngestDeps, pool: string): Promise<HttpResponse> {
  const admitted = await admitApi(req, base, 'code-pools');
  if ('response' in admitted) return admitted.response;
  const name = poolIn(pool);
  if (!name.ok) return name.response;
  return json(200, { pool: name.pool, ...(await admitted.deps.store.codePool(admitted.deps.config.tenant, name.pool)) });
}
