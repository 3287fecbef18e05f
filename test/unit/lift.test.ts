import { describe, expect, it } from 'vitest';
import { compareArms, neededPerArm, newcombe, studentCdf, studentQuantile, welch, wilson } from '../../functions/core/lift.ts';

/**
 * Reference values: Newcombe (1998), "Interval estimation for the difference between independent
 * proportions", Statistics in Medicine 17, table II, method 10 (the hybrid score interval); Wilson's
 * interval of 81/263 as tabulated in the same series; Welch's interval and Student's quantiles as a
 * statistics package computes them from the samples written out below.
 */
describe('Wilson score interval', () => {
  it('matches the tabulated 81/263', () => {
    const i = wilson(81, 263);
    expect(i.low).toBeCloseTo(0.2553, 4);
    expect(i.high).toBeCloseTo(0.3662, 4);
  });

  it('stays inside [0, 1] at the edges and is the whole range without data', () => {
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(10, 10).high).toBeCloseTo(1, 12);
    expect(wilson(10, 10).high).toBeLessThanOrEqual(1);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe("Newcombe's hybrid score interval of a difference", () => {
  it.each([
    // x1, n1, x2, n2, difference, low, high
    [56, 70, 48, 80, 0.2, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.6, 0.1705, 0.809],
    [6, 7, 2, 7, 0.5714, 0.0582, 0.8062],
    [5, 56, 0, 29, 0.0893, -0.0381, 0.1926],
    [0, 10, 0, 20, 0, -0.1611, 0.2775],
  ])('%i/%i − %i/%i = %f, 95%% interval %f to %f', (x1, n1, x2, n2, difference, low, high) => {
    const i = newcombe(x1, n1, x2, n2);
    expect(i.difference).toBeCloseTo(difference, 4);
    expect(i.low).toBeCloseTo(low, 4);
    expect(i.high).toBeCloseTo(high, 4);
  });

  it('is the mirror image when the arms swap', () => {
    const a = newcombe(56, 70, 48, 80);
    const b = newcombe(48, 80, 56, 70);
    expect(b.low).toBeCloseTo(-a.high, 12);
    expect(b.high).toBeCloseTo(-a.low, 12);
  });
});

describe("Student's t", () => {
  it('has the tabulated two-sided 95% quantiles', () => {
    expect(studentQuantile(0.975, 1)).toBeCloseTo(12.7062, 4);
    expect(studentQuantile(0.975, 10)).toBeCloseTo(2.2281, 4);
    expect(studentQuantile(0.975, 7.3)).toBeCloseTo(2.3451, 4);
    // Towards the normal distribution.
    expect(studentQuantile(0.975, 1e6)).toBeCloseTo(1.96, 3);
    expect(studentCdf(0, 5)).toBeCloseTo(0.5, 12);
    expect(studentCdf(-2.2281388519862846, 10)).toBeCloseTo(0.025, 10);
  });
});

describe("Welch's interval of revenue per recipient", () => {
  // Revenue per recipient, one number a recipient (non-converters 0):
  // a = [0, 0, 0, 120.5, 0, 99.9, 0, 0, 250, 0, 0, 0], b = [0, 0, 80, 0, 0, 0, 0, 0, 0, 0].
  const a = { n: 12, sum: 470.4, sumOfSquares: 87000.26 };
  const b = { n: 10, sum: 80, sumOfSquares: 6400 };

  it('matches the interval computed from the samples', () => {
    const i = welch(a, b)!;
    expect(i.difference).toBeCloseTo(31.2, 10);
    expect(i.df).toBeCloseTo(13.625, 3);
    expect(i.low).toBeCloseTo(-20.7385, 3);
    expect(i.high).toBeCloseTo(83.1385, 3);
  });

  it('has none with fewer than two recipients in an arm or no spread at all', () => {
    expect(welch({ n: 1, sum: 10, sumOfSquares: 100 }, b)).toBeUndefined();
    expect(welch({ n: 5, sum: 0, sumOfSquares: 0 }, { n: 5, sum: 0, sumOfSquares: 0 })).toBeUndefined();
  });
});

describe('sample size per arm', () => {
  it('is the textbook figure for 10% against 15% at 5% two-sided and 80% power', () => {
    expect(neededPerArm(0.15, 0.1)).toBe(686);
    expect(neededPerArm(0.1, 0.15)).toBe(686);
  });

  it('grows as the difference shrinks, and is undefined without one', () => {
    expect(neededPerArm(0.11, 0.1)!).toBeGreaterThan(neededPerArm(0.15, 0.1)!);
    expect(neededPerArm(0.1, 0.1)).toBeUndefined();
  });
});

describe('comparing an arm with its baseline', () => {
  const arm = (recipients: number, conversions: number) => ({ recipients, conversions, revenue: { n: recipients, sum: conversions * 100, sumOfSquares: conversions * 10_000 } });

  it('calls it better once the whole interval lies above zero', () => {
    const c = compareArms(arm(70, 56), arm(80, 48));
    expect(c.verdict).toBe('better');
    expect(c.neededPerArm).toBeUndefined();
    expect(c.rate!.low).toBeCloseTo(0.0524, 4);
  });

  it('calls it worse once the whole interval lies below zero', () => {
    expect(compareArms(arm(80, 48), arm(70, 56)).verdict).toBe('worse');
  });

  it('wants more data while the interval spans zero, and says how many recipients per arm', () => {
    const c = compareArms(arm(100, 15), arm(100, 10));
    expect(c.verdict).toBe('not_enough_data');
    expect(c.rate!.low).toBeLessThan(0);
    expect(c.rate!.high).toBeGreaterThan(0);
    expect(c.neededPerArm).toBe(686);
  });

  it('has no interval while an arm has no recipients', () => {
    expect(compareArms(arm(0, 0), arm(10, 1))).toEqual({ verdict: 'not_enough_data' });
  });
});
