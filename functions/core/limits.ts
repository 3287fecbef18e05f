import type { DomainEvent } from './domain.ts';

/**
 * What the door lets through, whatever the route: free text cleaned and capped, and no event whose
 * stored shape would not fit a DynamoDB item.
 */

/**
 * Longest free text kept, in characters (code points). Longer text from any route is cut, never
 * refused: a long product title is good input.
 */
export const TEXT_CAPS = {
  /** A first name. */
  name: 100,
  /** A line item's title. */
  title: 200,
  /** A product category (Shopify's product type). */
  category: 100,
  /** A product id as the platform spells it. */
  productId: 64,
  /** A locale tag such as pl-PL. */
  locale: 16,
  /** An e-mail address (RFC 5321's limit). */
  email: 254,
} as const;

/**
 * C0 and C1 control characters (tab, line feed and carriage return are whitespace and are folded
 * into spaces instead), the bidirectional embeddings, overrides and isolates U+202A–U+202E and
 * U+2066–U+2069 and the marks U+200E, U+200F, U+061C: nothing a customer's name or a product
 * needs, and each can disguise a subject line or reorder what a reader sees.
 */
const UNSAFE = '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069]';
const UNSAFE_TEXT = new RegExp(UNSAFE, 'g');

/** Whether text holds any character cleanText removes (identifiers are refused for it, not changed). */
export function hasUnsafeText(value: string): boolean {
  return new RegExp(UNSAFE).test(value);
}

/** A high surrogate without its pair or a low one without its own: not text, and not valid UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * One line of free text as it is stored and rendered: NFC, without unsafe characters, whitespace
 * runs as one space, trimmed, at most `max` code points (a pair is never cut in two). Idempotent.
 */
export function cleanText(value: string, max: number): string {
  const clean = value.replace(LONE_SURROGATE, '\uFFFD').replace(UNSAFE_TEXT, '').normalize('NFC').replace(/\s+/g, ' ').trim();
  const points = Array.from(clean);
  // A cut NFC string may compose further; normalising again keeps the result a fixed point.
  return points.length <= max ? clean : points.slice(0, max).join('').normalize('NFC').trim();
}

/** DynamoDB's hard limit on one item, 400 KB. */
export const DYNAMODB_ITEM_BYTES = 400 * 1024;

/**
 * Largest cart, order or invoice accepted, counted as DynamoDB counts an item. The ~100 KB under
 * DynamoDB's limit hold the keys and state the store adds (status, owner, times, TTL) many times over.
 */
export const STORED_SUBJECT_BYTES = 300_000;

/**
 * Size of a value as DynamoDB bills an item: UTF-8 bytes of strings and attribute names, at most
 * 21 bytes a number, 1 a boolean or null, 3 for a list or map plus 1 per element.
 */
export function storedBytes(value: unknown): number {
  if (value === undefined) return 0;
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 21;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + 1 + storedBytes(v), 3);
  if (typeof value === 'object') {
    return Object.entries(value).reduce((n, [k, v]) => (v === undefined ? n : n + 1 + Buffer.byteLength(k, 'utf8') + storedBytes(v)), 3);
  }
  return Buffer.byteLength(String(value), 'utf8');
}

/** The largest field of an item too large to store, by its path, or undefined when it fits. */
export function oversizedField(name: string, item: Record<string, unknown>, limit = STORED_SUBJECT_BYTES): { path: string; bytes: number } | undefined {
  const bytes = storedBytes(item);
  if (bytes <= limit) return undefined;
  const [largest] = Object.entries(item).sort(([, a], [, b]) => storedBytes(b) - storedBytes(a));
  return { path: largest ? `${name}.${largest[0]}` : name, bytes };
}

/**
 * All the properties of one catalogue event together, counted as DynamoDB counts an item: they go
 * on the enrolment and, but for the personal ones, into the journey execution's input, which stays small.
 */
export const EVENT_PROPERTIES_BYTES = 4096;

/** The stored shape an event writes that could outgrow an item (a cart, an order), checked before anything is written. */
export function oversizedEvent(event: DomainEvent): { path: string; bytes: number } | undefined {
  switch (event.type) {
    case 'checkout.updated':
      return oversizedField('checkout', event.checkout);
    case 'order.placed':
      return oversizedField('order', event.order);
    case 'custom':
      return oversizedField('properties', { ...event.properties, ...event.personal }, EVENT_PROPERTIES_BYTES);
    default:
      return oversizedField('customer', event.customer);
  }
}

/** How long an event about an order not known yet (a fulfilment that overtook it) waits for the order. */
export const PARKED_ORDER_EVENT_DAYS = 30;
