import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every write of a profile's attributes goes through functions/app/profile.ts, which keeps the date
 * index with it: no other module of the product calls the store's `upsertCustomer` or
 * `updateProfile` (the adapters implement them; tests may call them to set a scene).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const WRITE = /\.\s*(upsertCustomer|updateProfile)\s*\(/;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === join('functions', 'adapters') ? [] : sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('profile writes', () => {
  it('only profile.ts calls the store to write a profile', () => {
    const callers = [...sources('functions'), ...sources('local'), ...sources('infra')].filter((f) => WRITE.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(callers.map((f) => relative('.', f))).toEqual([join('functions', 'app', 'profile.ts')]);
  });

  it('recognises a write past it', () => {
    expect(WRITE.test('await deps.store.updateProfile(tenant, customerId, { tag }, at);')).toBe(true);
    expect(WRITE.test('deps.store\n  .upsertCustomer(tenant, id, contact, at)')).toBe(true);
    expect(WRITE.test('await updateProfile(deps, customerId, change, at);')).toBe(false);
  });
});
