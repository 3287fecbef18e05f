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
  if (!header) return false;
  const given = header.trim();
  return secrets.some((secret) => secret.length > 0 && safeEqual(createHmac('sha256', secret).update(rawBody).digest('base64'), given));
}

export function signBase64Hmac(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}
