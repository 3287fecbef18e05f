import Handlebars from 'handlebars';
import { bodyFromText, emailDocument, escapeHtml, shopColor } from './email-html.ts';
import { formatDate, formatMoney, greeting, multiplyAmount, pluralForm } from './format.ts';
import { didYouMean } from './suggest.ts';
import { polishVocative } from './vocative.ts';
import type { Locale, LocalizedTemplate, TemplateFile } from './template-file.ts';

export interface RenderedMessage {
  subject?: string;
  text: string;
  html?: string;
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
  // {{lineTotal price quantity currency}}: the line's total, so a line reads "2 × 49,90 zł = 99,80 zł".
  hb.registerHelper('lineTotal', (...args: unknown[]) => {
    const [price, quantity, currency] = args;
    if (typeof currency !== 'string') throw new TemplateValueError('{{lineTotal}} needs a price, a quantity and a currency code, as in {{lineTotal price quantity ../cart.currency}}', at(args));
    return formatMoney(multiplyAmount(scalar(price, 'lineTotal', args) as string, scalar(quantity, 'lineTotal', args) as number), currency, locale);
  });
  // {{vocative firstName}}: the name as Polish addresses a person ("Zofio"), empty when not known.
  hb.registerHelper('vocative', (...args: unknown[]) => {
    const name = typeof args[0] === 'string' ? args[0].trim() : '';
    return locale === 'pl' ? (polishVocative(name) ?? '') : name;
  });
  // {{greeting firstName}}: "Cześć, Zofio" / "Dzień dobry" / "Hi Zofia" / "Hello".
  hb.registerHelper('greeting', (...args: unknown[]) => greeting(args.length > 1 && typeof args[0] === 'string' ? args[0] : undefined, locale));
  return hb;
}

/**
 * Compiled templates by locale and escaping, then by source: the source strings are the template
 * files' own, so a lookup hashes each once, not a key built anew for every message.
 */
const cache = new Map<string, Map<string, HandlebarsTemplateDelegate>>();

function compile(source: string, locale: Locale, escapeHtml: boolean): HandlebarsTemplateDelegate {
  const setting = `${locale}\u0000${escapeHtml}`;
  let compiled = cache.get(setting);
  if (!compiled) {
    compiled = new Map();
    cache.set(setting, compiled);
  }
  let fn = compiled.get(source);
  if (!fn) {
    // strict: a variable the data lacks throws instead of rendering as an empty string.
    fn = environment(locale).compile(source, { strict: true, noEscape: !escapeHtml });
    compiled.set(source, fn);
  }
  return fn;
}

export type TemplateField = 'subject' | 'text' | 'html' | 'action.label' | 'action.url';

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

/**
 * Renders a template's fields for one locale. A template with a subject is an e-mail and gets an
 * HTML part: its own `html`, or its text laid out in the shop's frame, both with the action button.
 */
export function renderTemplate(id: string, file: TemplateFile, locale: Locale, data: Record<string, unknown>): RenderedMessage {
  const t: LocalizedTemplate = file[locale];
  const shapes: Shapes = new Map();
  const guarded = guard(data, '', shapes);
  const field = (name: TemplateField, source: string, asHtml = false) => renderField(id, locale, name, source, guarded, shapes, asHtml);
  const text = field('text', t.text);
  if (t.subject === undefined) return { text };
  const subject = field('subject', t.subject).replace(/[ \t\r\n]+/g, ' ').trim();
  const action = t.action ? { label: field('action.label', t.action.label).trim(), url: field('action.url', t.action.url).trim() } : undefined;
  // A link the platform did not give renders empty: no button then.
  const button = action && /^https?:\/\//.test(action.url) ? action : undefined;
  const shop = (data.shop ?? {}) as { name?: unknown; color?: unknown };
  const color = shopColor(shop.color);
  const optOut = typeof data.unsubscribeUrl === 'string' ? [data.unsubscribeUrl] : [];
  const content = t.html === undefined ? bodyFromText(text, button, optOut, color) : { body: field('html', t.html, true), footer: [] };
  // The page that says why this message came, where the sender gave one.
  const why = typeof data.whyUrl === 'string' && /^https?:\/\//.test(data.whyUrl) ? [`<a href="${escapeHtml(data.whyUrl)}" style="color:#4a4a4a">${locale === 'pl' ? 'Dlaczego dostajesz tę wiadomość?' : 'Why did you get this message?'}</a>`] : [];
  const html = emailDocument({ locale, title: subject, shopName: String(shop.name ?? ''), color }, content.body, [...content.footer, ...why]);
  return { subject, text, html };
}
