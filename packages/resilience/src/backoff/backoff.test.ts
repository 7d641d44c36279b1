import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConstantBackoff, ExponentialBackoff } from './exponential.ts';
import { applyRetryAfter } from './retry-after.ts';

describe('backoff', () => {
  it('exponential without jitter doubles up to the cap', () => {
    const b = new ExponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 'none' });
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((n) => b.delay(n, 0, Math.random)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it('full, equal and decorrelated jitter stay within their ranges', () => {
    fc.assert(
      fc.property(
        fc.nat(20),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        fc.nat(50_000),
        (retry, r, previous) => {
          const raw = Math.min(30_000, 250 * 2 ** retry);
          const full = new ExponentialBackoff().delay(retry, previous, () => r);
          assert.ok(full >= 0 && full <= raw);
          const equal = new ExponentialBackoff({ jitter: 'equal' }).delay(retry, previous, () => r);
          assert.ok(equal >= raw / 2 && equal <= raw);
          const dec = new ExponentialBackoff({ jitter: 'decorrelated' }).delay(retry, previous, () => r);
          assert.ok(dec >= 250 && dec <= Math.min(30_000, Math.max(250, previous) * 3));
        },
      ),
    );
  });

  it('constant and validation', () => {
    assert.equal(new ConstantBackoff(42).delay(), 42);
    assert.throws(() => new ConstantBackoff(-1), RangeError);
    assert.throws(() => new ExponentialBackoff({ initialMs: 10, maxMs: 5 }), /maxMs/);
  });

  it('Retry-After is honoured up to a maximum (beyond it: give up); negative and absurd values are ignored', () => {
    assert.equal(applyRetryAfter(100, 2000, 60_000), 2000);
    assert.equal(applyRetryAfter(5000, 2000, 60_000), 5000, 'never sooner than the back-off');
    assert.equal(applyRetryAfter(100, 120_000, 60_000), -1, 'longer than allowed: do not retry');
    assert.equal(applyRetryAfter(100, -5, 60_000), 100);
    assert.equal(applyRetryAfter(100, Number.NaN, 60_000), 100);
    assert.equal(applyRetryAfter(100, 1e12, 60_000), 100, 'absurd');
    assert.equal(applyRetryAfter(100, undefined, 60_000), 100);
  });
});
