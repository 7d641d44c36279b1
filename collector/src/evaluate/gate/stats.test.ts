import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  binomialUpperTail,
  compareProportions,
  fisherOneSided,
  logGamma,
  normalUpperTail,
  twoProportionZ,
} from './stats.ts';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≉ ${expected}`);

describe('gate statistics (hand-computed cases)', () => {
  it('logGamma matches factorials', () => {
    close(logGamma(5), Math.log(24));
    close(logGamma(11), Math.log(3_628_800));
  });

  it('normal upper tail at well-known quantiles', () => {
    close(normalUpperTail(0), 0.5, 1e-6);
    close(normalUpperTail(1.959963985), 0.025, 1e-6);
    close(normalUpperTail(-1.644853627), 0.95, 1e-6);
  });

  it('binomial tail: P(X ≥ 3 | n=10, p=0.1) = 1 − (0.9¹⁰ + 10·0.1·0.9⁹ + 45·0.01·0.9⁸)', () => {
    close(binomialUpperTail(3, 10, 0.1), 1 - (0.9 ** 10 + 10 * 0.1 * 0.9 ** 9 + 45 * 0.01 * 0.9 ** 8), 1e-12);
    close(binomialUpperTail(1, 100, 0.005), 1 - 0.995 ** 100, 1e-12);
    assert.equal(binomialUpperTail(0, 10, 0.1), 1);
    assert.equal(binomialUpperTail(11, 10, 0.1), 0);
  });

  it('binomial tail below the mean is most of the mass, even where P(X = k) underflows', () => {
    // Mean 10,000; P(X = 6,000) is about e⁻⁸⁰⁰, below the smallest double.
    close(binomialUpperTail(6_000, 1_000_000, 0.01), 1, 1e-12);
    close(binomialUpperTail(50, 1_000_000, 0.001), 1, 1e-12);
    // Just below the mean (scipy: binom.sf(9, 1000, 0.01) = 0.54270).
    close(binomialUpperTail(10, 1000, 0.01), 0.5426994078, 1e-9);
  });

  it("Fisher's exact test: 3/3 vs 0/3 → 1/C(6,3) = 0.05; 2/4 vs 0/4 → C(6,2)/C(8,4) = 15/70", () => {
    close(fisherOneSided({ bad: 3, total: 3 }, { bad: 0, total: 3 }), 0.05, 1e-12);
    close(fisherOneSided({ bad: 2, total: 4 }, { bad: 0, total: 4 }), 15 / 70, 1e-12);
    // 2/100 vs 0/100: P = C(198,98)/C(200,100) = 100·99/(200·199).
    close(fisherOneSided({ bad: 2, total: 100 }, { bad: 0, total: 100 }), 9_900 / 39_800, 1e-12);
    // Not worse at all: the whole tail.
    close(fisherOneSided({ bad: 0, total: 10 }, { bad: 5, total: 10 }), 1, 1e-12);
  });

  it('two-proportion z: 60/1000 vs 40/1000 → z = 0.02/√(0.05·0.95·0.002) ≈ 2.052', () => {
    const { z, pValue } = twoProportionZ({ bad: 60, total: 1000 }, { bad: 40, total: 1000 });
    close(z, 0.02 / Math.sqrt(0.05 * 0.95 * 0.002), 1e-12);
    close(pValue, 0.020087, 1e-5);
    assert.deepEqual(twoProportionZ({ bad: 0, total: 10 }, { bad: 0, total: 10 }), { z: 0, pValue: 1 });
  });

  it('picks Fisher for small expected counts, z otherwise', () => {
    assert.equal(compareProportions({ bad: 2, total: 100 }, { bad: 0, total: 100 }).test, 'fisher');
    assert.equal(compareProportions({ bad: 60, total: 1000 }, { bad: 40, total: 1000 }).test, 'z');
  });
});
