import { describe, expect, it } from 'vitest';
import { maskEmail, maskPhone } from '../../functions/ingest/pages/mask.ts';
import { accentOf, brandingFromEnv, brandOf } from '../../functions/shared/branding.ts';
import { ConfigurationError } from '../../functions/shared/config.ts';
import { signFormNonce, verifyFormNonce } from '../../functions/shared/form-nonce.ts';
import { contrastRatio, luminance, MIN_TEXT_CONTRAST, readableColor } from '../../workflows/src/contrast.ts';
import { DEFAULT_COLOR, shopColor } from '../../workflows/src/email-html.ts';

describe('contrast', () => {
  it('computes WCAG ratios: black on white is 21, a colour on itself 1', () => {
    expect(luminance('#ffffff')).toBe(1);
    expect(luminance('#000000')).toBe(0);
    expect(contrastRatio('#000000', '#ffffff')).toBe(21);
    expect(contrastRatio('#ffffff', '#000000')).toBe(21);
    expect(contrastRatio('#1d5c4d', '#1d5c4d')).toBe(1);
    // #767676 is the lightest grey that reaches 4.5:1 on white.
    expect(contrastRatio('#767676', '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio('#777777', '#ffffff')).toBeLessThan(4.5);
  });

  it('keeps a readable colour and darkens one that is not, keeping its hue', () => {
    expect(readableColor('#1D5C4D')).toBe('#1d5c4d');
    for (const c of ['#ffcc00', '#ff6600', '#3399ff', '#777777', '#ffffff']) {
      const r = readableColor(c);
      expect(contrastRatio(r, '#ffffff'), c).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
      expect(r, c).not.toBe(c);
    }
    // Same hue: the channels keep their proportions.
    expect(readableColor('#ffcc00')).toMatch(/^#([0-9a-f]{2})([0-9a-f]{2})00$/);
  });

  it('the pages and e-mails use the readable colour, the default for anything that is no colour', () => {
    expect(accentOf({ color: '#ffcc00' })).toBe(readableColor('#ffcc00'));
    expect(accentOf({})).toBe(DEFAULT_COLOR);
    expect(shopColor('red;x:y')).toBe(DEFAULT_COLOR);
    expect(contrastRatio(shopColor('#ffee88'), '#ffffff')).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
  });
});

describe('masked addresses', () => {
  it('show enough to recognise, not to learn', () => {
    expect(maskEmail('jan.kowalski@example.pl')).toBe('j***@example.pl');
    expect(maskEmail('a@b.pl')).toBe('a***@b.pl');
    expect(maskEmail('broken')).toBe('***');
    expect(maskPhone('+48600100200')).toBe('+48 ****** 200');
    expect(maskPhone('+1')).toBe('***');
  });
});

describe('form nonces', () => {
  const T = new Date('2026-06-01T10:00:00Z');
  const at = (seconds: number) => new Date(T.getTime() + seconds * 1000);

  it('are accepted for their form and token within a day, and refused otherwise', () => {
    const n = signFormNonce('secret-1', 'preferences', 'tok-a', T);
    expect(verifyFormNonce('secret-1', 'preferences', 'tok-a', n, at(3600))).toEqual({ ok: true });
    expect(verifyFormNonce('secret-1', 'preferences', 'tok-a', n, at(86_401))).toEqual({ ok: false, reason: 'expired' });
    expect(verifyFormNonce('secret-1', 'preferences', 'tok-b', n, T)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyFormNonce('secret-1', 'survey', 'tok-a', n, T)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyFormNonce('secret-2', 'preferences', 'tok-a', n, T)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyFormNonce('secret-1', 'preferences', 'tok-a', undefined, T)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyFormNonce('secret-1', 'preferences', 'tok-a', 'garbage', T)).toEqual({ ok: false, reason: 'forged' });
    // A later issue time with the old MAC is a forgery, not a fresher nonce.
    const [, mac] = n.split('.');
    expect(verifyFormNonce('secret-1', 'preferences', 'tok-a', `${Math.floor(T.getTime() / 1000) + 100}.${mac}`, T)).toEqual({ ok: false, reason: 'forged' });
  });
});

describe('shop brands from the environment', () => {
  it('gives each shop its own brand and the default one to the rest', () => {
    const branding = brandingFromEnv({
      SHOP_NAME: 'Sklep A',
      SHOP_COLOR: '#123456',
      SHOP_BRANDS: JSON.stringify({ 'shop-b': { name: 'Sklep B', color: '#654321', privacyEmail: 'rodo@b.example.pl' } }),
    });
    expect(brandOf(branding, 'default')).toMatchObject({ name: 'Sklep A', color: '#123456' });
    expect(brandOf(branding, 'shop-b')).toEqual({ name: 'Sklep B', color: '#654321', privacyEmail: 'rodo@b.example.pl' });
    expect(brandOf(branding, 'shop-c').name).toBe('Sklep A');
  });

  it('fails loudly on SHOP_BRANDS that is not JSON or names a bad field', () => {
    expect(() => brandingFromEnv({ SHOP_NAME: 'A', SHOP_BRANDS: '{' })).toThrow(ConfigurationError);
    expect(() => brandingFromEnv({ SHOP_NAME: 'A', SHOP_BRANDS: '{"shop-b":{"name":"B","color":"red"}}' })).toThrow(/SHOP_BRANDS: shop-b\.color: must be a colour such as #1d5c4d/);
  });
});
