/**
 * A breaker's open duration, half-open ramp, override expiry and time window are durations: a
 * step of the wall clock (NTP, a VM resumed) must not change them. `ManualClock.stepWall` steps
 * the wall clock alone, as NTP does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import type { CircuitOpenError } from '../core/errors.ts';
import { noopListener } from '../telemetry/listener.ts';
import { SERVER_ERROR } from '../testing/support.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { CircuitBreakerOptions } from './options.ts';

const HOUR = 3_600_000;

function tripped(clock: ManualClock, options: CircuitBreakerOptions = {}): CircuitBreaker {
  const b = new CircuitBreaker({
    dependency: 'openai/gpt-4o',
    clock,
    listener: noopListener,
    trip: { kind: 'consecutive', threshold: 1 },
    openDurationMs: 30_000,
    ...options,
  });
  b.onFailure(b.admit(), SERVER_ERROR);
  assert.equal(b.state, 'open');
  return b;
}

function refusal(b: CircuitBreaker): CircuitOpenError | undefined {
  try {
    b.release(b.admit());
    return undefined;
  } catch (error) {
    return error as CircuitOpenError;
  }
}

describe('CircuitBreaker across a wall-clock step', () => {
  it('a backward step of 1 h does not hold a 30 s open period open', async () => {
    const clock = new ManualClock();
    const b = tripped(clock);
    clock.stepWall(-HOUR);
    await clock.advance(10_000);
    assert.equal(refusal(b)?.retryAfterMs, 20_000, 'the open period has 20 s left, not 1 h 20 s');
    await clock.advance(20_000);
    assert.equal(refusal(b), undefined, 'half-open after 30 s');
  });

  it('a forward step of 1 h does not end a 30 s open period', async () => {
    const clock = new ManualClock();
    const b = tripped(clock);
    clock.stepWall(HOUR);
    await clock.advance(1_000);
    assert.equal(b.state, 'open');
    assert.equal(refusal(b)?.retryAfterMs, 29_000);
  });

  it('a backward step does not stall the half-open ramp', async () => {
    const clock = new ManualClock();
    const b = tripped(clock, { halfOpen: { ramp: { steps: [0.5, 1], stepMs: 1_000 } } });
    await clock.advance(30_000);
    assert.equal(b.state, 'half_open');
    clock.stepWall(-600_000);
    for (let i = 0; i < 50; i++) {
      await clock.advance(100);
      try {
        b.onSuccess(b.admit());
      } catch {}
    }
    assert.equal(b.state, 'closed', 'a ramp of 2 s is done after 5 s of successes');
  });

  it('a slow-call threshold measures the call, not a step during it', async () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker({
      clock,
      listener: noopListener,
      trip: { kind: 'consecutive', threshold: 1 },
      slowCall: { thresholdMs: 5_000 },
    });
    const permit = b.admit();
    clock.stepWall(HOUR);
    await clock.advance(100);
    b.onSuccess(permit);
    assert.equal(b.state, 'closed', 'a 100 ms call is not slow');
  });

  it('an override lasts its time left when applied, whatever the wall clock does next', async () => {
    for (const step of [-HOUR, HOUR]) {
      const clock = new ManualClock();
      const b = new CircuitBreaker({ clock, listener: noopListener });
      b.applyOverride({ state: 'open', expiresAt: clock.now() + 60_000, source: 'sig-1' });
      clock.stepWall(step);
      await clock.advance(30_000);
      assert.equal(b.state, 'open', `step ${step}: 30 s into a 60 s override`);
      assert.equal(b.source, 'fleet');
      assert.equal(refusal(b)?.retryAfterMs, 30_000);
      await clock.advance(30_000);
      assert.equal(b.activeOverride, undefined, `step ${step}: over after 60 s`);
      assert.equal(b.state, 'closed');
    }
  });

  it('a time window keeps its failures across a step', () => {
    for (const step of [-HOUR, HOUR]) {
      const clock = new ManualClock();
      const b = new CircuitBreaker({
        clock,
        listener: noopListener,
        trip: { kind: 'time', windowMs: 10_000, buckets: 10, minimumThroughput: 4, failureRatio: 0.5 },
      });
      b.onFailure(b.admit(), SERVER_ERROR);
      b.onFailure(b.admit(), SERVER_ERROR);
      b.onSuccess(b.admit());
      clock.stepWall(step);
      b.onFailure(b.admit(), SERVER_ERROR);
      assert.equal(b.state, 'open', `step ${step}: 3 failures of 4 calls in the window`);
    }
  });

  it('snapshots carry wall time: restored after a step, the open period keeps its time left', async () => {
    const clock = new ManualClock();
    const trip = {
      kind: 'time',
      windowMs: 10_000,
      buckets: 10,
      minimumThroughput: 1,
      failureRatio: 0.5,
    } as const;
    const b = tripped(clock, { trip });
    const snapshot = JSON.parse(JSON.stringify(b.toJSON()));
    assert.equal(snapshot.openUntil, clock.now() + 30_000, 'wall time in the snapshot');
    await clock.advance(10_000);
    // Another process, whose monotonic clock has another origin, restores it.
    const other = new ManualClock(clock.now());
    await other.advance(123_456);
    other.stepWall(-123_456);
    const copy = CircuitBreaker.fromJSON(snapshot, { clock: other, listener: noopListener, trip });
    assert.equal(refusal(copy)?.retryAfterMs, 20_000);
    assert.deepEqual(copy.toJSON(), snapshot, 'the same wall times again');
  });

  it('a restored time window keeps its failures in a process whose monotonic time differs', async () => {
    const clock = new ManualClock();
    const trip = {
      kind: 'time',
      windowMs: 10_000,
      buckets: 10,
      minimumThroughput: 4,
      failureRatio: 0.5,
    } as const;
    const b = new CircuitBreaker({ clock, listener: noopListener, trip });
    b.onFailure(b.admit(), SERVER_ERROR);
    b.onFailure(b.admit(), SERVER_ERROR);
    b.onSuccess(b.admit());
    const snapshot = JSON.parse(JSON.stringify(b.toJSON()));
    const other = new ManualClock(clock.now());
    await other.advance(987_654);
    other.stepWall(-987_654);
    const copy = CircuitBreaker.fromJSON(snapshot, { clock: other, listener: noopListener, trip });
    assert.deepEqual(copy.toJSON(), snapshot);
    copy.onFailure(copy.admit(), SERVER_ERROR);
    assert.equal(copy.state, 'open', '3 failures of 4 calls, 3 of them restored');
  });
});
