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
});
