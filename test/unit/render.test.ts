import { describe, expect, it } from 'vitest';
import { loadTemplates } from '../../workflows/src/load.ts';
import fc from 'fast-check';
import { formatMoney, greeting, multiplyAmount, pluralForm } from '../../workflows/src/format.ts';
import { polishVocative } from '../../workflows/src/vocative.ts';
import { renderTemplate, TemplateRenderError } from '../../workflows/src/render.ts';
import { pickLocale } from '../../workflows/src/template-file.ts';

const templates = loadTemplates();
const cart = { items: [{ title: 'Kubek „Żuraw”', quantity: 2, price: '49.90' }], total: '1234.50', currency: 'PLN', recoveryUrl: 'https://sklep.example.pl/k' };
const data = { firstName: 'Zofia', shop: { name: 'Sklep' }, unsubscribeUrl: 'https://u.example/x', cart };

describe('formatting', () => {
  it('formats złoty the Polish way', () => {
    expect(formatMoney('1234.50', 'PLN', 'pl')).toBe('1234,50\u00a0zł');
    expect(formatMoney('12345.5', 'PLN', 'pl')).toBe('12\u00a0345,50\u00a0zł');
  });
  it('uses the three Polish plural forms', () => {
    expect([1, 2, 5, 12, 22].map((n) => pluralForm(n, 'produkt', 'produkty', 'produktów', 'pl'))).toEqual(['produkt', 'produkty', 'produktów', 'produktów', 'produkty']);
  });
  it('picks the template locale from platform locales, Polish by default', () => {
    expect([pickLocale('en-US'), pickLocale('pl_PL'), pickLocale(null), pickLocale('de')]).toEqual(['en', 'pl', 'pl', 'pl']);
  });
});

describe('lines and greetings', () => {
  it('multiplies a decimal price by a quantity exactly', () => {
    expect([multiplyAmount('49.90', 3), multiplyAmount('0.10', 3), multiplyAmount('19.99', 0), multiplyAmount('7', 12), multiplyAmount('1.005', 2)]).toEqual(['149.70', '0.30', '0.00', '84', '2.010']);
    // No float rounding at any size: the product of the minor units, whatever they are.
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 10_000 }), (cents, qty) => {
        const price = `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
        const total = multiplyAmount(price, qty).replace('.', '');
        expect(BigInt(total)).toBe(cents * BigInt(qty));
      }),
    );
  });

  it('addresses Polish customers in the vocative, and leaves out a name whose vocative is not known', () => {
    const names = ['Zofia', 'Anna', 'Kasia', 'Ola', 'Urszula', 'Alicja', 'Kuba', 'Paweł', 'Piotr', 'Marek', 'Kacper', 'Tomasz', 'JAN', 'anna-maria', 'Xavier', 'M.'];
    expect(names.map((n) => polishVocative(n))).toEqual(['Zofio', 'Anno', 'Kasiu', 'Olu', 'Urszulo', 'Alicjo', 'Kubo', 'Pawle', 'Piotrze', 'Marku', 'Kacprze', 'Tomaszu', 'Janie', 'Anno', undefined, undefined]);
    expect([greeting('Zofia', 'pl'), greeting('Xavier', 'pl'), greeting('', 'pl'), greeting('Zofia', 'en'), greeting(undefined, 'en')]).toEqual(['Cześć, Zofio', 'Dzień dobry', 'Dzień dobry', 'Hi Zofia', 'Hello']);
  });
});

describe('the HTML part of e-mails', () => {
  const all = [...templates].filter(([, t]) => t.pl.subject !== undefined);

  it('every e-mail template has one, in the shop frame, with the opt-out in the footer and the main link as a button', () => {
    for (const [id, file] of all) {
      if (!file.pl.text.includes('unsubscribeUrl')) continue;
      const out = renderTemplate(id, file, 'pl', { ...data, order: { id: 'o-1', items: cart.items }, invoice: { id: 'f-1', amount: '10.00', currency: 'PLN', payUrl: 'https://pay.example/p' }, surveyUrl: 'https://s.example/q', codes: { 'winback-vip': 'VIP-7Q2K' } });
      expect(out.html, id).toMatch(/^<!doctype html>\n<html lang="pl">/);
      expect(out.html, id).toContain('>Sklep</td>');
      expect(out.html, id).toMatch(/<a href="https:\/\/u\.example\/x" style="color:#6b6b6b">[^<]+<\/a>/);
      if (file.pl.action) expect(out.html, id).toMatch(new RegExp(`<a href="[^"]+" style="display:inline-block[^"]*">${file.pl.action.label}</a>`));
    }
    expect(all.length).toBeGreaterThanOrEqual(10);
  });

  it('a button only where the platform gave the link, and customer data escaped', () => {
    const file = templates.get('cart-reminder-2')!;
    const withLink = renderTemplate('cart-reminder-2', file, 'pl', { ...data, firstName: '<b>Zofia</b>' }).html!;
    expect(withLink).toContain('href="https://sklep.example.pl/k"');
    expect(withLink.match(/display:inline-block/g)).toHaveLength(1);
    expect(withLink).not.toContain('<b>Zofia');
    const { recoveryUrl: _drop, ...noLink } = cart;
    const withoutLink = renderTemplate('cart-reminder-2', file, 'pl', { ...data, cart: { ...noLink, recoveryUrl: undefined } }).html!;
    expect(withoutLink).not.toContain('display:inline-block');
  });

  it('the CSAT question links its 1-5 survey in the text and as the button, in both languages', () => {
    const file = templates.get('followup-csat')!;
    const csatUrl = 'https://api.example.pl/survey?token=t&j=order-follow-up&k=o-1&q=csat';
    const pl = renderTemplate('followup-csat', file, 'pl', { ...data, csatUrl });
    expect(pl.subject).toBe('Jak oceniasz zakupy w sklepie Sklep?');
    expect(pl.text).toContain(`Odpowiedz tutaj: ${csatUrl}`);
    expect(pl.html).toMatch(/<a href="https:\/\/api\.example\.pl\/survey\?token=t&amp;j=order-follow-up&amp;k=o-1&amp;q=csat" style="display:inline-block[^"]*">Oceń zakupy<\/a>/);
    expect(renderTemplate('followup-csat', file, 'en', { ...data, csatUrl }).text).toContain('One click on a scale from 1 to 5.');
    expect(() => renderTemplate('followup-csat', file, 'pl', data)).toThrow(TemplateRenderError);
  });

  it('takes the shop colour when it is a colour, and the default otherwise', () => {
    const file = templates.get('cart-reminder-1')!;
    expect(renderTemplate('c', file, 'pl', { ...data, shop: { name: 'S', color: '#aa3300' } }).html).toContain('background:#aa3300');
    expect(renderTemplate('c', file, 'pl', { ...data, shop: { name: 'S', color: 'red;x:y' } }).html).not.toContain('red;x');
  });
});

describe('templates', () => {
  it('renders the second reminder in Polish with the cart and the unsubscribe link', () => {
    const out = renderTemplate('cart-reminder-2', templates.get('cart-reminder-2')!, 'pl', data);
    expect(out.subject).toBe('Twój koszyk: 1 produkt na 1234,50\u00a0zł');
    expect(out.text).toContain('Kubek „Żuraw”: 2 × 49,90\u00a0zł = 99,80\u00a0zł');
    expect(out.html).toContain('href="https://u.example/x"');
  });

  it('renders English', () => {
    expect(renderTemplate('cart-reminder-1', templates.get('cart-reminder-1')!, 'en', data).subject).toBe('Zofia, your basket is waiting');
  });

  it('escapes HTML from customer data in the HTML part', () => {
    const out = renderTemplate('cart-reminder-1', templates.get('cart-reminder-1')!, 'en', { ...data, firstName: '<script>' });
    expect(out.html).not.toContain('<script>');
    expect(out.html).toContain('&lt;script&gt;');
  });

  it('throws on a missing variable instead of sending an empty string', () => {
    const { unsubscribeUrl: _drop, ...incomplete } = data;
    expect(() => renderTemplate('cart-reminder-1', templates.get('cart-reminder-1')!, 'pl', incomplete)).toThrow(TemplateRenderError);
  });

  describe('errors name the template, locale, field, position and variable', () => {
    const file = (text: string, subject?: string) => ({ pl: { text, ...(subject ? { subject } : {}) }, en: { text } });
    const fail = (text: string, subject?: string): TemplateRenderError => {
      try {
        renderTemplate('t', file(text, subject), 'pl', data);
      } catch (e) {
        expect(e).toBeInstanceOf(TemplateRenderError);
        return e as TemplateRenderError;
      }
      throw new Error('rendered');
    };

    it('a misspelt variable, with the field it is in and the name it was meant to be', () => {
      const e = fail('ok', 'Cześć {{firstNme}}');
      expect([e.template, e.locale, e.field, e.position]).toEqual(['t', 'pl', 'subject', { line: 1, column: 9 }]);
      expect(e.reason).toBe('{{firstNme}} is not in the data (did you mean "firstName"?)');
    });

    it('a misspelt field of a nested object and of a list item', () => {
      expect(fail('{{cart.totl}}').reason).toBe('{{cart.totl}} is not in the data (did you mean "total"?)');
      expect(fail('{{#each cart.items}}\n{{titel}}{{/each}}')).toMatchObject({ reason: '{{cart.items[].titel}} is not in the data (did you mean "title"?)', position: { line: 2, column: 3 } });
    });

    it('an object or list printed as text never reaches a message as [object Object]', () => {
      expect(fail('Twój koszyk: {{cart}}').reason).toBe('{{cart}} is an object, not text: name one of its fields (items, total, currency, recoveryUrl)');
      expect(fail('{{cart.items}}').reason).toMatch(/^\{\{cart\.items\}\} is a list: go through it with \{\{#each cart\.items\}\}/);
      expect(fail('<p>{{shop}}</p>').reason).toMatch(/^\{\{shop\}\} is an object/);
    });

    it('a helper called without its currency, or with an object, says how to call it', () => {
      expect(fail('Razem:\n  {{money cart.total}}')).toMatchObject({ position: { line: 2, column: 3 }, reason: '{{money}} needs an amount and a currency code, as in {{money cart.total cart.currency}}' });
      expect(fail('{{money cart cart.currency}}').reason).toBe('{{money}} was given {{cart}}, which is not a single value');
    });

    it('lists and objects still work where a template goes through them', () => {
      const out = renderTemplate('t', file('{{#each cart.items}}{{title}} × {{quantity}}{{/each}} {{#if cart}}{{money cart.total cart.currency}}{{/if}}'), 'pl', data);
      expect(out.text).toBe('Kubek „Żuraw” × 2 1234,50\u00a0zł');
    });
  });
});
