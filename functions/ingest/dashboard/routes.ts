import { pickLocale, type Locale } from '../../../workflows/src/template-file.ts';
import { signFormNonce, verifyFormNonce } from '../../shared/form-nonce.ts';
import { LogCode } from '../../shared/logger.ts';
import { keyed, stillConfigured } from '../credentials.ts';
import { forTenant, type IngestDeps } from '../deps.ts';
import type { HttpRequest, HttpResponse } from '../http.ts';
import { problem } from '../http.ts';
import { brandFor, crossSite, params } from '../pages/context.ts';
import { dashboardApi } from './api.ts';
import type { DashboardAssets } from './assets.ts';
import { cookie, csrfToken, csrfValid, SESSION_COOKIE, SESSION_SECONDS, type StaffSession, sessionCookie, signSession, verifySession } from './session.ts';
import { appShell, type SignInNotice, signInPage } from './shell.ts';

/**
 * The marketer's dashboard at /dashboard, served by the ingest function like every other route:
 * sign-in with an API key of the shop (the key names the shop whose dashboard opens), a signed
 * session cookie, the client's script and stylesheet, and the JSON the client reads and changes
 * (api.ts), every change behind the session's CSRF token.
 */

/** Sign-in attempts per minute, the whole installation together: enough for people, too few to guess a key. */
export const SIGN_IN_PER_MINUTE = 30;

function localeOf(req: HttpRequest): Locale {
  const asked = params(req)('lang');
  return asked === 'en' || asked === 'pl' ? asked : pickLocale(req.headers['accept-language']);
}

/** The signed-in staff member's session and their shop's dependencies; undefined when signed out, expired, or the key is no longer configured. */
export function staffOf(req: HttpRequest, base: IngestDeps): { session: StaffSession; deps: IngestDeps } | undefined {
  const session = verifySession(base.config.unsubscribeSecret, cookie(req, SESSION_COOKIE), base.clock.now());
  if (!session || !stillConfigured(base.config.apiKeys, base.config.tenant, session.credential)) return undefined;
  return { session, deps: forTenant(base, session.credential.tenant) };
}

function asset(req: HttpRequest, assets: DashboardAssets, kind: 'js' | 'css'): HttpResponse {
  const versioned = params(req)('v') === assets.version;
  return {
    status: 200,
    headers: {
      'content-type': kind === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      'cache-control': versioned ? 'public, max-age=31536000, immutable' : 'no-cache',
      etag: `"${assets.version}"`,
      'x-content-type-options': 'nosniff',
    },
    body: kind === 'js' ? assets.js : assets.css,
  };
}

export async function dashboardRoute(req: HttpRequest, base: IngestDeps): Promise<HttpResponse> {
  const route = `${req.method.toUpperCase()} ${req.path.replace(/\/+$/, '')}`;
  const assets = await base.dashboardAssets?.();
  if (!assets) return problem(503, 'the dashboard is not built on this installation');
  if (route === 'GET /dashboard/app.js') return asset(req, assets, 'js');
  if (route === 'GET /dashboard/app.css') return asset(req, assets, 'css');
  if (route === 'POST /dashboard/sign-in') return signIn(req, base, assets);
  const staff = staffOf(req, base);
  if (route === 'GET /dashboard') {
    const locale = localeOf(req);
    if (!staff) return signInForm(req, base, assets, params(req)('signed-out') === '1' ? 'signedOut' : undefined, 200);
    const csrf = csrfToken(base.config.unsubscribeSecret, staff.session);
    return appShell({ locale, csrf, shopName: brandFor(base, staff.session.credential.tenant).name, assets });
  }
  if (route === 'POST /dashboard/sign-out') return signOut(req, base, staff);
  if (req.path.startsWith('/dashboard/api/')) {
    if (!staff) return problem(401, 'sign in at /dashboard first');
    return dashboardApi(req, staff.deps, staff.session);
  }
  return problem(404, `no route ${route}`);
}

function signInForm(req: HttpRequest, base: IngestDeps, assets: DashboardAssets, notice: SignInNotice | undefined, status: number): HttpResponse {
  const nonce = signFormNonce(base.config.unsubscribeSecret, 'staff-sign-in', '', base.clock.now());
  return signInPage(status, { locale: localeOf(req), nonce, assets, notice });
}

/**
 * A key of the shop signs in: the credential that matches it names the shop. The form carries a
 * nonce of this site and comes from this site, attempts are rate-limited, and a wrong key is
 * logged without anything of the key.
 */
async function signIn(req: HttpRequest, base: IngestDeps, assets: DashboardAssets): Promise<HttpResponse> {
  const get = params(req);
  const now = base.clock.now();
  if (crossSite(req) || !verifyFormNonce(base.config.unsubscribeSecret, 'staff-sign-in', '', get('nonce'), now).ok) {
    base.log.warn(LogCode.FormRefused, { form: 'staff-sign-in' });
    return signInForm(req, base, assets, 'expired', 403);
  }
  const window = Math.floor(now.getTime() / 60_000);
  if (!(await base.store.takeRate('staff-sign-in', window, SIGN_IN_PER_MINUTE))) return signInForm(req, base, assets, 'limited', 429);
  const credential = keyed(base.config.apiKeys, base.config.tenant, (get('key') ?? '').trim());
  if (!credential) {
    base.log.warn(LogCode.StaffSignInRefused, { reason: 'key' });
    return signInForm(req, base, assets, 'wrong', 401);
  }
  base.log.info(LogCode.StaffSignedIn, { tenant: credential.tenant, credential: credential.id });
  const value = signSession(base.config.unsubscribeSecret, credential, now);
  return { status: 303, headers: { location: `/dashboard?lang=${localeOf(req)}`, 'cache-control': 'no-store' }, cookies: [sessionCookie(value, SESSION_SECONDS)], body: '' };
}

/** Signing out is a change too: the session's CSRF token, from a form field or the header. */
function signOut(req: HttpRequest, base: IngestDeps, staff: { session: StaffSession } | undefined): HttpResponse {
  const given = req.headers['x-csrf-token'] ?? params(req)('csrf');
  if (staff && (crossSite(req) || !csrfValid(base.config.unsubscribeSecret, staff.session, given))) {
    base.log.warn(LogCode.FormRefused, { form: 'staff-sign-out' });
    return problem(403, 'missing or wrong CSRF token');
  }
  return { status: 303, headers: { location: '/dashboard?signed-out=1', 'cache-control': 'no-store' }, cookies: [sessionCookie('', 0)], body: '' };
}
