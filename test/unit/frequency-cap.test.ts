import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CapSlot, giveBackSlot, slotsExpiry, takeSlot } from '../../functions/core/frequency-cap.ts';

const T0 = Date.parse('2026-06-01T08:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

describe('frequency cap slots', () => {
  it('whatever the order of claims and give-backs, the slots in any window never exceed the cap', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('take' as const), id: fc.integer({ min: 0, max: 9 }), minutes: fc.integer({ min: 0, max: 30 * 1440 }) }),
      fc.record({ kind: fc.constant('give' as const), id: fc.integer({ min: 0, max: 9 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 10 }), fc.array(op, { maxLength: 40 }), (max, days, ops) => {
        let slots: CapSlot[] = [];
        let clock = 0;
        for (const o of ops) {
          if (o.kind === 'give') {
            slots = giveBackSlot(slots, `e${o.id}#s`) ?? slots;
            continue;
          }
          // Time moves forward, as each step's clock does.
          clock = Math.max(clock, o.minutes);
          const taken = takeSlot(slots, { id: `e${o.id}#s`, at: at(clock) }, { max, days });
          if (taken.kind === 'taken') slots = taken.slots;
          const inWindow = slots.filter((s) => Date.parse(s.at) >= Date.parse(at(clock)) - days * 86_400_000);
          expect(inWindow.length).toBeLessThanOrEqual(max);
          expect(new Set(slots.map((s) => s.id)).size).toBe(slots.length);
        }
      }),
    );
  });

  it('gives back only the send’s own slot, and says so when it held none', () => {
    const slots = [
      { id: 'a#s', at: at(0) },
      { id: 'b#s', at: at(1) },
    ];
    expect(giveBackSlot(slots, 'a#s')).toEqual([{ id: 'b#s', at: at(1) }]);
    expect(giveBackSlot(slots, 'c#s')).toBeUndefined();
  });

  it('expires the item `days` after its newest slot', () => {
    expect(slotsExpiry([{ id: 'a', at: at(0) }, { id: 'b', at: at(60) }], 7)).toBe(Math.floor((T0 + 3_600_000 + 7 * 86_400_000) / 1000));
  });
});
