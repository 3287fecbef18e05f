import { createHmac, timingSafeEqual } from 'node:crypto';

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Shopify and WooCommerce: base64 HMAC-SHA256 of the raw body. Every secret given is tried,
 * so a rotation can run with the old and the new secret side by side.
 */
export function verifyBase64Hmac(rawBody: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  return matchBase64Hmac(rawBody, header, secrets) !== undefined;
}

/** The secret that signed the body, if any: it says which tenant sent it. */
export function matchBase64Hmac(rawBody: Buffer, header: string | undefined, secrets: readonly string[]): string | undefined {
  if (!header) return undefined;
  const given = header.trim();
  return secrets.find((secret) => secret.length > 0 && safeEqual(createHmac('sha256', secret).update(rawBody).digest('base64'), given));
}

/**
 * A configured credential is `secret` (the deployment's default tenant), `tenant::secret`, or
 * `tenant@shop::secret`, where `shop` is how the platform names the shop in its requests
 * (Shopify's shop domain, WooCommerce's site address, a Stripe account id): a request naming that
 * shop is checked against that shop's credentials alone. The tenant comes from the credential that
 * verified a request, never from a header.
 */
export function parseCredential(entry: string, defaultTenant: string): { tenant: string; secret: string; shop?: string } {
  const at = entry.indexOf('::');
  if (at <= 0) return { tenant: defaultTenant, secret: entry };
  const head = entry.slice(0, at);
  const secret = entry.slice(at + 2);
  const sep = head.indexOf('@');
  return sep > 0 ? { tenant: head.slice(0, sep), secret, shop: shopKey(head.slice(sep + 1)) } : { tenant: head, secret };
}

/** One spelling of a shop's name: "https://Sklep.pl/" and "sklep.pl" are the same shop. */
export function shopKey(shop: string): string {
  return shop.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

export function signBase64Hmac(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}
