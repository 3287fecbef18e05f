/**
 * Is an arm of an experiment (a split's variant, the messaged side of a holdout) doing better than
 * the arm it is compared with? Pure arithmetic on aggregate counts, no I/O:
 * - the difference in conversion rate, with the 95% interval of Newcombe's hybrid score method
 *   (each rate's Wilson score interval, combined; his method 10), which behaves at rates near 0
 *   and 1 and at small counts where the plain Wald interval does not;
 * - the difference in revenue per recipient, with Welch's interval (unequal variances), from the
 *   sum and the sum of squares of each arm's revenue;
 * - a verdict: better or worse once the rate interval leaves zero, otherwise not enough data, with
 *   the recipients per arm a two-sided test at 5% would need to find the observed difference with
 *   80% power.
 */

/** Two-sided 95%: the standard normal quantile at 0.975. */
export const Z_95 = 1.959963984540054;
/** 80% power: the standard normal quantile at 0.8. */
export const Z_80 = 0.8416212335729143;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson's score interval of a proportion `x / n` (for n = 0, the whole of [0, 1]). */
export function wilson(x: number, n: number, z = Z_95): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval of p1 − p2 (x1/n1 − x2/n2): the distance from each rate to
 * the near end of its own Wilson interval, added in quadrature on each side.
 */
export function newcombe(x1: number, n1: number, x2: number, n2: number, z = Z_95): Interval & { difference: number } {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const a = wilson(x1, n1, z);
  const b = wilson(x2, n2, z);
  const difference = p1 - p2;
  return {
    difference,
    low: difference - Math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2),
    high: difference + Math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2),
  };
}

/** An arm's revenue as the counters hold it: recipients, the sum of revenue and the sum of its squares. */
export interface RevenueSample {
  n: number;
  sum: number;
  sumOfSquares: number;
}

/** Sample mean and (n − 1) variance from the sums. */
function moments(s: RevenueSample): { mean: number; variance: number } {
  const mean = s.sum / s.n;
  const variance = s.n > 1 ? Math.max(0, (s.sumOfSquares - s.n * mean * mean) / (s.n - 1)) : 0;
  return { mean, variance };
}

/**
 * Welch's interval of mean1 − mean2 at `confidence`, with the Welch–Satterthwaite degrees of
 * freedom; undefined when an arm has fewer than two recipients or neither arm varies.
 */
export function welch(a: RevenueSample, b: RevenueSample, confidence = 0.95): (Interval & { difference: number; df: number }) | undefined {
  if (a.n < 2 || b.n < 2) return undefined;
  const x = moments(a);
  const y = moments(b);
  const va = x.variance / a.n;
  const vb = y.variance / b.n;
  const se = Math.sqrt(va + vb);
  const difference = x.mean - y.mean;
  if (se === 0) return undefined;
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = studentQuantile(1 - (1 - confidence) / 2, df);
  return { difference, df, low: difference - t * se, high: difference + t * se };
}

/**
 * Recipients each arm needs for a two-sided test at 5% to detect p1 against p2 with 80% power
 * (the normal approximation with the pooled variance under the null); undefined when the rates
 * are equal (no difference to detect) or outside (0, 1).
 */
export function neededPerArm(p1: number, p2: number, zAlpha = Z_95, zBeta = Z_80): number | undefined {
  const delta = Math.abs(p1 - p2);
  if (!(delta > 0) || p1 < 0 || p2 < 0 || p1 > 1 || p2 > 1) return undefined;
  const mean = (p1 + p2) / 2;
  const root = zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((root * root) / (delta * delta));
}

export type Verdict = 'better' | 'worse' | 'not_enough_data';

/** One arm as the comparison sees it. */
export interface ArmCounts {
  recipients: number;
  conversions: number;
  revenue: RevenueSample;
}

export interface Comparison {
  /** Rate of `arm` minus rate of `baseline`, with its 95% interval; undefined when an arm has no recipients. */
  rate?: Interval & { difference: number };
  /** Revenue per recipient of `arm` minus `baseline`'s, with Welch's 95% interval, when it can be had. */
  revenue?: Interval & { difference: number; df: number };
  verdict: Verdict;
  /** While there is not enough data: the recipients each arm needs (see `neededPerArm`). */
  neededPerArm?: number;
}

/** Compares `arm` with `baseline`: better once the whole rate interval lies above zero, worse below it. */
export function compareArms(arm: ArmCounts, baseline: ArmCounts): Comparison {
  if (arm.recipients <= 0 || baseline.recipients <= 0) return { verdict: 'not_enough_data' };
  const rate = newcombe(arm.conversions, arm.recipients, baseline.conversions, baseline.recipients);
  const revenue = welch(arm.revenue, baseline.revenue);
  if (rate.low > 0) return { rate, revenue, verdict: 'better' };
  if (rate.high < 0) return { rate, revenue, verdict: 'worse' };
  const needed = neededPerArm(arm.conversions / arm.recipients, baseline.conversions / baseline.recipients);
  return { rate, revenue, verdict: 'not_enough_data', ...(needed === undefined ? {} : { neededPerArm: needed }) };
}

// Student's t distribution, for Welch's interval.

/** ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms): about 15 significant digits. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < c.length; i++) sum += c[i]! / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of the regularized incomplete beta function, by the modified Lentz method. */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    // The even step, then the odd one.
    for (const numerator of [(m * (b - m) * x) / ((a + m2 - 1) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))]) {
      d = 1 + numerator * d;
      d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return f;
}

/** I_x(a, b), the regularized incomplete beta function. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast on this side of the mean; the other side by symmetry.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The `p` quantile of Student's t with `df` degrees of freedom, by bisection on the distribution function. */
export function studentQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`a quantile needs 0 < p < 1, not ${p}`);
  let low = -1e6;
  let high = 1e6;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, Math.abs(high)); i++) {
    const mid = (low + high) / 2;
    if (studentCdf(mid, df) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}
