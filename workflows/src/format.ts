import type { Locale } from './template-file.ts';
import { polishVocative } from './vocative.ts';
import { dateTimeFormat, numberFormat, pluralRules } from './intl.ts';

/** What templates format with: money, plural forms, dates and greetings, per locale. */
export const INTL_LOCALE: Record<Locale, string> = { pl: 'pl-PL', en: 'en-GB' };

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Amounts arrive as decimal strings ("199.00"); never as floats from a platform. */
export function formatMoney(amount: string | number, currency: string, locale: Locale): string {
  if (amount === undefined || amount === null || amount === '') throw new TypeError('money: the amount is missing');
  const value = typeof amount === 'number' ? amount : Number(amount);
  if (!Number.isFinite(value)) throw new TypeError(`money: "${amount}" is not an amount`);
  // A decimal string is formatted as written, without a trip through a float.
  const exact = typeof amount === 'string' && DECIMAL.test(amount) ? (amount as `${number}`) : value;
  return numberFormat(INTL_LOCALE[locale], { style: 'currency', currency }).format(exact);
}

/** unit price × quantity, exactly, as a decimal string ("49.90" × 3 = "149.70"). */
export function multiplyAmount(price: string | number, quantity: string | number): string {
  const text = String(price);
  if (!DECIMAL.test(text)) throw new TypeError(`lineTotal: "${text}" is not an amount`);
  const n = Number(quantity);
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`lineTotal: "${quantity}" is not a quantity`);
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const scaled = BigInt(whole + fraction) * BigInt(n) * (text.startsWith('-') ? -1n : 1n);
  const digits = (scaled < 0n ? -scaled : scaled).toString().padStart(fraction.length + 1, '0');
  const sign = scaled < 0n ? '-' : '';
  return fraction.length === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -fraction.length)}.${digits.slice(-fraction.length)}`;
}

/** Polish has three plural forms: 1 produkt, 2-4 produkty, 5+ (and 12-14) produktów. */
export function pluralForm(n: number, one: string, few: string, many: string, locale: Locale): string {
  const rule = pluralRules(INTL_LOCALE[locale]).select(n);
  return rule === 'one' ? one : rule === 'few' ? few : many;
}

export function formatDate(iso: string, locale: Locale, timeZone = 'Europe/Warsaw'): string {
  return dateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'long', timeZone }).format(new Date(iso));
}

/**
 * The opening of a message: "Cześć, Zofio" (the vocative, as Polish addresses people) or
 * "Dzień dobry" when the name's vocative is not known; "Hi Zofia" or "Hello" in English.
 * Templates add the punctuation that follows.
 */
export function greeting(firstName: string | undefined, locale: Locale): string {
  const name = (firstName ?? '').trim();
  if (locale === 'en') return name ? `Hi ${name}` : 'Hello';
  const vocative = name ? polishVocative(name) : undefined;
  return vocative ? `Cześć, ${vocative}` : 'Dzień dobry';
}
