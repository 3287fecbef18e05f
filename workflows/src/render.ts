import Handlebars from 'handlebars';
import type { Locale, LocalizedTemplate, TemplateFile } from './template-file.ts';

export interface RenderedMessage {
  subject?: string;
  text: string;
  html?: string;
}

const INTL_LOCALE: Record<Locale, string> = { pl: 'pl-PL', en: 'en-GB' };

/** Amounts arrive as decimal strings ("199.00"); never as floats from a platform. */
export function formatMoney(amount: string | number, currency: string, locale: Locale): string {
  if (amount === undefined || amount === null || amount === '') throw new TypeError('money: the amount is missing');
  const value = typeof amount === 'number' ? amount : Number(amount);
  if (!Number.isFinite(value)) throw new TypeError(`money: "${amount}" is not an amount`);
  return new Intl.NumberFormat(INTL_LOCALE[locale], { style: 'currency', currency }).format(value);
}

/** Polish has three plural forms: 1 produkt, 2-4 produkty, 5+ (and 12-14) produktów. */
export function pluralForm(n: number, one: string, few: string, many: string, locale: Locale): string {
  const rule = new Intl.PluralRules(INTL_LOCALE[locale]).select(n);
  return rule === 'one' ? one : rule === 'few' ? few : many;
}

export function formatDate(iso: string, locale: Locale, timeZone = 'Europe/Warsaw'): string {
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'long', timeZone }).format(new Date(iso));
}

function environment(locale: Locale): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('money', (amount: string | number, currency: string) => formatMoney(amount, currency, locale));
  hb.registerHelper('plural', (n: number, one: string, few: string, many: string) =>
    pluralForm(n, one, few, many, locale),
  );
  hb.registerHelper('date', (iso: string) => formatDate(iso, locale));
  return hb;
}

const cache = new Map<string, HandlebarsTemplateDelegate>();

function compile(source: string, locale: Locale, escapeHtml: boolean): HandlebarsTemplateDelegate {
  const key = `${locale}\u0000${escapeHtml}\u0000${source}`;
  let fn = cache.get(key);
  if (!fn) {
    // strict: a variable the data lacks throws instead of rendering as an empty string.
    fn = environment(locale).compile(source, { strict: true, noEscape: !escapeHtml });
    cache.set(key, fn);
  }
  return fn;
}

export class TemplateRenderError extends Error {
  constructor(
    readonly template: string,
    readonly locale: Locale,
    cause: unknown,
  ) {
    super(`template ${template} (${locale}): ${(cause as Error).message}`);
    this.name = 'TemplateRenderError';
  }
}

export function renderTemplate(
  id: string,
  file: TemplateFile,
  locale: Locale,
  data: Record<string, unknown>,
): RenderedMessage {
  const t: LocalizedTemplate = file[locale];
  try {
    const subject = t.subject === undefined ? undefined : compile(t.subject, locale, false)(data).replace(/[ \t\r\n]+/g, ' ').trim();
    const text = compile(t.text, locale, false)(data);
    const html = t.html === undefined ? undefined : compile(t.html, locale, true)(data);
    return { ...(subject === undefined ? {} : { subject }), text, ...(html === undefined ? {} : { html }) };
  } catch (e) {
    throw new TemplateRenderError(id, locale, e);
  }
}
