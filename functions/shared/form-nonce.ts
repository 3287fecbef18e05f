import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The nonce of a form a customer's page shows (preferences, survey): `{issued}.{mac}`, the MAC over
 * the purpose, the link's signed token and the time it was issued, keyed with the link-signing
 * secret. A change is accepted only with the token of the link and a nonce issued for that token
 * and form within the last day, so another site cannot post one on the customer's behalf.
 * Stateless: nothing is stored, a page can be reloaded and a form sent from any instance.
 */

const VALID_SECONDS = 86_400;

export type FormPurpose = 'preferences' | 'survey' | 'staff-sign-in';

function mac(secret: string, purpose: FormPurpose, token: string, issued: number): Buffer {
  return createHmac('sha256', secret).update(`form-nonce\u0000${purpose}\u0000${token}\u0000${issued}`).digest();
}

export function signFormNonce(secret: string, purpose: FormPurpose, token: string, now: Date): string {
  const issued = Math.floor(now.getTime() / 1000);
  return `${issued}.${mac(secret, purpose, token, issued).toString('base64url')}`;
}

export type NonceCheck = { ok: true } | { ok: false; reason: 'missing' | 'forged' | 'expired' };

export function verifyFormNonce(secret: string, purpose: FormPurpose, token: string, nonce: string | undefined | null, now: Date): NonceCheck {
  if (!nonce) return { ok: false, reason: 'missing' };
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(nonce);
  if (!m) return { ok: false, reason: 'forged' };
  const issued = Number(m[1]);
  const given = Buffer.from(m[2]!, 'base64url');
  const expected = mac(secret, purpose, token, issued);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  const age = Math.floor(now.getTime() / 1000) - issued;
  // A nonce from the future is one this engine never issued (clocks agree within the function fleet).
  if (age < -300 || age > VALID_SECONDS) return { ok: false, reason: 'expired' };
  return { ok: true };
}
