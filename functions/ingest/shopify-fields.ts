import { z } from 'zod';
import { type DomainEvent, Id } from '../core/domain.ts';

/** What mapping a payload came to: domain events, a payload that starts or ends nothing (200), or one that does not parse (400). */
export type Mapped = { events: DomainEvent[] } | { ignored: string } | { error: z.ZodError };

/**
 * An id as text. The body parser keeps every `id` and `*_id` number as its source text, so a
 * Shopify id above 2^53 arrives exact; a number that reached here some other way and lies beyond
 * exact integers was rounded already, and is refused rather than matched to another order.
 */
export const ExactId = z
  .union([z.string(), z.number().refine(Number.isSafeInteger, 'an id beyond 2^53 must arrive as its digits (this one was rounded)')])
  .transform(String)
  .pipe(Id(64));

/** A platform's time as ISO 8601 UTC; the time the engine received the payload when it gave none that parses. */
export function iso(value: string | null | undefined, fallback: string): string {
  const t = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(t) ? fallback : new Date(t).toISOString();
}
