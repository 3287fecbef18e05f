/**
 * An `id` or `*_id` key followed by a number: the only thing the reviver below changes. Without a
 * backslash in the text no key can be spelt with escapes and no string can hold a quote, so a text
 * this does not match parses the same without the reviver (and several times faster).
 */
const NUMERIC_ID = /"(?:id|[^"]*_id)"\s*:\s*-?\d/;

/**
 * JSON.parse that keeps identifiers exact: any `id`/`*_id` number is returned as the source
 * text, so a Shopify id above 2^53 (820982911946154508) survives instead of being rounded.
 * Uses the reviver's source-text access (Node 21+).
 */
export function parseJsonKeepingIds(text: string): unknown {
  if (!text.includes('\\') && !NUMERIC_ID.test(text)) return JSON.parse(text);
  return JSON.parse(text, function reviver(this: unknown, key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === 'number' && context?.source !== undefined && (key === 'id' || key.endsWith('_id'))) {
      return context.source;
    }
    return value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}
