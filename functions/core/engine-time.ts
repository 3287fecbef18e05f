/**
 * Time comes from the engine. A source's clock may be wrong, or a payload forged, so the times
 * payloads state are bounded by the engine's own clock before anything is decided on them: a
 * record dated 9999 would otherwise win every "newer than" comparison for ever, and a checkout
 * dated 1970 would start reminders about a moment long gone.
 */

/** How far ahead of the engine's clock a stated time is still believed (clock skew between systems). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/**
 * How late a trigger may arrive after its journey's last step would have been due: platforms
 * retry a failed delivery for up to three days (Stripe; Shopify and WooCommerce for less).
 */
export const STALE_TRIGGER_GRACE_MS = 3 * 86_400_000;

/** `at` as the engine takes it: a time beyond the tolerance ahead of `now` becomes `now`. */
export function clampToEngine(at: string, now: Date): { at: string; clampedFrom?: string } {
  const t = Date.parse(at);
  if (Number.isNaN(t) || t <= now.getTime() + FUTURE_TOLERANCE_MS) return { at };
  return { at: now.toISOString(), clampedFrom: at };
}

/** An accepted event on the engine's clock: its `occurredAt` clamped, the stated one kept in `clampedFrom`. */
export function onEngineClock<E extends { occurredAt: string; clampedFrom?: string }>(event: E, now: Date): E {
  const { at, clampedFrom } = clampToEngine(event.occurredAt, now);
  return clampedFrom === undefined ? event : { ...event, occurredAt: at, clampedFrom };
}

/**
 * Whether a trigger is too old for a journey to act on: its age exceeds the journey's span (the
 * last step's offset from enrolment) plus the grace for late deliveries.
 */
export function isStaleTrigger(triggerAt: string, journeySpanSeconds: number, now: Date): boolean {
  const t = Date.parse(triggerAt);
  if (Number.isNaN(t)) return false;
  return now.getTime() - t > journeySpanSeconds * 1000 + STALE_TRIGGER_GRACE_MS;
}
