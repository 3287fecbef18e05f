import { describe, expect, it } from 'vitest';
import { keyed, stillConfigured } from '../../functions/ingest/credentials.ts';
import { END, journeyView, START } from '../../functions/ingest/dashboard/journey-view.ts';
import { cookie, csrfToken, csrfValid, SESSION_SECONDS, signSession, verifySession } from '../../functions/ingest/dashboard/session.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';

const T = new Date('2026-11-24T08:00:00Z');
const at = (seconds: number) => new Date(T.getTime() + seconds * 1000);

describe('staff sessions', () => {
  const credential = { tenant: 'shop-b', id: 'abc123' };

  it('name the shop and credential until they expire, and only under the secret that signed them', () => {
    const value = signSession('secret-1', credential, T);
    expect(verifySession('secret-1', value, at(SESSION_SECONDS - 1))).toMatchObject({ credential, expiresAt: T.getTime() / 1000 + SESSION_SECONDS });
    expect(verifySession('secret-1', value, at(SESSION_SECONDS))).toBeUndefined();
    expect(verifySession('secret-2', value, T)).toBeUndefined();
    expect(verifySession('secret-1', `${value}x`, T)).toBeUndefined();
    expect(verifySession('secret-1', undefined, T)).toBeUndefined();
    // A payload changed to another shop no longer matches its signature.
    const [body, sig] = value.split('.');
    const other = Buffer.from(Buffer.from(body!, 'base64url').toString('utf8').replace('shop-b', 'shop-a')).toString('base64url');
    expect(verifySession('secret-1', `${other}.${sig}`, T)).toBeUndefined();
  });

  it('give each session its own CSRF token', () => {
    const a = verifySession('secret-1', signSession('secret-1', credential, T), T)!;
    const b = verifySession('secret-1', signSession('secret-1', credential, T), T)!;
    expect(csrfToken('secret-1', a)).not.toBe(csrfToken('secret-1', b));
    expect(csrfValid('secret-1', a, csrfToken('secret-1', a))).toBe(true);
    expect(csrfValid('secret-1', a, csrfToken('secret-1', b))).toBe(false);
    expect(csrfValid('secret-1', a, undefined)).toBe(false);
    expect(csrfValid('secret-2', a, csrfToken('secret-1', a))).toBe(false);
  });

  it('end when the key they were opened with is no longer configured', () => {
    const keys = ['old-key-of-default', 'shop-b::key-of-shop-b'];
    const signedIn = keyed(keys, 'default', 'key-of-shop-b')!;
    expect(signedIn.tenant).toBe('shop-b');
    expect(stillConfigured(keys, 'default', signedIn)).toBe(true);
    expect(stillConfigured(['old-key-of-default', 'shop-b::a-new-key'], 'default', signedIn)).toBe(false);
    // The same key moved to another shop is not the same credential.
    expect(stillConfigured(['shop-c::key-of-shop-b'], 'default', signedIn)).toBe(false);
  });

  it('read one cookie of several', () => {
    const req = { method: 'GET', path: '/', headers: { cookie: 'a=1; __Host-koszyk-staff=v.s; b=2' }, rawBody: Buffer.alloc(0) };
    expect(cookie(req, '__Host-koszyk-staff')).toBe('v.s');
    expect(cookie(req, 'c')).toBeUndefined();
  });
});

describe('a journey as the dashboard draws it', () => {
  it('is its steps between a start and an end, each node the step id its statistics carry', () => {
    const journey = JourneyConfig.parse({
      id: 'j',
      name: 'J',
      trigger: 'payment.failed',
      topic: 'service',
      steps: [
        { id: 'mail', after: 'PT0S', channel: 'email', template: 't' },
        { id: 'review', after: 'P2D', channel: 'email', template: 't', topic: 'marketing' },
        { id: 'call', after: 'P3D', channel: 'staff', template: 't' },
      ],
    });
    const view = journeyView(journey);
    expect(view.graph.nodes.map((n) => [n.id, n.kind, n.topic])).toEqual([
      [START, 'start', undefined],
      ['mail', 'email', 'service'],
      ['review', 'email', 'marketing'],
      ['call', 'staff', 'service'],
      [END, 'end', undefined],
    ]);
    expect(view.graph.edges).toEqual([
      { from: START, to: 'mail' },
      { from: 'mail', to: 'review' },
      { from: 'review', to: 'call' },
      { from: 'call', to: END },
    ]);
  });
});
