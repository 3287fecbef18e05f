import { type Locale, pickLocale } from '../../../workflows/src/template-file.ts';
import type { CustomerProfile } from '../../core/model.ts';
import { brandOf, type ShopBrand } from '../../shared/branding.ts';
import { dateTimeFormat } from '../../../workflows/src/intl.ts';
import { type UnsubscribePayload, verifyUnsubscribeToken } from '../../shared/unsubscribe-token.ts';
import { forTenant, type IngestDeps } from '../deps.ts';
import type { HttpRequest, HttpResponse } from '../http.ts';
import { type PageContext, pageContext } from './frame.ts';
import { invalidLinkPage } from './views-other.ts';

/** What every customer page starts from: the link's verified token, its shop, the customer and their language. */

const FALLBACK_BRAND: ShopBrand = { name: 'Sklep' };

export function brandFor(deps: IngestDeps, tenant: string): ShopBrand {
  return deps.config.branding ? brandOf(deps.config.branding, tenant) : FALLBACK_BRAND;
}

/** A form's fields (URL-encoded body) and the query, the query first. */
export function params(req: HttpRequest): (name: string) => string | undefined {
  const form = req.method.toUpperCase() === 'POST' ? new URLSearchParams(req.rawBody.toString('utf8')) : new URLSearchParams();
  return (name) => req.query?.[name] ?? form.get(name) ?? undefined;
}

/** The language asked for (?lang=), else the profile's, else the browser's, else Polish. */
export function localeOf(req: HttpRequest, profile: CustomerProfile | undefined): Locale {
  const asked = params(req)('lang');
  if (asked === 'pl' || asked === 'en') return asked;
  if (profile?.locale) return pickLocale(profile.locale);
  return pickLocale(req.headers['accept-language']);
}

/** A same-origin address with its query: what the pages link and post to. */
export function href(path: string, query: Record<string, string | undefined>): string {
  const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export interface OpenedLink {
  token: string;
  payload: UnsubscribePayload;
  deps: IngestDeps;
  brand: ShopBrand;
  profile?: CustomerProfile;
  locale: Locale;
  ctx: PageContext;
  formatDate: (iso: string) => string;
}

/**
 * Verifies the link's token and loads the customer it names, in the shop it names; a forged,
 * malformed or expired token gets the friendly "invalid link" page (400, in the browser's language).
 * `path` and `extra` make the link to the same page in the other language.
 */
export async function openLink(req: HttpRequest, base: IngestDeps, token: string, path: string, extra: Record<string, string | undefined> = {}): Promise<OpenedLink | { response: HttpResponse }> {
  const check = verifyUnsubscribeToken(base.config.unsubscribeSecret, token, base.clock.now());
  if (!check.ok) {
    const locale = localeOf(req, undefined);
    return { response: invalidLinkPage(pageContext(brandFor(base, base.config.tenant), locale)) };
  }
  const { t: tenant, c: customerId } = check.payload;
  const deps = forTenant(base, tenant);
  const profile = await deps.store.getCustomer(tenant, customerId);
  const locale = localeOf(req, profile);
  const brand = brandFor(deps, tenant);
  const other = locale === 'pl' ? 'en' : 'pl';
  const ctx = pageContext(brand, locale, href(path, { token, ...extra, lang: other }));
  const date = dateTimeFormat(locale === 'pl' ? 'pl-PL' : 'en-GB', { dateStyle: 'long', timeZone: profile?.timeZone ?? 'Europe/Warsaw' });
  return { token, payload: check.payload, deps, brand, profile, locale, ctx, formatDate: (iso) => date.format(new Date(iso)) };
}

/** The page links that carry the token on, in the page's language. */
export function linksOf(link: Pick<OpenedLink, 'token' | 'locale'>) {
  const q = { token: link.token, lang: link.locale };
  return { preferences: href('/preferences', q), why: href('/why', q), unsubscribe: href('/unsubscribe', q) };
}

/**
 * A form posted from another site: browsers say so in Sec-Fetch-Site. Same-origin posts and
 * requests without the header (older browsers, mail clients' one-click) pass to the nonce check.
 */
export function crossSite(req: HttpRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  return site !== undefined && site !== 'same-origin' && site !== 'none';
}
