/**
 * The marketing frequency cap as slots: each marketing send takes one in the customer's window
 * (`max` per `days`, all journeys together) when it is claimed, before the provider is called, so
 * steps running at once cannot all read "2 of 3" and all send. Both storage backends keep a
 * customer's slots in one item and change it with a condition; the rules are here, once.
 */

export interface FrequencyCap {
  max: number;
  days: number;
}

/** One send's place in the window: the send (`{executionName}#{step}`) and when it was claimed. */
export interface CapSlot {
  id: string;
  at: string;
}

const DAY_MS = 86_400_000;

export function slotId(executionName: string, step: string): string {
  return `${executionName}#${step}`;
}

/** Whether a slot still counts at `at`: claimed within the last `days`, that instant included. */
function inWindow(slot: CapSlot, at: string, days: number): boolean {
  return Date.parse(slot.at) >= Date.parse(at) - days * DAY_MS;
}

/**
 * Takes a slot for `slot.id` at `slot.at`: the slots still in the window, without any earlier one of
 * the same send, plus this one; or `full` when the others already fill the window.
 */
export function takeSlot(slots: readonly CapSlot[], slot: CapSlot, cap: FrequencyCap): { kind: 'taken'; slots: CapSlot[] } | { kind: 'full' } {
  const others = slots.filter((s) => s.id !== slot.id && inWindow(s, slot.at, cap.days));
  if (others.length >= cap.max) return { kind: 'full' };
  return { kind: 'taken', slots: [...others, { id: slot.id, at: slot.at }] };
}

/** The slots without the one of send `id`; undefined when that send holds none (nothing to give back). */
export function giveBackSlot(slots: readonly CapSlot[], id: string): CapSlot[] | undefined {
  return slots.some((s) => s.id === id) ? slots.filter((s) => s.id !== id) : undefined;
}

/** When the slots stop counting (epoch seconds): the item's TTL, `days` after the newest. */
export function slotsExpiry(slots: readonly CapSlot[], days: number): number {
  const newest = Math.max(0, ...slots.map((s) => Date.parse(s.at)));
  return Math.floor((newest + days * DAY_MS) / 1000);
}
