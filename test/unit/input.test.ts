import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Amount, Contact, Currency, Link, platformContact } from '../../functions/core/domain.ts';
import { isDeliverableEmail, normalisePhone, smsReach } from '../../functions/core/identity.ts';
import { cleanText, oversizedEvent, STORED_SUBJECT_BYTES, storedBytes, TEXT_CAPS } from '../../functions/core/limits.ts';
import { channelFor, planStep, subjectOf, templateData } from '../../functions/core/step-policy.ts';
import { mapShopify } from '../../functions/ingest/shopify.ts';
import { loadTemplates } from '../../workflows/src/load.ts';
import { renderTemplate } from '../../workflows/src/render.ts';

/** C0/C1 controls other than tab, LF, CR, and the bidi embeddings, overrides and isolates, by code point. */
const isUnsafe = (c: number) => c <= 0x08 || c === 0x0b || c === 0x0c || (c >= 0x0e && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
const UNSAFE = { test: (s: string) => Array.from(s).some((ch) => isUnsafe(ch.codePointAt(0)!)) };
const dangerous = fc.constantFrom('\u202E', '\u202A', '\u2066', '\u2069', '\u0000', '\u0007', '\u001B[31m', '\u0085', '\u009B', '\r\n', '\t', '\uD800', '\uDC00', '\u{1D160}', 'Ł', 'ó');
/** Any text, with the characters that matter mixed in often enough to matter. */
const text = fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), dangerous), { maxLength: 12 }).map((parts) => parts.join(''));

describe('free text', () => {
  it('cleaning is idempotent and leaves no control, bidi or lone-surrogate character, within the cap', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 300 }), (raw, max) => {
        const once = cleanText(raw, max);
        expect(cleanText(once, max)).toBe(once);
        expect(UNSAFE.test(once)).toBe(false);
        expect(once).toBe(once.normalize('NFC'));
        expect(Array.from(once).length).toBeLessThanOrEqual(max);
        expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(once)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('strips overrides and controls, folds whitespace, cuts at the cap', () => {
    expect(cleanText('Zo\u202Efia\u0007\u2066 \r\n Nowak', 100)).toBe('Zofia Nowak');
    expect(cleanText('a'.repeat(150), TEXT_CAPS.name)).toHaveLength(100);
    expect(cleanText('😀'.repeat(3), 2)).toBe('😀😀');
  });

  const templates = loadTemplates();
  const cart = subjectOf('checkout', 't', { token: 't', items: [{ title: 'Kubek', quantity: 1, price: '9.00' }], total: '9.00', currency: 'PLN', status: 'open', updatedAt: '' }, undefined);
  const subjects = (firstName: string) =>
    (['cart-reminder-1', 'winback-miss-you'] as const).flatMap((id) =>
      (['pl', 'en'] as const).map((locale) => {
        const data = templateData(firstName, 'Sklep', cart.wanted ? cart.data : {}, { unsubscribeUrl: 'https://x/u', surveyUrl: 'https://x/s' });
        const r = renderTemplate(id, templates.get(id)!, locale, data);
        return `${r.subject}\n${r.text}`;
      }),
    );
  const shopifyName = (name: string) => {
    const mapped = mapShopify('checkouts/create', { token: 't', email: 'a@b.pl', line_items: [], total_price: '0', currency: 'PLN', customer: { first_name: name } }, 'k', '2026-01-01T00:00:00.000Z');
    if (!('events' in mapped)) throw new Error('not mapped');
    return mapped.events[0]?.customer.firstName ?? '';
  };

  it('no generated name reaches a rendered subject (or text) with a control or bidi character, from the API or a platform', () => {
    fc.assert(
      fc.property(text, (name) => {
        const fromApi = Contact.parse({ firstName: name }).firstName ?? '';
        for (const stored of [fromApi, shopifyName(name), platformContact({ firstName: name }).firstName ?? '']) {
          for (const rendered of subjects(stored)) expect(UNSAFE.test(rendered), JSON.stringify(rendered)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('normalising a stored name again changes nothing (API and platforms alike)', () => {
    fc.assert(
      fc.property(text, (name) => {
        const once = Contact.parse({ firstName: name }).firstName ?? '';
        expect(Contact.parse({ firstName: once }).firstName ?? '').toBe(once);
        expect(shopifyName(once)).toBe(once || '');
      }),
    );
  });
});

describe('phones through libphonenumber-js (region PL)', () => {
  it('national, international-prefix and formatted spellings are one E.164 number', () => {
    for (const spelling of ['600 100 200', '0048600100200', '+48 600-100-200', '(+48) 600 100 200', '+48600100200']) expect(normalisePhone(spelling)).toBe('+48600100200');
  });

  it('a number it cannot validate keeps its digits and leading plus', () => {
    expect(normalisePhone('tel. 12-34')).toBe('1234');
    expect(normalisePhone('+48 600 100')).toBe('+48600100');
  });

  it('normalisation is idempotent for any text and any phone-like spelling', () => {
    const phoneLike = fc.stringMatching(/^(\+|00)?[0-9 ()-]{0,18}$/);
    fc.assert(
      fc.property(fc.oneof(phoneLike, fc.string(), text), (raw) => {
        const once = normalisePhone(raw);
        expect(normalisePhone(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('SMS reach: mobiles and North-American numbers yes; landlines and toll-free no; nonsense invalid', () => {
    expect(smsReach('+48600100200')).toBe('mobile');
    expect(smsReach('+12025550123')).toBe('mobile'); // FIXED_LINE_OR_MOBILE: the plan cannot tell
    expect(smsReach('+48221234567')).toBe('not_mobile');
    expect(smsReach('+48800123456')).toBe('not_mobile');
    expect(smsReach('1234')).toBe('invalid_address');
  });
});

describe('the channel and address decision', () => {
  const wanted = subjectOf('checkout', 't', { token: 't', items: [], total: '1.00', currency: 'PLN', status: 'open', updatedAt: '' }, undefined);
  const customer = (c: { email?: string; phone?: string }) => ({ customerId: 'c', updatedAt: '', ...c });

  it('an SMS step to a landline is not_mobile; an e-mail step to a malformed address is invalid_address', () => {
    expect(planStep({ channel: 'sms', template: 'x' }, true, wanted, customer({ phone: '+48221234567' }))).toEqual({ kind: 'undeliverable', channel: 'sms', template: 'x', reason: 'not_mobile' });
    expect(planStep({ channel: 'sms', template: 'x' }, true, wanted, customer({ phone: '1234' }))).toEqual({ kind: 'undeliverable', channel: 'sms', template: 'x', reason: 'invalid_address' });
    expect(planStep({ channel: 'email', template: 'x' }, true, wanted, customer({ email: 'jan(at)example.pl' }))).toEqual({ kind: 'undeliverable', channel: 'email', template: 'x', reason: 'invalid_address' });
    expect(planStep({ channel: 'sms', template: 'x' }, true, wanted, customer({ phone: '+48600100200' }))).toEqual({ kind: 'send', channel: 'sms', to: '+48600100200', template: 'x' });
  });

  it('a customer who prefers SMS but has only a landline gets e-mail', () => {
    expect(channelFor('preferred', { preferredChannel: 'sms', phone: '+48221234567' })).toBe('email');
    expect(channelFor('preferred', { preferredChannel: 'sms', phone: '+48600100200' })).toBe('sms');
  });

  it('a stored link that is not http(s) never reaches a template: the shop’s site instead', () => {
    const c = subjectOf('checkout', 't', { token: 't', items: [], total: '1.00', currency: 'PLN', status: 'open', updatedAt: '', recoveryUrl: 'javascript:alert(1)' }, 'https://sklep.pl');
    expect(c.wanted && (c.data['cart'] as { recoveryUrl: string }).recoveryUrl).toBe('https://sklep.pl');
    const i = subjectOf('payment.failed', 'in', { invoiceId: 'in', status: 'failed', amount: '1', currency: 'PLN', hostedUrl: 'JavaScript:x', updatedAt: '' }, undefined);
    expect(i.wanted && (i.data['invoice'] as { payUrl: string | null }).payUrl).toBeNull();
  });
});

describe('structured fields', () => {
  it('amounts are never negative; currencies are ISO 4217; links are http(s)', () => {
    expect(Amount.safeParse('-1.00').success).toBe(false);
    expect(Amount.parse(0)).toBe('0');
    expect(Currency.parse('pln')).toBe('PLN');
    for (const bad of ['ZZZ', 'XXX', 'BTC', 'PL']) expect(Currency.safeParse(bad).success, bad).toBe(false);
    expect(Link.safeParse('https://sklep.pl/koszyk').success).toBe(true);
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'ftp://x.pl/', 'mailto:a@b.pl']) expect(Link.safeParse(bad).success, bad).toBe(false);
  });

  it('an event is measured as DynamoDB stores it, and a cart over the budget names its largest field', () => {
    expect(storedBytes({ a: 'żó', b: [1, true] })).toBe(3 + (1 + 1 + 4) + (1 + 1 + 3 + 1 + 21 + 1 + 1));
    const item = { title: 'x'.repeat(700), quantity: 1, price: '1.00' };
    const checkout = (n: number) => ({ token: 't', items: Array.from({ length: n }, () => item), total: '1.00', currency: 'PLN', completed: false });
    const base = { key: 'k', occurredAt: '', source: 'api' as const, customer: {} };
    expect(oversizedEvent({ ...base, type: 'checkout.updated', checkout: checkout(350) })).toBeUndefined();
    const over = oversizedEvent({ ...base, type: 'checkout.updated', checkout: checkout(500) });
    expect(over?.path).toBe('checkout.items');
    expect(over?.bytes).toBeGreaterThan(STORED_SUBJECT_BYTES);
  });
});

describe('an e-mail address a provider would take', () => {
  it('is what z.email() accepts, for any text', () => {
    const samples = ['zofia@example.pl', 'Zofia.Nowak+promo@sklep.example.pl', "o'brien@example.ie", 'a@b', 'a@b.c', '@example.pl', 'zofia@', 'zofia @example.pl', 'zofia@example..pl', 'ząb@example.pl', '.a@example.pl', 'a.@example.pl', ''];
    for (const s of samples) expect(isDeliverableEmail(s), s).toBe(z.email().safeParse(s).success);
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), fc.string(), fc.string().map((s) => `${s}@example.pl`)), (s) => isDeliverableEmail(s) === z.email().safeParse(s).success),
      { numRuns: 500 },
    );
  });
});
