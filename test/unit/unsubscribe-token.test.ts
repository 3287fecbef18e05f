import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../functions/shared/unsubscribe-token.ts';

const secret = 'a-secret-of-enough-length';
const now = new Date('2026-05-01T10:00:00Z');

describe('unsubscribe tokens', () => {
  const token = signUnsubscribeToken(secret, { t: 'default', c: 'c_1', ch: 'email' }, now);

  it('verifies a token it signed', () => {
    expect(verifyUnsubscribeToken(secret, token, now)).toEqual({ ok: true, payload: expect.objectContaining({ t: 'default', c: 'c_1', ch: 'email' }) });
  });

  it('refuses a token whose payload was changed', () => {
    const [body, sig] = token.split('.');
    const forged = Buffer.from(Buffer.from(body!, 'base64url').toString().replace('c_1', 'c_2')).toString('base64url');
    expect(verifyUnsubscribeToken(secret, `${forged}.${sig}`, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a token signed with another secret, and garbage', () => {
    expect(verifyUnsubscribeToken('another-secret-entirely', token, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyUnsubscribeToken(secret, 'garbage', now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses an expired token', () => {
    expect(verifyUnsubscribeToken(secret, token, new Date('2026-09-01T00:00:00Z'))).toEqual({ ok: false, reason: 'expired' });
  });
});
