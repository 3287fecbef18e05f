import { describe, expect, it } from 'vitest';
import { loadTemplates } from '../../workflows/src/load.ts';
import { formatMoney, pluralForm, renderTemplate, TemplateRenderError } from '../../workflows/src/render.ts';
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

describe('templates', () => {
  it('renders the second reminder in Polish with the cart and the unsubscribe link', () => {
    const out = renderTemplate('cart-reminder-2', templates.get('cart-reminder-2')!, 'pl', data);
    expect(out.subject).toBe('Twój koszyk: 1 produkt na 1234,50\u00a0zł');
    expect(out.text).toContain('Kubek „Żuraw” × 2 — 49,90\u00a0zł');
    expect(out.html).toContain('href="https://u.example/x"');
  });

  it('renders English', () => {
    expect(renderTemplate('cart-reminder-1', templates.get('cart-reminder-1')!, 'en', data).subject).toBe('Zofia, your basket is waiting');
  });

  it('escapes HTML from customer data in the HTML part', () => {
    const out = renderTemplate('cart-reminder-1', templates.get('cart-reminder-1')!, 'pl', { ...data, firstName: '<script>' });
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
