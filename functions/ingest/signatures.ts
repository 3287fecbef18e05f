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
 * A configured credential is `secret` (the deployment's default tenant) or `tenant::secret`.
 * The tenant comes from the credential that verified a request, never from a header.
 */
export function parseCredential(entry: string, defaultTenant: string): { tenant: string; secret: string } {
  const at = entry.indexOf('::');
  return at > 0 ? { tenant: entry.slice(0, at), secret: entry.slice(at + 2) } : { tenant: defaultTenant, secret: entry };
}

export function signBase64Hmac(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}
