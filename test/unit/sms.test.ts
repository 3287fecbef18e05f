import { describe, expect, it } from 'vitest';
import { smsLength, transliterate } from '../../functions/core/sms.ts';

describe('SMS length', () => {
  it('counts plain text as GSM-7: 160 in one part, 153 per part beyond', () => {
    expect(smsLength('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsLength('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsLength('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(smsLength('a'.repeat(307))).toMatchObject({ segments: 3 });
  });

  it('counts GSM-7 extension characters twice', () => {
    expect(smsLength('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsLength('€'.repeat(81))).toMatchObject({ segments: 2 });
  });

  it('turns a message with one Polish letter into UCS-2: 70 in one part, 67 per part beyond', () => {
    expect(smsLength(`${'a'.repeat(69)}ą`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsLength(`${'a'.repeat(70)}ą`)).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(smsLength('Zażółć gęślą jaźń'.repeat(8))).toMatchObject({ encoding: 'UCS-2', segments: 3 });
  });

  it('transliterates Polish and typography back into GSM-7', () => {
    const text = transliterate('Zażółć gęślą jaźń — „Żuraw” × 2');
    expect(text).toBe('Zazolc gesla jazn - "Zuraw" x 2');
    expect(smsLength(text).encoding).toBe('GSM-7');
  });

  it('transliterates decomposed (NFD) Polish letters too', () => {
    expect(transliterate('Łódź'.normalize('NFD'))).toBe('Lodz');
  });
});
