import { changePreferences, preferencesOf, requestRights, withdrawEverything } from '../app/preferences.ts';
import { UNSUBSCRIBE_LINK } from '../core/consent.ts';
import { WITHDRAWAL } from '../core/domain.ts';
import { verifyFormNonce, signFormNonce } from '../shared/form-nonce.ts';
import { LogCode } from '../shared/logger.ts';
import { verifyUnsubscribeToken } from '../shared/unsubscribe-token.ts';
import type { IngestDeps } from './deps.ts';
import { type HttpRequest, type HttpResponse, problem } from './http.ts';
import { crossSite, href, linksOf, localeOf, type OpenedLink, openLink, params, brandFor } from './pages/context.ts';
import { pageContext } from './pages/frame.ts';
import { invalidLinkPage, refusedPage } from './pages/views-other.ts';
import { preferencesPage as preferencesView, unsubscribeConfirmPage, unsubscribedPage } from './pages/views-consent.ts';

/**
 * What customers open from a message: the unsubscribe confirmation and the RFC 8058 one-click
 * unsubscribe, and the preference centre. The survey and "why did I get this?" are in routes-survey.ts.
 */

/** The token a page link carries: in the query, or behind an SMS short link (`/u/{code}`). */
async function pageToken(req: HttpRequest, deps: IngestDeps): Promise<string> {
  const inQuery = params(req)('token');
  if (inQuery) return inQuery;
  const code = /^\/u\/([A-Za-z0-9_-]{8,32})\/?$/.exec(req.path)?.[1];
  return code ? ((await deps.store.getShortLink(code)) ?? '') : '';
}

function addressOn(link: OpenedLink): string | undefined {
  return link.payload.ch === 'email' ? link.profile?.email : link.profile?.phone;
}

/** GET only shows a page: mail scanners prefetch links, so a GET must never unsubscribe. */
export async function unsubscribePage(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const link = await openLink(req, base, await pageToken(req, base), '/unsubscribe');
  if ('response' in link) return link.response;
  const action = href('/unsubscribe', { token: link.token, lang: link.locale });
  return unsubscribeConfirmPage(link.ctx, { channel: link.payload.ch, address: addressOn(link), action, links: linksOf(link) });
}

/**
 * RFC 8058 one-click: a POST withdraws marketing consent on the link's channel at once, with the
 * signed token alone (a mail client sends no more). The answer is a page for the person who
 * pressed the button; a failure is JSON for a mail client, a page for a browser.
 */
export async function unsubscribe(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const now = base.clock.now();
  const token = params(req)('token') ?? '';
  const check = verifyUnsubscribeToken(base.config.unsubscribeSecret, token, now);
  if (!check.ok) {
    if ((req.headers['accept'] ?? '').includes('text/html')) return invalidLinkPage(pageContext(brandFor(base, base.config.tenant), localeOf(req, undefined)));
    return problem(400, `unsubscribe token ${check.reason.replace('_', ' ')}`);
  }
  // The tenant comes from the signed token.
  const { t, c, ch } = check.payload;
  await base.store.recordConsent(t, c, ch, 'marketing', { ...WITHDRAWAL, at: now.toISOString(), source: UNSUBSCRIBE_LINK, eventKey: `unsubscribe:${now.getTime()}` }, now);
  const link = await openLink(req, base, token, '/preferences');
  if ('response' in link) return link.response;
  return unsubscribedPage(link.ctx, { preferences: linksOf(link).preferences, why: linksOf(link).why });
}

const STATUSES = ['saved', 'withdrawn', 'requested'] as const;

/** The preference centre: marketing per channel, service messages explained, the privacy notice. */
export async function preferencesPage(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const get = params(req);
  const link = await openLink(req, base, get('token') ?? '', '/preferences');
  if ('response' in link) return link.response;
  const { deps, payload, token, locale } = link;
  const prefs = await preferencesOf(deps, payload.t, payload.c);
  const done = STATUSES.find((s) => s === get('done'));
  const nonce = signFormNonce(deps.config.unsubscribeSecret, 'preferences', token, deps.clock.now());
  return preferencesView(
    link.ctx,
    { channels: prefs.channels, form: { token, nonce, lang: locale }, action: '/preferences', status: done, whyHref: linksOf(link).why, formatDate: link.formatDate },
    link.brand.name,
    link.brand.privacyEmail,
  );
}

const ACTIONS = ['save', 'withdraw-all', 'request-export', 'request-erasure'] as const;
type Action = (typeof ACTIONS)[number];

/**
 * A change from the preference centre: the link's signed token and a nonce the page issued for
 * it (core of the CSRF protection), posted from this site. Then the page again, with what was done
 * (Post/Redirect/Get, so a reload does not send the form twice).
 */
export async function preferencesChange(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const get = params(req);
  const link = await openLink(req, base, get('token') ?? '', '/preferences');
  if ('response' in link) return link.response;
  const { deps, token, locale } = link;
  const nonce = verifyFormNonce(deps.config.unsubscribeSecret, 'preferences', token, get('nonce'), deps.clock.now());
  if (crossSite(req) || !nonce.ok) {
    deps.log.warn(LogCode.FormRefused, { form: 'preferences', reason: nonce.ok ? 'cross-site' : nonce.reason });
    return refusedPage(link.ctx, linksOf(link).preferences);
  }
  const action = ACTIONS.find((a) => a === get('action'));
  if (!action) return problem(400, `action must be one of ${ACTIONS.join(', ')}`);
  const done = await apply(action, link, (name) => get(name) === 'on');
  return { status: 303, headers: { location: href('/preferences', { token, lang: locale, done }), 'cache-control': 'no-store' }, body: '' };
}

async function apply(action: Action, link: OpenedLink, ticked: (name: string) => boolean): Promise<(typeof STATUSES)[number]> {
  const { deps, payload } = link;
  switch (action) {
    case 'save':
      await changePreferences(deps, payload.t, payload.c, { email: ticked('email'), sms: ticked('sms') });
      return 'saved';
    case 'withdraw-all':
      await withdrawEverything(deps, payload.t, payload.c);
      return 'withdrawn';
    case 'request-export':
    case 'request-erasure':
      await requestRights(deps, payload.t, payload.c, action === 'request-export' ? 'export' : 'erasure');
      return 'requested';
  }
}
