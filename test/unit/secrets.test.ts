import { describe, expect, it } from 'vitest';
import { MemoryMetrics } from '../../functions/shared/metrics.ts';
import { parseSecretList, SECRET_MAX_AGE_SECONDS, SecretLists } from '../../functions/shared/secrets.ts';
import { silentLog } from '../../functions/shared/logger.ts';

describe('secret values', () => {
  it('are lists of credentials, one per line or comma-separated, blanks dropped', () => {
    expect(parseSecretList('abc')).toEqual(['abc']);
    expect(parseSecretList(' old-secret \nnew-secret\n\n')).toEqual(['old-secret', 'new-secret']);
    expect(parseSecretList('default::a, shop2::b')).toEqual(['default::a', 'shop2::b']);
    expect(parseSecretList(undefined)).toEqual([]);
    expect(parseSecretList('  \n ')).toEqual([]);
  });

  it('are read again after the cache time, so a rotation needs no redeploy; an unset secret is not asked for on every request', async () => {
    let now = new Date('2026-11-23T10:00:00Z');
    const values: Record<string, string | undefined> = { set: 'one', unset: undefined };
    const calls: string[] = [];
    const lists = new SecretLists(
      async (arn) => {
        calls.push(arn);
        return values[arn];
      },
      { now: () => now },
      silentLog,
    );
    expect(await lists.list('unset')).toEqual([]);
    expect(await lists.list('unset')).toEqual([]);
    expect(calls.filter((c) => c === 'unset')).toHaveLength(1);
    values['unset'] = 'now-set';
    now = new Date(now.getTime() + SECRET_MAX_AGE_SECONDS * 1000 + 1);
    expect(await lists.list('unset')).toEqual(['now-set']);
    expect(await lists.one('set')).toBe('one');
  });

  it('an unchanged value gives the same list, so the credential index is built once per value, not per request', async () => {
    let value = 'a::1\nb::2';
    const lists = new SecretLists(async () => value, { now: () => new Date() }, silentLog);
    const first = await lists.list('arn');
    expect(await lists.list('arn')).toBe(first);
    value = 'a::1\nb::3';
    expect(await lists.list('arn')).not.toBe(first);
    expect(await lists.list('arn')).toEqual(['a::1', 'b::3']);
  });

  it('a secret that cannot be read is an error (the platform retries), not an empty list', async () => {
    const lists = new SecretLists(async () => Promise.reject(Object.assign(new Error('no'), { name: 'AccessDeniedException' })), { now: () => new Date() }, silentLog);
    await expect(lists.list('x')).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('memory metrics', () => {
  it('sum by name and dimensions', () => {
    const m = new MemoryMetrics();
    m.count('MessageSent', { journey: 'a', channel: 'email' });
    m.count('MessageSent', { journey: 'b', channel: 'email' }, 2);
    expect(m.total('MessageSent')).toBe(3);
    expect(m.total('MessageSent', { journey: 'b' })).toBe(2);
  });
});
