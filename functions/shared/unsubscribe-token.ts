import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Signed, expiring unsubscribe tokens: base64url(JSON payload) "." base64url(HMAC-SHA256). */
const Payload = z.object({ t: z.string(), c: z.string(), ch: z.enum(['email', 'sms']), exp: z.number().int() });
export type UnsubscribePayload = z.infer<typeof Payload>;

const VALIDITY_SECONDS = 90 * 86_400;

/** When a link signed at `now` stops working (epoch seconds): 90 days on. */
export function unsubscribeExpiry(now: Date): number {
  return Math.floor(now.getTime() / 1000) + VALIDITY_SECONDS;
}

export function signUnsubscribeToken(secret: string, p: Omit<UnsubscribePayload, 'exp'>, now: Date): string {
  const body = Buffer.from(JSON.stringify({ ...p, exp: unsubscribeExpiry(now) })).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export type TokenCheck = { ok: true; payload: UnsubscribePayload } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export function verifyUnsubscribeToken(secret: string, token: string, now: Date): TokenCheck {
  const [body, sig, ...rest] = token.split('.');
  if (!body || !sig || rest.length > 0) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = Payload.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  if (parsed.data.exp * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, payload: parsed.data };
}

/**
 * The code of a customer's SMS opt-out short link (`/u/{code}`, stored with the token it stands
 * for): keyed with the secret, so it cannot be derived from an e-mail address or a customer id,
 * and the same for every SMS to that customer, so retries and later messages reuse it.
 */
export function optOutCode(secret: string, p: Omit<UnsubscribePayload, 'exp'>): string {
  return createHmac('sha256', secret).update(`opt-out\u0000${p.t}\u0000${p.c}\u0000${p.ch}`).digest('base64url').slice(0, 12);
}
