import { createHash } from 'node:crypto';
import { escapeHtml } from '../../../workflows/src/email-html.ts';
import type { Locale } from '../../../workflows/src/template-file.ts';
import { accentOf, type ShopBrand } from '../../shared/branding.ts';
import type { HttpResponse } from '../http.ts';
import { type PageText, textFor } from './text.ts';

/**
 * The frame of every page a customer opens from a message: the shop's name, logo and colour, a
 * phone-first layout, one stylesheet inline and no script at all. The Content-Security-Policy
 * allows exactly that stylesheet (by its hash), the logo's origin and forms posting back here;
 * the token in the address is kept from other sites by Referrer-Policy: no-referrer.
 */

export interface PageContext {
  brand: ShopBrand;
  locale: Locale;
  text: PageText;
  /** The address of this page in the other language (the token kept), when it has one. */
  otherLanguageHref?: string;
}

export function pageContext(brand: ShopBrand, locale: Locale, otherLanguageHref?: string): PageContext {
  return { brand, locale, text: textFor(locale), otherLanguageHref };
}

function stylesheet(accent: string): string {
  return [
    `:root{--accent:${accent}}`,
    '*{box-sizing:border-box}',
    'html{-webkit-text-size-adjust:100%}',
    'body{margin:0;background:#f4f4f2;color:#1f1f1f;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}',
    'header{background:#fff;border-bottom:4px solid var(--accent)}',
    '.bar,main,footer{max-width:40rem;margin:0 auto;padding:12px 16px}',
    '.bar{display:flex;align-items:center;justify-content:space-between;gap:12px}',
    '.shop{font-weight:700;font-size:1.125rem;color:#1f1f1f;text-decoration:none}',
    '.shop img{display:block;max-height:40px;max-width:180px}',
    '.card{background:#fff;border-radius:8px;padding:20px;margin:0 0 16px;box-shadow:0 1px 2px rgba(0,0,0,.12)}',
    'h1{font-size:1.5rem;line-height:1.25;margin:0 0 12px}',
    'h2{font-size:1.125rem;margin:0 0 8px}',
    'p{margin:0 0 12px}',
    'a{color:var(--accent);text-underline-offset:2px}',
    '.muted{color:#555}',
    'button{font:inherit;font-weight:600;min-height:44px;padding:10px 20px;border-radius:6px;border:2px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}',
    'button.secondary{background:#fff;color:var(--accent)}',
    'a:focus-visible,button:focus-visible,input:focus-visible,summary:focus-visible{outline:3px solid var(--accent);outline-offset:2px}',
    'fieldset{border:0;padding:0;margin:0 0 16px}',
    'legend{font-weight:700;padding:0;margin:0 0 4px}',
    '.choice{display:flex;gap:12px;align-items:flex-start;padding:12px;border:1px solid #8a8a85;border-radius:6px;margin:0 0 8px}',
    '.choice input{width:22px;height:22px;margin:2px 0 0;flex:none;accent-color:var(--accent)}',
    '.scale{display:grid;grid-template-columns:repeat(6,1fr);gap:8px;margin:8px 0 12px}',
    '.scale button{padding:10px 0;font-size:1.125rem}',
    '@media (min-width:560px){.scale{grid-template-columns:repeat(11,1fr)}}',
    '.scale.csat{grid-template-columns:repeat(5,1fr)}',
    '.status{border-left:4px solid var(--accent);background:#eef3f1;padding:10px 12px;margin:0 0 16px}',
    '.actions{display:flex;flex-wrap:wrap;gap:8px 16px;margin:0 0 12px}',
    '.card>:last-child{margin-bottom:0}',
    'ul{padding-left:1.25rem;margin:0 0 12px}',
    'summary{cursor:pointer;font-weight:700}',
    'footer{color:#555;font-size:.875rem}',
  ].join('\n');
}

/** The logo's origin, the only one the page loads anything from. */
function logoOrigin(brand: ShopBrand): string | undefined {
  if (!brand.logoUrl) return undefined;
  try {
    return new URL(brand.logoUrl).origin;
  } catch {
    return undefined;
  }
}

export function securityHeaders(style: string, imageOrigin: string | undefined): Record<string, string> {
  const styleHash = createHash('sha256').update(style).digest('base64');
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    imageOrigin ? `img-src ${imageOrigin}` : undefined,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].filter(Boolean);
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': csp.join('; '),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  };
}

/** A whole page: `body` is HTML already escaped by the view. */
export function page(status: number, ctx: PageContext, title: string, body: string): HttpResponse {
  const { brand, text } = ctx;
  const style = stylesheet(accentOf(brand));
  const shop = escapeHtml(brand.name);
  const logo = logoOrigin(brand) ? `<img src="${escapeHtml(brand.logoUrl!)}" alt="${shop}">` : shop;
  const home = brand.url ? `<a class="shop" href="${escapeHtml(brand.url)}">${logo}</a>` : `<span class="shop">${logo}</span>`;
  const other = ctx.otherLanguageHref
    ? `<a href="${escapeHtml(ctx.otherLanguageHref)}" lang="${text.otherLanguage.lang}" hreflang="${text.otherLanguage.lang}">${text.otherLanguage.label}</a>`
    : '';
  const html = [
    '<!doctype html>',
    `<html lang="${text.lang}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)} · ${shop}</title>`,
    `<style>${style}</style></head>`,
    `<body><header><div class="bar">${home}${other}</div></header>`,
    `<main>${body}</main>`,
    `<footer><p>${escapeHtml(text.controller(brand.name))}</p></footer>`,
    '</body></html>',
  ].join('\n');
  return { status, headers: securityHeaders(style, logoOrigin(brand)), body: html };
}
