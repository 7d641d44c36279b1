/**
 * The few statistical tests the gate needs, written out so their behaviour on small and large
 * counts is explicit: an exact binomial tail, Fisher's exact test and the pooled two-proportion
 * z-test, all one-sided ("is the first group worse?").
 */

/** Lanczos approximation (g = 7, 9 terms): ln Γ(x) to ~15 significant digits for x > 0. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln C(n, k). */
export function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** Complementary error function (Chebyshev fit, fractional error below 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** P(Z ≥ z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * P(X ≥ k) for X ~ Binomial(n, p), summed exactly from the pmf (in log space for the first term,
 * then by ratios, stopping once terms no longer matter). Summed from the side of `k` away from
 * the mean, where terms only shrink.
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // Below the mean, P(X = k) can underflow to 0 (at a million events it is e⁻⁸⁰⁰ well short of the
  // mean) and every term after it with it, which read as "no chance at all" instead of ~1.
  if (k <= n * p) return Math.max(0, 1 - binomialLowerTail(k - 1, n, p));
  let term = Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
  let sum = term;
  const odds = p / (1 - p);
  for (let i = k; i < n; i++) {
    term *= ((n - i) / (i + 1)) * odds;
    sum += term;
    // Past the mode the terms only shrink: stop when they can no longer change the sum.
    if (i > n * p && term < sum * 1e-16) break;
  }
  return Math.min(1, sum);
}

/** P(X ≤ k) for X ~ Binomial(n, p) and 0 ≤ k below the mean, summed from `k` down. */
function binomialLowerTail(k: number, n: number, p: number): number {
  let term = Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
  let sum = term;
  const odds = (1 - p) / p;
  for (let i = k; i > 0; i--) {
    term *= (i / (n - i + 1)) * odds;
    sum += term;
    // Also stops at once when P(X = k) underflowed: the terms below it are smaller still.
    if (term <= sum * 1e-16) break;
  }
  return Math.min(1, sum);
}

/** Bad and total events of one group. */
export interface BadTotal {
  bad: number;
  total: number;
}

/**
 * Fisher's exact test, one-sided: the probability, with both margins fixed, of seeing at least
 * `a.bad` bad events in group `a` if bad events were spread without regard to group
 * (hypergeometric upper tail).
 */
export function fisherOneSided(a: BadTotal, b: BadTotal): number {
  const n = a.total + b.total;
  const bad = a.bad + b.bad;
  const hi = Math.min(bad, a.total);
  const denominator = logChoose(n, a.total);
  let p = 0;
  for (let x = a.bad; x <= hi; x++) {
    p += Math.exp(logChoose(bad, x) + logChoose(n - bad, a.total - x) - denominator);
  }
  return Math.min(1, p);
}

/**
 * Pooled two-proportion z-test, one-sided (H₁: group `a` has the higher bad ratio). 1 when the
 * pooled ratio is 0 or 1 (no variance: the groups cannot differ).
 */
export function twoProportionZ(a: BadTotal, b: BadTotal): { z: number; pValue: number } {
  const pooled = (a.bad + b.bad) / (a.total + b.total);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.total + 1 / b.total));
  if (!(se > 0)) return { z: 0, pValue: 1 };
  const z = (a.bad / a.total - b.bad / b.total) / se;
  return { z, pValue: normalUpperTail(z) };
}

/** Smallest expected cell count for which the normal approximation is trusted (textbook rule). */
export const MIN_EXPECTED_CELL = 5;

/** Outcome of {@link compareProportions}. */
export interface ProportionComparison {
  test: 'z' | 'fisher';
  pValue: number;
}

/**
 * Is `a` worse than `b`? Uses the z-test when every expected cell of the 2×2 table is at least
 * {@link MIN_EXPECTED_CELL}, Fisher's exact test otherwise (small counts, rare errors).
 */
export function compareProportions(a: BadTotal, b: BadTotal): ProportionComparison {
  const pooled = (a.bad + b.bad) / (a.total + b.total);
  const minExpected = Math.min(a.total, b.total) * Math.min(pooled, 1 - pooled);
  if (minExpected >= MIN_EXPECTED_CELL) return { test: 'z', pValue: twoProportionZ(a, b).pValue };
  return { test: 'fisher', pValue: fisherOneSided(a, b) };
}
