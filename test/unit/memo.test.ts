import { describe, expect, it } from 'vitest';
import { statsDay } from '../../functions/core/measurement.ts';
import { normalisePhone, smsReach } from '../../functions/core/identity.ts';
import { memo, memoBy } from '../../workflows/src/memo.ts';
import { localParts, zonedTime } from '../../workflows/src/quiet-hours.ts';

describe('results kept by argument', () => {
  it('works once per argument, up to the bound, then forgets all and starts again', () => {
    const calls: number[] = [];
    const square = memo(2, (n: number) => {
      calls.push(n);
      return n * n;
    });
    expect([square(2), square(2), square(3), square(3)]).toEqual([4, 4, 9, 9]);
    expect(calls).toEqual([2, 3]);
    square(4); // a third: the two kept are forgotten
    square(2);
    expect(calls).toEqual([2, 3, 4, 2]);
  });

  it('keeps undefined as a result, and nothing for a call that throws', () => {
    let calls = 0;
    const lookup = memo(10, (k: string) => {
      calls++;
      if (k === 'bad') throw new RangeError(k);
      return undefined;
    });
    expect(lookup('a')).toBeUndefined();
    expect(lookup('a')).toBeUndefined();
    expect(calls).toBe(1);
    expect(() => lookup('bad')).toThrow(RangeError);
    expect(() => lookup('bad')).toThrow(RangeError);
    expect(calls).toBe(3);
  });

  it('tells several arguments apart by the key given', () => {
    const join = memoBy(10, (a: string, b: string) => JSON.stringify([a, b]), (a: string, b: string) => `${a}|${b}`);
    expect(join('a\u0000b', 'c')).toBe('a\u0000b|c');
    expect(join('a', 'b\u0000c')).toBe('a|b\u0000c');
  });
});

describe('the functions kept this way answer as before, every time', () => {
  it('the day and wall clock of an instant, in each zone asked', () => {
    for (let i = 0; i < 2; i++) {
      expect(statsDay('2026-03-28T23:30:00Z')).toBe('2026-03-29');
      expect(statsDay('2026-03-28T23:30:00Z', 'Europe/London')).toBe('2026-03-28');
      expect(localParts(new Date('2026-10-25T00:30:00Z'), 'Europe/Warsaw')).toEqual({ ymd: '2026-10-25', hm: '02:30' });
      expect(localParts(new Date('2026-10-25T01:30:00Z'), 'Europe/Warsaw')).toEqual({ ymd: '2026-10-25', hm: '02:30' });
      expect(zonedTime('2026-03-29', '08:00', 'Europe/Warsaw').toISOString()).toBe('2026-03-29T06:00:00.000Z');
      expect(zonedTime('2026-03-29', '08:00', 'Europe/London').toISOString()).toBe('2026-03-29T07:00:00.000Z');
    }
    expect(() => statsDay('not a date')).toThrow(RangeError);
  });

  it('a reading handed out cannot change the next one', () => {
    const first = localParts(new Date('2026-06-01T10:00:00Z'), 'Europe/Warsaw');
    first.hm = '99:99';
    expect(localParts(new Date('2026-06-01T10:00:00Z'), 'Europe/Warsaw').hm).toBe('12:00');
  });

  it('phone numbers, whichever way they are written first', () => {
    for (let i = 0; i < 2; i++) {
      expect(normalisePhone('600 100 200')).toBe('+48600100200');
      expect(normalisePhone('+48 600-100-200')).toBe('+48600100200');
      expect(smsReach('600 100 200')).toBe('mobile');
      expect(smsReach('+48 22 123 45 67')).toBe('not_mobile');
      expect(smsReach('12')).toBe('invalid_address');
    }
  });
});
