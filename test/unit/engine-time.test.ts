import { describe, expect, it } from 'vitest';
import { clampToEngine, FUTURE_TOLERANCE_MS, isStaleTrigger, onEngineClock, STALE_TRIGGER_GRACE_MS } from '../../functions/core/engine-time.ts';

const NOW = new Date('2026-05-01T10:00:00.000Z');
const plus = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('time comes from the engine', () => {
  it('clamps a time beyond the tolerance ahead to the engine clock, keeping the stated one', () => {
    expect(clampToEngine('9999-12-31T00:00:00.000Z', NOW)).toEqual({ at: NOW.toISOString(), clampedFrom: '9999-12-31T00:00:00.000Z' });
    expect(clampToEngine(plus(FUTURE_TOLERANCE_MS + 1), NOW)).toEqual({ at: NOW.toISOString(), clampedFrom: plus(FUTURE_TOLERANCE_MS + 1) });
  });

  it('believes a time within the tolerance, and any past time', () => {
    expect(clampToEngine(plus(FUTURE_TOLERANCE_MS), NOW)).toEqual({ at: plus(FUTURE_TOLERANCE_MS) });
    expect(clampToEngine('1970-01-01T00:00:00.000Z', NOW)).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });

  it('an event keeps its identity when nothing is clamped, and names the stated time when it is', () => {
    const event = { key: 'k', occurredAt: plus(-1000) };
    expect(onEngineClock(event, NOW)).toBe(event);
    expect(onEngineClock({ key: 'k', occurredAt: '2999-01-01T00:00:00.000Z' }, NOW)).toEqual({ key: 'k', occurredAt: NOW.toISOString(), clampedFrom: '2999-01-01T00:00:00.000Z' });
  });

  it('a trigger is stale once older than the journey span plus the grace for late deliveries', () => {
    const span = 24 * 3600;
    expect(isStaleTrigger(plus(-(span * 1000 + STALE_TRIGGER_GRACE_MS)), span, NOW)).toBe(false);
    expect(isStaleTrigger(plus(-(span * 1000 + STALE_TRIGGER_GRACE_MS) - 1), span, NOW)).toBe(true);
    expect(isStaleTrigger('1970-01-01T00:00:00.000Z', span, NOW)).toBe(true);
    expect(isStaleTrigger(NOW.toISOString(), 0, NOW)).toBe(false);
  });
});
