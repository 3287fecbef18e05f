import { escapeHtml as e } from '../../../workflows/src/email-html.ts';
import type { Locale } from '../../../workflows/src/template-file.ts';
import type { HttpResponse } from '../http.ts';
import type { DashboardAssets } from './assets.ts';

/**
 * The two HTML documents of the dashboard: the sign-in form (server-rendered, no script) and the
 * shell the client renders into. Both load only this site's stylesheet and script.
 */

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function dashboardHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': DASHBOARD_CSP,
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  };
}

const TEXT = {
  pl: {
    title: 'Panel Koszyka — logowanie',
    heading: 'Zaloguj się do panelu',
    label: 'Klucz dostępu',
    hint: 'Ten sam klucz API, którym sklep wywołuje Koszyk (sekret z kluczami API). Klucz sklepu otwiera panel tego sklepu.',
    button: 'Zaloguj się',
    wrong: 'Ten klucz jest nieprawidłowy.',
    limited: 'Zbyt wiele prób logowania. Spróbuj ponownie za minutę.',
    expired: 'Formularz wygasł albo został wysłany z innej strony. Spróbuj jeszcze raz.',
    signedOut: 'Wylogowano.',
    other: { label: 'English', lang: 'en' },
    noscript: 'Panel wymaga JavaScriptu.',
    appTitle: 'Panel Koszyka',
  },
  en: {
    title: 'Koszyk dashboard — sign in',
    heading: 'Sign in to the dashboard',
    label: 'Access key',
    hint: 'The API key your shop calls Koszyk with (from the API keys secret). A shop’s key opens that shop’s dashboard.',
    button: 'Sign in',
    wrong: 'That key is not valid.',
    limited: 'Too many sign-in attempts. Try again in a minute.',
    expired: 'The form has expired or was sent from another site. Please try again.',
    signedOut: 'You are signed out.',
    other: { label: 'Polski', lang: 'pl' },
    noscript: 'The dashboard needs JavaScript.',
    appTitle: 'Koszyk dashboard',
  },
} as const;

export type SignInNotice = 'wrong' | 'limited' | 'expired' | 'signedOut';

export function signInPage(status: number, o: { locale: Locale; nonce: string; assets: DashboardAssets; notice?: SignInNotice }): HttpResponse {
  const t = TEXT[o.locale];
  const notice = o.notice
    ? `<p class="${o.notice === 'signedOut' ? 'notice' : 'notice error'}" role="${o.notice === 'signedOut' ? 'status' : 'alert'}">${e(t[o.notice])}</p>`
    : '';
  const body = `<main class="sign-in"><h1>${e(t.heading)}</h1>${notice}
<form method="post" action="/dashboard/sign-in">
<input type="hidden" name="nonce" value="${e(o.nonce)}"><input type="hidden" name="lang" value="${o.locale}">
<label for="key">${e(t.label)}</label>
<input id="key" name="key" type="password" autocomplete="current-password" required aria-describedby="key-hint"${o.notice === 'wrong' ? ' aria-invalid="true"' : ''} autofocus>
<p id="key-hint" class="hint">${e(t.hint)}</p>
<button type="submit">${e(t.button)}</button></form>
<p><a href="/dashboard?lang=${t.other.lang}" lang="${t.other.lang}">${t.other.label}</a></p></main>`;
  return { status, headers: dashboardHeaders('text/html; charset=utf-8'), body: document(o.locale, t.title, o.assets, body, false) };
}

export function appShell(o: { locale: Locale; csrf: string; shopName: string; assets: DashboardAssets }): HttpResponse {
  const t = TEXT[o.locale];
  const meta = `<meta name="koszyk-csrf" content="${e(o.csrf)}"><meta name="koszyk-shop" content="${e(o.shopName)}">`;
  const body = `<div id="app"><noscript>${e(t.noscript)}</noscript></div>`;
  return { status: 200, headers: dashboardHeaders('text/html; charset=utf-8'), body: document(o.locale, t.appTitle, o.assets, body, true, meta) };
}

function document(locale: Locale, title: string, assets: DashboardAssets, body: string, script: boolean, meta = ''): string {
  return [
    '<!doctype html>',
    `<html lang="${locale}">`,
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">${meta}`,
    `<title>${e(title)}</title><link rel="stylesheet" href="/dashboard/app.css?v=${assets.version}"></head>`,
    `<body>${body}${script ? `<script type="module" src="/dashboard/app.js?v=${assets.version}"></script>` : ''}</body></html>`,
  ].join('\n');
}
