import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { recordingListener } from '../testing/support.ts';
import { ErrorAggregator } from './error-aggregator.ts';

describe('ErrorAggregator', () => {
  it('error rate and counts by category over a sliding window', async () => {
    const clock = new ManualClock(0);
    const agg = new ErrorAggregator({ windowMs: 10_000, buckets: 10, clock });
    for (let i = 0; i < 6; i++) agg.recordSuccess();
    agg.recordFailure('rate_limited');
    agg.recordFailure('rate_limited');
    await clock.advance(5000);
    agg.recordFailure('timeout');
    agg.recordSuccess();
    let s = agg.snapshot();
    assert.deepEqual([s.total, s.errors, s.errorRate], [10, 3, 0.3]);
    assert.deepEqual(s.byCategory, { rate_limited: 2, timeout: 1 });
    await clock.advance(6000);
    s = agg.snapshot();
    assert.deepEqual([s.total, s.errors], [2, 1], 'the first half left the window');
    assert.throws(() => agg.recordFailure('nope' as 'timeout'), /unknown error category/);
  });

  it('detects an emerging pattern once per episode', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const agg = new ErrorAggregator({
      windowMs: 1000,
      buckets: 4,
      patternThreshold: 3,
      clock,
      listener,
      name: 'openai',
    });
    for (let i = 0; i < 5; i++) agg.recordFailure('overloaded');
    agg.recordFailure('timeout');
    assert.equal(listener.calls.length, 1);
    assert.deepEqual(agg.snapshot().patterns, [{ category: 'overloaded', count: 5 }]);
    await clock.advance(2000);
    for (let i = 0; i < 3; i++) agg.recordFailure('overloaded');
    assert.equal(listener.calls.length, 2, 're-emerged after leaving the window');
  });

  it('a listener whose onPattern throws fails no recordFailure() and stops no counting', () => {
    const clock = new ManualClock(0);
    const listener = {
      onPattern: () => {
        throw new Error('broken dashboard');
      },
    };
    const agg = new ErrorAggregator({ patternThreshold: 2, clock, listener });
    agg.recordFailure('overloaded');
    assert.doesNotThrow(() => agg.recordFailure('overloaded'));
    agg.recordFailure('overloaded');
    assert.deepEqual(agg.snapshot().patterns, [{ category: 'overloaded', count: 3 }]);
  });

  it('a wall-clock step neither empties the window nor keeps old failures in it', async () => {
    for (const step of [-3_600_000, 3_600_000]) {
      const clock = new ManualClock();
      const listener = recordingListener();
      const agg = new ErrorAggregator({
        windowMs: 10_000,
        buckets: 10,
        patternThreshold: 3,
        clock,
        listener,
      });
      agg.recordFailure('timeout');
      agg.recordFailure('timeout');
      clock.stepWall(step);
      await clock.advance(1000);
      agg.recordFailure('timeout');
      assert.equal(agg.count('timeout'), 3, `step ${step}: all three in the window`);
      const event = listener.calls[0]?.[1][0] as { at: number } | undefined;
      assert.equal(event?.at, clock.now(), 'the pattern event carries wall time');
      await clock.advance(10_000);
      assert.equal(agg.snapshot().errors, 0, `step ${step}: the window moved on`);
    }
  });
});
