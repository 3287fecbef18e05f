import { describe, expect, it } from 'vitest';
import { mapShopify } from '../../functions/ingest/shopify.ts';
import { signBase64Hmac, verifyBase64Hmac } from '../../functions/ingest/signatures.ts';
import { parseJsonKeepingIds } from '../../functions/shared/json.ts';
import { FIXTURE_SECRET, fixture } from '../support/fixtures.ts';

describe('Shopify webhook signature', () => {
  const { body, headers } = fixture('shopify', 'checkouts_create');

  it('accepts the real sample over its raw bytes', () => {
    expect(verifyBase64Hmac(body, headers['X-Shopify-Hmac-Sha256'], [FIXTURE_SECRET])).toBe(true);
  });

  it('refuses the same body re-serialised (parse then stringify changes the bytes)', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    expect(verifyBase64Hmac(reserialised, headers['X-Shopify-Hmac-Sha256'], [FIXTURE_SECRET])).toBe(false);
  });

  it('refuses a wrong secret, a missing header and a truncated signature', () => {
    expect(verifyBase64Hmac(body, headers['X-Shopify-Hmac-Sha256'], ['another-secret'])).toBe(false);
    expect(verifyBase64Hmac(body, undefined, [FIXTURE_SECRET])).toBe(false);
    expect(verifyBase64Hmac(body, headers['X-Shopify-Hmac-Sha256']!.slice(0, 20), [FIXTURE_SECRET])).toBe(false);
  });

  it('accepts either secret during a rotation', () => {
    const sig = signBase64Hmac(body, 'new-secret');
    expect(verifyBase64Hmac(body, sig, ['old-secret', 'new-secret'])).toBe(true);
  });
});

describe('lossless ids', () => {
  it('keeps an id above 2^53 exactly', () => {
    const parsed = parseJsonKeepingIds('{"id": 820982911946154508, "customer": {"id": 115310627314723954}, "total": 12.5}') as Record<string, unknown>;
    expect(parsed['id']).toBe('820982911946154508');
    expect((parsed['customer'] as Record<string, unknown>)['id']).toBe('115310627314723954');
    expect(parsed['total']).toBe(12.5);
  });

  it('keeps ids exact however the key is written: order_id, escaped in the key, beside escaped text', () => {
    const parsed = parseJsonKeepingIds('{"order_id":820982911946154508,"\\u0069d":115310627314723954,"note":"a \\"quote\\"","n":9007199254740993}') as Record<string, unknown>;
    expect(parsed['order_id']).toBe('820982911946154508');
    expect(parsed['id']).toBe('115310627314723954');
    expect(parsed['note']).toBe('a "quote"');
    // Not an id: a number as JSON reads it.
    expect(parsed['n']).toBe(9007199254740992);
  });

  it('reads a body without numeric ids as JSON.parse does', () => {
    const text = '{"id":"abc","customer":{"email":"a@example.pl","order_ids":["1"]},"total":12.5,"items":[{"sku_id":"x","qty":2}]}';
    expect(parseJsonKeepingIds(text)).toEqual(JSON.parse(text));
    expect(() => parseJsonKeepingIds('{"id": 1,')).toThrow(SyntaxError);
  });
});

describe('Shopify mapping', () => {
  it('maps the real checkout sample to an allow-listed checkout event with consent as stated', () => {
    const { body } = fixture('shopify', 'checkouts_create');
    const out = mapShopify('checkouts/create', parseJsonKeepingIds(body.toString('utf8')), 'k1', '2026-01-01T00:00:00.000Z');
    if (!('events' in out)) throw new Error('not mapped');
    const [event] = out.events;
    expect(event).toMatchObject({
      type: 'checkout.updated',
      customer: { email: 'example@email.com', firstName: 'John', consent: { emailMarketing: false } },
      checkout: { token: '123123123', total: '421.88', currency: 'USD', completed: false },
    });
    if (event?.type !== 'checkout.updated') throw new Error('wrong type');
    expect(event.checkout.items).toHaveLength(2);
    expect(event.checkout.items[0]).toEqual({ title: 'IPod Nano - 8GB', quantity: 1, price: '199.00', productId: '632910392', category: undefined });
    // Nothing outside the allow-list survives (addresses, tax lines, notes).
    expect(JSON.stringify(event)).not.toContain('Elm St');
    expect(JSON.stringify(event)).not.toContain('Billtown');
  });

  it('maps the real order sample with its id intact as a string', () => {
    const { body } = fixture('shopify', 'orders_create');
    const out = mapShopify('orders/create', parseJsonKeepingIds(body.toString('utf8')), 'k2', '2026-01-01T00:00:00.000Z');
    if (!('events' in out)) throw new Error('not mapped');
    expect(out.events[0]).toMatchObject({ type: 'order.placed', order: { id: '820982911946154500', total: '404.95' }, customer: { email: 'jon@example.com' } });
  });

  it('reports which field is wrong', () => {
    const out = mapShopify('checkouts/create', { token: 'x', line_items: 'nope', total_price: '1.00', currency: 'PLN' }, 'k3', '2026-01-01T00:00:00.000Z');
    expect('error' in out && out.error.issues.map((i) => i.path.join('.'))).toContain('line_items');
  });
});
