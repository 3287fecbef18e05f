import { describe, expect, it } from 'vitest';
import { journeyVersion } from '../../functions/core/journey-version.ts';
import { loadJourneys } from '../../workflows/src/load.ts';

/** A journey's definition version: what the file says customers go through, and nothing else. */
describe('journey definition version', () => {
  const [cart] = loadJourneys().filter((j) => j.id === 'abandoned-cart');

  it('is twelve hex digits, the same for the same content however its keys are written', () => {
    const v = journeyVersion(cart!);
    expect(v).toMatch(/^[0-9a-f]{12}$/);
    const reordered = Object.fromEntries(Object.entries(structuredClone(cart!)).reverse()) as typeof cart & object;
    expect(journeyVersion(reordered)).toBe(v);
  });

  it('stays when only the name or description change, and changes with anything a customer goes through', () => {
    const v = journeyVersion(cart!);
    expect(journeyVersion({ ...structuredClone(cart!), name: 'Koszyk porzucony', description: 'nowy opis' })).toBe(v);
    const longerWait = structuredClone(cart!);
    longerWait.nodes![0] = { id: 'first-wait', wait: { for: 'PT2H' } };
    expect(journeyVersion(longerWait)).not.toBe(v);
    expect(journeyVersion({ ...structuredClone(cart!), attributionDays: 7 })).not.toBe(v);
    // Every shipped journey has its own.
    const all = loadJourneys().map(journeyVersion);
    expect(new Set(all).size).toBe(all.length);
  });
});
