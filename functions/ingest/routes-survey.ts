import { endJourneys } from '../app/enrolment.ts';
import type { ConsentChannel, Decision } from '../core/model.ts';
import { signFormNonce, verifyFormNonce } from '../shared/form-nonce.ts';
import { shortHash } from '../shared/ids.ts';
import { LogCode } from '../shared/logger.ts';
import type { JourneyConfig } from '../../workflows/src/journey.ts';
import type { IngestDeps } from './deps.ts';
import type { HttpRequest, HttpResponse } from './http.ts';
import { crossSite, linksOf, type OpenedLink, openLink, params } from './pages/context.ts';
import { refusedPage, surveyPage, unknownSurveyPage, thanksPage, type WhyItem, whyPage } from './pages/views-other.ts';

/**
 * The surveys a follow-up message links to, NPS (0-10, "would you recommend us?") or, with `q=csat`,
 * CSAT (1-5, "how would you rate your shopping?"), their answers, and "why did I get this message?".
 */

/** A CSAT score at or under this is a dissatisfied customer, for a journey that follows up low scores. */
const LOW_CSAT_AT_MOST = 2;

function surveyParams(req: HttpRequest) {
  const get = params(req);
  const raw = get('score') ?? '';
  const question = get('q') === 'csat' ? ('csat' as const) : undefined;
  const valid = question === 'csat' ? /^[1-5]$/ : /^(10|\d)$/;
  return { token: get('token') ?? '', journey: get('j') ?? '', key: get('k') ?? '', question, nonce: get('nonce'), score: valid.test(raw) ? Number(raw) : undefined };
}

function unknownSurvey(link: OpenedLink, status: number): HttpResponse {
  return unknownSurveyPage(link.ctx, status);
}

function surveyForm(link: OpenedLink, p: { journey: string; key: string; question?: 'csat' }, error?: string): HttpResponse {
  const nonce = signFormNonce(link.deps.config.unsubscribeSecret, 'survey', link.token, link.deps.clock.now());
  const form = { token: link.token, j: p.journey, k: p.key, ...(p.question ? { q: p.question } : {}), lang: link.locale, nonce };
  return surveyPage(link.ctx, { action: '/survey', form, shopName: link.brand.name, question: p.question, error }, error ? 400 : 200);
}

/** GET shows the question (0-10, or 1-5 for CSAT); only the POST of a chosen score records anything. */
export async function showSurvey(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const p = surveyParams(req);
  const link = await openLink(req, base, p.token, '/survey', { j: p.journey, k: p.key, q: p.question });
  if ('response' in link) return link.response;
  if (!link.deps.journeys.some((j) => j.id === p.journey) || !p.key) return unknownSurvey(link, 404);
  return surveyForm(link, p);
}

export async function surveyAnswer(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const p = surveyParams(req);
  const link = await openLink(req, base, p.token, '/survey', { j: p.journey, k: p.key, q: p.question });
  if ('response' in link) return link.response;
  const { deps } = link;
  const now = deps.clock.now();
  const nonce = verifyFormNonce(deps.config.unsubscribeSecret, 'survey', link.token, p.nonce, now);
  if (crossSite(req) || !nonce.ok) {
    deps.log.warn(LogCode.FormRefused, { form: 'survey', reason: nonce.ok ? 'cross-site' : nonce.reason });
    return refusedPage(link.ctx, undefined);
  }
  if (p.score === undefined) return surveyForm(link, p, p.question === 'csat' ? link.ctx.text.csatInvalid : link.ctx.text.surveyInvalid);
  const journey = deps.journeys.find((j) => j.id === p.journey);
  const { t: tenant, c: customerId } = link.payload;
  const enrolment = journey && p.key ? await deps.store.getEnrolment(tenant, customerId, journey.id, p.key) : undefined;
  if (!journey || !enrolment) return unknownSurvey(link, 400);
  const at = now.toISOString();
  await deps.store.recordScore(tenant, customerId, { journey: journey.id, subject: p.key, score: p.score, at, ...(p.question ? { question: p.question } : {}) });
  const csat = p.question === 'csat';
  // A journey that follows up low NPS scores (`lowScoreAtMost`) follows up dissatisfied CSAT answers too.
  const low = journey.lowScoreAtMost !== undefined && p.score <= (csat ? LOW_CSAT_AT_MOST : journey.lowScoreAtMost);
  const scale = csat ? 5 : 10;
  if (low) {
    // A detractor gets a person, not more marketing.
    await deps.store.createTask(tenant, {
      id: shortHash(tenant, customerId, journey.id, p.key, 'low-score'),
      at,
      kind: 'follow-up',
      journey: journey.id,
      step: 'low-score',
      customerId,
      subject: `Niska ocena (${p.score}/${scale}) — skontaktuj się z klientem`,
      text: `Klient ${customerId} ocenił ${csat ? 'zakupy (zamówienie' : 'zamówienie'} ${p.key}${csat ? ')' : ''} na ${p.score}/${scale}. Zadzwoń lub napisz i zapytaj, co poszło nie tak.`,
      status: 'open',
      about: { kind: 'order', id: p.key },
    });
    await endJourneys('low-score', customerId, p.key, deps);
  }
  return thanksPage(link.ctx, { low, shopUrl: link.brand.url });
}

const RECENT_JOURNEYS = 3;
const RECENT_MESSAGES = 5;

/**
 * "Why did I get this message?": for the journey the link names (?j=), or the journeys of the
 * customer's latest messages, what it is for and on what basis it reached them (their consent on
 * that channel for marketing, the contract for service messages), with links to change it.
 */
export async function showWhy(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const get = params(req);
  const link = await openLink(req, base, get('token') ?? '', '/why', { j: get('j') });
  if ('response' in link) return link.response;
  const { deps, payload } = link;
  const sent = (await deps.store.listDecisions(payload.t, payload.c)).filter((d) => d.outcome === 'sent').sort((a, b) => b.at.localeCompare(a.at));
  const named = deps.journeys.find((j) => j.id === get('j'));
  const ids = named ? [named.id] : [...new Set(sent.map((d) => d.journey))].slice(0, RECENT_JOURNEYS);
  const journeys = ids.map((id) => deps.journeys.find((j) => j.id === id)).filter((j): j is JourneyConfig => j !== undefined);
  const items = await Promise.all(journeys.map((j) => explain(link, j, sent.filter((d) => d.journey === j.id))));
  const links = linksOf(link);
  return whyPage(link.ctx, { items, preferencesHref: links.preferences, unsubscribeHref: links.unsubscribe });
}

async function explain(link: OpenedLink, journey: JourneyConfig, sent: Decision[]): Promise<WhyItem> {
  const t = link.ctx.text;
  const latest = sent[0];
  const topic = latest?.topic ?? journey.topic;
  const channel: ConsentChannel = latest?.channel === 'sms' ? 'sms' : latest?.channel === 'email' ? 'email' : link.payload.ch;
  const basis: string[] = [];
  if (topic === 'marketing') {
    const consent = await link.deps.store.getConsent(link.payload.t, link.payload.c, channel, 'marketing');
    basis.push(t.basisConsent(channel, consent?.granted ? link.formatDate(consent.at) : undefined));
    if (!consent?.granted) basis.push(t.basisNoConsent);
  } else {
    basis.push(t.basisContract);
  }
  const messages = sent.slice(0, RECENT_MESSAGES).map((d) => ({
    date: link.formatDate(d.at),
    channel: t.channelName(d.channel === 'sms' ? 'sms' : 'email'),
    subject: d.channel === 'email' ? d.subject : undefined,
  }));
  return { purpose: t.purpose[journey.trigger] ?? t.purpose['other']!, basis, messages };
}
