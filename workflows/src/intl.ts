/**
 * Intl formatters, built once per locale and options. Building one loads locale and time-zone data
 * and costs far more than formatting with it; a formatter never changes once built, so one per set
 * of options serves every call. The options come from a closed set (the locales, the time zones
 * and currencies a profile or an amount may name), and the cache is emptied past a bound all the same.
 */
const MAX_FORMATTERS = 1000;
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.PluralRules>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.PluralRules>(key: string, make: () => T): T {
  let f = formatters.get(key) as T | undefined;
  if (!f) {
    f = make();
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached(`d\u0000${locale}\u0000${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
}

export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cached(`n\u0000${locale}\u0000${JSON.stringify(options)}`, () => new Intl.NumberFormat(locale, options));
}

export function pluralRules(locale: string): Intl.PluralRules {
  return cached(`p\u0000${locale}`, () => new Intl.PluralRules(locale));
}
