import type { HttpRequest, HttpResponse } from '../functions/ingest/http.ts';
import { json, problem } from '../functions/ingest/http.ts';
import { API_KEY_REFUSED } from '../functions/ingest/admission.ts';
import { safeEqual } from '../functions/ingest/signatures.ts';
import type { Clock } from '../functions/shared/clock.ts';
import { type Log, LogCode } from '../functions/shared/logger.ts';
import { parseDurationSeconds } from '../workflows/src/duration.ts';
import { isVirtual } from './clock.ts';

/** The routes only the local stack has: the virtual clock and the replay of delivery feedback. */

/** The most one POST /_local/clock moves the clock: each simulated day runs the daily schedules. */
const MAX_ADVANCE_SECONDS = 366 * 86_400;

/** Whether `host` (a Host header) names this server by a loopback name, so no other site's name resolves to it. */
function isLoopbackHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/**
 * The guard in front of /_local/*: a browser page on another site must not be able to drive them.
 * Host must be this server's loopback name (no DNS rebinding), Origin, when sent, the same
 * origin, and a POST must be JSON (a form cannot send that without a CORS preflight, which this
 * server never grants). `apiKey`: a bearer key is required too.
 */
function refuseLocalRoute(req: HttpRequest, port: number, apiKey: string | undefined): HttpResponse | undefined {
  const host = req.headers['host'];
  if (!isLoopbackHost(host, port)) return problem(403, `/_local routes answer only at http://127.0.0.1:${port} or http://localhost:${port}`);
  const origin = req.headers['origin'];
  if (origin !== undefined && origin !== `http://${host}`) return problem(403, 'cross-site requests to /_local routes are refused');
  const method = req.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST') return { status: 405, headers: { allow: 'GET, POST' }, body: { error: `${method} is not allowed here` } };
  if (apiKey !== undefined) {
    const auth = req.headers['authorization'] ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    if (!token || !safeEqual(token, apiKey)) return problem(401, API_KEY_REFUSED);
  }
  if (method === 'POST' && (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    return problem(415, 'POST with Content-Type: application/json');
  }
  return undefined;
}

/** `?advance=` as seconds, or why not: an ISO-8601 duration of at most MAX_ADVANCE_SECONDS. */
function advanceSeconds(query: HttpRequest['query']): { seconds: number } | { error: HttpResponse } {
  const text = query?.['advance'] ?? 'PT0S';
  let seconds: number;
  try {
    seconds = parseDurationSeconds(text);
  } catch {
    return { error: problem(400, 'advance must be an ISO-8601 duration such as PT1H, P3D or P1DT12H', [{ path: 'advance', message: 'not a duration' }]) };
  }
  if (!(seconds <= MAX_ADVANCE_SECONDS)) return { error: problem(400, 'advance is at most P366D at a time; advance again for more', [{ path: 'advance', message: 'too long' }]) };
  return { seconds };
}

export interface LocalRouteDeps {
  port: number;
  clock: Clock;
  log: Log;
  /** The bearer key /_local/feedback requires: the default shop's API key. */
  feedbackKey: string;
  advance(to: Date): Promise<void>;
  /** Hands a feedback message to the feedback function as SNS would; its result. */
  feedback(message: string): Promise<unknown>;
}

/** A /_local route's answer, or undefined for every other path (the ingest's). */
export async function localRoute(req: HttpRequest, d: LocalRouteDeps): Promise<HttpResponse | undefined> {
    // Exists only under a virtual clock: elsewhere it is an unknown route, like on AWS.
    if (req.path === '/_local/clock' && isVirtual(d.clock)) {
      const refused = refuseLocalRoute(req, d.port, undefined);
      if (refused) {
        d.log.warn(LogCode.IngestRejected, { route: 'local-clock', reason: 'refused', status: refused.status });
        return refused;
      }
      if (req.method.toUpperCase() === 'POST') {
        const by = advanceSeconds(req.query);
        if ('error' in by) return by.error;
        await d.advance(new Date(d.clock.now().getTime() + by.seconds * 1000));
      }
      return json(200, { now: d.clock.now().toISOString() });
    }
    // Replays SES bounce/complaint events and inbound SMS, as the SNS topics deliver them on AWS.
    if (req.path === '/_local/feedback') {
      const refused = refuseLocalRoute(req, d.port, d.feedbackKey) ?? (req.method.toUpperCase() === 'POST' ? undefined : { status: 405, headers: { allow: 'POST' }, body: { error: 'POST a feedback event' } });
      if (refused) {
        d.log.warn(LogCode.IngestRejected, { route: 'local-feedback', reason: 'refused', status: refused.status });
        return refused;
      }
      const message = req.rawBody.toString('utf8');
      try {
        JSON.parse(message);
      } catch {
        return json(400, { error: 'body is not valid JSON' });
      }
      return json(200, await d.feedback(message));
    }
  return undefined;
}
