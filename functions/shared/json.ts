/**
 * JSON.parse that keeps identifiers exact: any `id`/`*_id` number is returned as the source
 * text, so a Shopify id above 2^53 (820982911946154508) survives instead of being rounded.
 * Uses the reviver's source-text access (Node 21+).
 */
export function parseJsonKeepingIds(text: string): unknown {
  return JSON.parse(text, function reviver(this: unknown, key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === 'number' && context?.source !== undefined && (key === 'id' || key.endsWith('_id'))) {
      return context.source;
    }
    return value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}
