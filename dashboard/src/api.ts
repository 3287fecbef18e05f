import type { JourneyStats } from '../../functions/core/stats-types.ts';
import type { JourneyView } from '../../functions/ingest/dashboard/journey-view.ts';

/** The dashboard's calls to its own server: same origin, the session cookie, the CSRF token on changes. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
}

export const session = { csrf: meta('koszyk-csrf'), shop: meta('koszyk-shop') };

async function answer<T>(res: Response): Promise<T> {
  // A session that ended (expired, the key removed) sends the browser back to sign in.
  if (res.status === 401) {
    window.location.assign('/dashboard');
    throw new ApiError(401, 'signed out');
  }
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? res.statusText);
  return body;
}

export async function getJson<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': session.csrf },
      body: JSON.stringify(body),
    }),
  );
}

/** The shapes the server sends (functions/ingest/dashboard): its own descriptions, types only. */
export type { GraphEdge, GraphNode, JourneyView } from '../../functions/ingest/dashboard/journey-view.ts';
/** The statistics, as GET /v1/journeys/stats gives them: one description, core's (types only, nothing of it is bundled). */
export type { CsatStats, EdgeStats, ExperimentStats as Experiment, JourneyStats, NodeStats, NpsStats, RevenueDifference, VersionStats } from '../../functions/core/stats-types.ts';
export interface JourneysAnswer {
  journeys: JourneyView[];
  stats: { generatedAt: string; journeys: JourneyStats[] } | null;
  statsError?: string;
}

export interface Task {
  id: string;
  at: string;
  kind: string;
  journey: string;
  step: string;
  customerId: string;
  subject: string;
  text: string;
  customer: { firstName?: string; phone?: string; email?: string };
  subjectOf?: { kind: 'order' | 'invoice'; id: string; amount?: string; currency?: string };
}

export type Row = Record<string, unknown>;

export interface CustomerAnswer {
  customerId: string;
  data: {
    profile?: { firstName?: string; email?: string; phone?: string; locale?: string };
    consents?: Row[];
    consentLedger?: Row[];
    orders?: Row[];
    carts?: Row[];
    invoices?: Row[];
    journeys?: Row[];
    messages?: Row[];
    surveyAnswers?: Row[];
    staffTasks?: Row[];
  };
}
