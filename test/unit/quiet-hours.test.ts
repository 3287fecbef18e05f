import { describe, expect, it } from 'vitest';
import { nextSendingTime, parseSendingHours } from '../../workflows/src/quiet-hours.ts';

const at = (iso: string) => nextSendingTime(new Date(iso)).toISOString();

describe('sending hours (Europe/Warsaw, 08:00-20:00)', () => {
  it('keeps a time inside the hours', () => {
    expect(at('2026-03-10T10:00:00Z')).toBe('2026-03-10T10:00:00.000Z');
  });

  it('moves the evening to 08:00 the next morning, the night to 08:00 the same morning', () => {
    expect(at('2026-03-10T19:30:00Z')).toBe('2026-03-11T07:00:00.000Z');
    expect(at('2026-03-11T03:00:00Z')).toBe('2026-03-11T07:00:00.000Z');
    expect(at('2026-03-10T19:00:00Z')).toBe('2026-03-11T07:00:00.000Z'); // 20:00 local is already closed
  });

  it('lands on 08:00 local across the spring-forward weekend (UTC offset +1 → +2)', () => {
    // Saturday 28 March 2026, 21:30 CET → Sunday 29 March 08:00 CEST = 06:00 UTC.
    expect(at('2026-03-28T20:30:00Z')).toBe('2026-03-29T06:00:00.000Z');
  });

  it('lands on 08:00 local across the fall-back weekend (UTC offset +2 → +1)', () => {
    // Saturday 24 October 2026, 22:00 CEST → Sunday 25 October 08:00 CET = 07:00 UTC.
    expect(at('2026-10-24T20:00:00Z')).toBe('2026-10-25T07:00:00.000Z');
  });

  it('uses the customer’s zone when known', () => {
    expect(nextSendingTime(new Date('2026-03-10T19:30:00Z'), 'Europe/London').toISOString()).toBe('2026-03-10T19:30:00.000Z');
  });

  it('reads configured hours and refuses nonsense', () => {
    expect(parseSendingHours('09:00-18:30')).toEqual({ from: '09:00', to: '18:30' });
    expect(() => parseSendingHours('20:00-08:00')).toThrow(RangeError);
    expect(() => parseSendingHours('9-18')).toThrow(RangeError);
  });
});
