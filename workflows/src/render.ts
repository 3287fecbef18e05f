import Handlebars from 'handlebars';
import { didYouMean } from './suggest.ts';
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

type HelperOptions = { loc?: { start: { line: number; column: number } } };

/** The position of a helper's call, from the options object Handlebars passes last. */
function at(args: unknown[]): { line: number; column: number } | undefined {
  const start = (args[args.length - 1] as HelperOptions | undefined)?.loc?.start;
  return start ? { line: start.line, column: start.column + 1 } : undefined;
}

function environment(locale: Locale): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('money', (...args: unknown[]) => {
    const [amount, currency] = args;
    // Called with one argument, Handlebars passes its options object where the currency belongs.
    if (typeof currency !== 'string') throw new TemplateValueError('{{money}} needs an amount and a currency code, as in {{money cart.total cart.currency}}', at(args));
    return formatMoney(scalar(amount, 'money', args) as string | number, currency, locale);
  });
  hb.registerHelper('plural', (...args: unknown[]) => {
    const [n, one, few, many] = args as [unknown, string, string, string];
    return pluralForm(Number(scalar(n, 'plural', args)), one, few, many, locale);
  });
  hb.registerHelper('date', (...args: unknown[]) => formatDate(String(scalar(args[0], 'date', args)), locale));
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

export type TemplateField = 'subject' | 'text' | 'html';

/** A template that cannot be rendered with the data given: which template, locale, field and why. */
export class TemplateRenderError extends Error {
  constructor(
    readonly template: string,
    readonly locale: Locale,
    readonly field: TemplateField,
    readonly reason: string,
    readonly position?: { line: number; column: number },
  ) {
    super(`template ${template} (${locale}.${field}${position ? ` line ${position.line}, column ${position.column}` : ''}): ${reason}`);
    this.name = 'TemplateRenderError';
  }
}

/** Raised by a helper for a value it cannot use; the renderer adds the template, locale and field. */
class TemplateValueError extends Error {
  constructor(
    message: string,
    readonly position?: { line: number; column: number },
  ) {
    super(message);
  }
}

/*
 * Objects and lists in the data render as a marker naming their path instead of "[object Object]":
 * a marker left in the output, or named in Handlebars' own "not defined in" message, becomes an
 * error that says which variable was an object and which fields it has.
 */
const MARK = '\uE000';
const MARKED = /\uE000([^\uE000]*)\uE000/;
type Shapes = Map<string, string[] | 'list'>;

function guard(value: unknown, path: string, shapes: Shapes): unknown {
  if (Array.isArray(value)) {
    shapes.set(path, 'list');
    return mark(value.map((v) => guard(v, `${path}[]`, shapes)), path);
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const fields = Object.keys(value);
    shapes.set(path, fields);
    const out: Record<string, unknown> = {};
    for (const k of fields) out[k] = guard((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k, shapes);
    return mark(out, path);
  }
  return value;
}

function mark<T extends object>(value: T, path: string): T {
  return Object.defineProperty(value, Symbol.toPrimitive, { value: () => `${MARK}${path}${MARK}`, enumerable: false });
}

function scalar(value: unknown, helper: string, args: unknown[]): unknown {
  const path = typeof value === 'string' || typeof value === 'object' ? MARKED.exec(String(value))?.[1] : undefined;
  if (path !== undefined || (value !== null && typeof value === 'object')) {
    throw new TemplateValueError(`{{${helper}}} was given ${path ? `{{${path}}}, which is not a single value` : 'an object'}`, at(args));
  }
  if (value === undefined || value === null || value === '') throw new TemplateValueError(`{{${helper}}} was given an empty value`, at(args));
  return value;
}

function describe(path: string, shapes: Shapes): string {
  const shape = shapes.get(path);
  if (shape === 'list') return `{{${path}}} is a list: go through it with {{#each ${path}}}…{{/each}}`;
  return `{{${path}}} is an object, not text: name one of its fields (${(shape ?? []).join(', ')})`;
}

function reasonFor(e: unknown, shapes: Shapes): string {
  const message = (e as Error).message.replace(/ - \d+:\d+$/, '');
  const missing = /^"([^"]+)" not defined in (.*)$/s.exec(message);
  if (missing?.[1] !== undefined && missing[2] !== undefined) {
    const parent = MARKED.exec(missing[2])?.[1] ?? '';
    const name = parent ? `${parent}.${missing[1]}` : missing[1];
    const fields = shapes.get(parent);
    return `{{${name}}} is not in the data${Array.isArray(fields) ? didYouMean(missing[1], fields) : ''}`;
  }
  const marked = MARKED.exec(message)?.[1];
  if (marked !== undefined) return describe(marked, shapes);
  return message;
}

function renderField(id: string, locale: Locale, field: TemplateField, source: string, data: unknown, shapes: Shapes, escapeHtml: boolean): string {
  let out: string;
  try {
    out = compile(source, locale, escapeHtml)(data);
  } catch (e) {
    const { lineNumber, column } = e as { lineNumber?: number; column?: number };
    const position = e instanceof TemplateValueError ? e.position : lineNumber === undefined ? undefined : { line: lineNumber, column: (column ?? 0) + 1 };
    throw new TemplateRenderError(id, locale, field, reasonFor(e, shapes), position);
  }
  const leaked = MARKED.exec(out)?.[1];
  if (leaked !== undefined) throw new TemplateRenderError(id, locale, field, describe(leaked, shapes));
  return out;
}

export function renderTemplate(id: string, file: TemplateFile, locale: Locale, data: Record<string, unknown>): RenderedMessage {
  const t: LocalizedTemplate = file[locale];
  const shapes: Shapes = new Map();
  const guarded = guard(data, '', shapes);
  const subject = t.subject === undefined ? undefined : renderField(id, locale, 'subject', t.subject, guarded, shapes, false).replace(/[ \t\r\n]+/g, ' ').trim();
  const text = renderField(id, locale, 'text', t.text, guarded, shapes, false);
  const html = t.html === undefined ? undefined : renderField(id, locale, 'html', t.html, guarded, shapes, true);
  return { ...(subject === undefined ? {} : { subject }), text, ...(html === undefined ? {} : { html }) };
}
