import { endJourneys } from '../app/enrolment.ts';
import { WITHDRAWAL } from '../core/domain.ts';
import { shortHash } from '../shared/ids.ts';
import { verifyUnsubscribeToken } from '../shared/unsubscribe-token.ts';
import { forTenant, type IngestDeps } from './deps.ts';
import { type HttpRequest, type HttpResponse, html, problem } from './http.ts';

/** What customers open from a message: the unsubscribe confirmation, one-click unsubscribe, the survey. */

const INVALID_LINK = '<!doctype html><meta charset="utf-8"><p>Ten link jest nieważny lub wygasł. / This link is invalid or has expired.</p>';

function tokenFrom(req: HttpRequest): string {
  const fromQuery = req.query?.['token'];
  if (fromQuery) return fromQuery;
  const form = new URLSearchParams(req.rawBody.toString('utf8'));
  return form.get('token') ?? '';
}

/** The token a page link carries: in the query, or behind an SMS short link (`/u/{code}`). */
async function pageToken(req: HttpRequest, deps: IngestDeps): Promise<string> {
  const inQuery = tokenFrom(req);
  if (inQuery) return inQuery;
  const code = /^\/u\/([A-Za-z0-9_-]{8,32})\/?$/.exec(req.path)?.[1];
  return code ? ((await deps.store.getShortLink(code)) ?? '') : '';
}

/** GET only shows a page: mail scanners prefetch links, so a GET must never unsubscribe. */
export async function unsubscribePage(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const token = await pageToken(req, deps);
  const check = verifyUnsubscribeToken(deps.config.unsubscribeSecret, token, deps.clock.now());
  if (!check.ok) return html(400, INVALID_LINK);
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
export async function surveyPage(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const p = surveyParams(req);
  if (!verifyUnsubscribeToken(deps.config.unsubscribeSecret, p.token, deps.clock.now()).ok) return html(400, INVALID_LINK);
  const esc = (v: string) => encodeURIComponent(v);
  const buttons = Array.from({ length: 11 }, (_, n) => `<button name="score" value="${n}">${n}</button>`).join(' ');
  return html(
    200,
    `<!doctype html><meta charset="utf-8"><title>Ankieta / Survey</title><form method="post" action="/survey?token=${esc(p.token)}&j=${esc(p.journey)}&k=${esc(p.key)}">
<p>Jak bardzo prawdopodobne jest, że polecisz nas znajomym? / How likely are you to recommend us? (0-10)</p>${buttons}</form>`,
  );
}

export async function surveyAnswer(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
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
export async function unsubscribe(req: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const now = deps.clock.now();
  const check = verifyUnsubscribeToken(deps.config.unsubscribeSecret, tokenFrom(req), now);
  if (!check.ok) return problem(400, `unsubscribe token ${check.reason.replace('_', ' ')}`);
  // The tenant comes from the signed token.
  const { t, c, ch } = check.payload;
  await deps.store.recordConsent(t, c, ch, 'marketing', { ...WITHDRAWAL, at: now.toISOString(), source: 'unsubscribe-link', eventKey: `unsubscribe:${now.getTime()}` }, now);
  return html(200, '<!doctype html><meta charset="utf-8"><p>Wypisano. Nie będziemy już wysyłać wiadomości marketingowych. / You are unsubscribed.</p>');
}
