import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Credential } from '../credentials.ts';
import type { HttpRequest } from '../http.ts';

/**
 * The staff's session: a signed, expiring cookie naming the shop and the credential signed in with
 * (HttpOnly, Secure, SameSite=Strict, `__Host-` so no other host can set it), and the CSRF token
 * every change must carry, derived from the session. Keys are derived from the link-signing secret
 * under labels of their own, so nothing new has to be provisioned.
 */

export const SESSION_COOKIE = '__Host-koszyk-staff';
export const SESSION_SECONDS = 8 * 3600;

const Payload = z.object({ t: z.string(), k: z.string(), n: z.string(), exp: z.number().int() });

export interface StaffSession {
  credential: Credential;
  /** The session's own id: the CSRF token is derived from it. */
  id: string;
  expiresAt: number;
}

function key(secret: string, label: string): Buffer {
  return createHmac('sha256', secret).update(`koszyk-dashboard\u0000${label}`).digest();
}

function mac(secret: string, label: string, data: string): Buffer {
  return createHmac('sha256', key(secret, label)).update(data).digest();
}

export function signSession(secret: string, credential: Credential, now: Date): string {
  const exp = Math.floor(now.getTime() / 1000) + SESSION_SECONDS;
  const body = Buffer.from(JSON.stringify({ t: credential.tenant, k: credential.id, n: randomBytes(12).toString('base64url'), exp })).toString('base64url');
  return `${body}.${mac(secret, 'session', body).toString('base64url')}`;
}

export function verifySession(secret: string, value: string | undefined, now: Date): StaffSession | undefined {
  const [body, sig, ...rest] = (value ?? '').split('.');
  if (!body || !sig || rest.length > 0) return undefined;
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(secret, 'session', body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const p = Payload.safeParse(json);
  if (!p.success || p.data.exp * 1000 <= now.getTime()) return undefined;
  return { credential: { tenant: p.data.t, id: p.data.k }, id: p.data.n, expiresAt: p.data.exp };
}

/** The CSRF token of a session: the page gets it, every change sends it back in X-CSRF-Token. */
export function csrfToken(secret: string, session: StaffSession): string {
  return mac(secret, 'csrf', session.id).toString('base64url');
}

export function csrfValid(secret: string, session: StaffSession, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(csrfToken(secret, session));
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sessionCookie(value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;
}

/** One cookie's value from the Cookie header. */
export function cookie(req: HttpRequest, name: string): string | undefined {
  for (const part of (req.headers['cookie'] ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
