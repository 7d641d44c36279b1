import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import { Bulkhead } from '../bulkhead/bulkhead.ts';
import { TimeoutError } from '../core/errors.ts';
import { noopListener } from '../telemetry/listener.ts';
import { SERVER_ERROR } from '../testing/support.ts';
import type { TimeoutMode } from '../timeout/timeout-policy.ts';
import { Pipeline } from './pipeline.ts';

/** A pipeline whose single bulkhead slot is held until `release()`. */
function heldPipeline(clock: ManualClock, mode: TimeoutMode, breaker?: CircuitBreaker) {
  const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 10, queueTimeoutMs: 10_000, clock });
  const pipeline = new Pipeline({
    dependency: 'openai/gpt-4o',
    clock,
    listener: noopListener,
    timeout: { ms: 200, mode },
    bulkhead,
    ...(breaker === undefined ? {} : { breaker }),
  });
  let release!: () => void;
  // Another pipeline on the same bulkhead, without a deadline, holds the slot.
  const holder = new Pipeline({ dependency: 'openai/gpt-4o', clock, listener: noopListener, bulkhead });
  const held = holder.execute(() => new Promise<void>((r) => (release = r)));
  return { pipeline, bulkhead, held, release: () => release() };
}

/** The call timeout covers the wait for a bulkhead slot, and an expired call never starts. */
describe('Pipeline: call deadline while queued in the bulkhead', () => {
  for (const mode of ['cooperative', 'aggressive'] as const) {
    it(`${mode}: the deadline ends the wait with TimeoutError and the operation never runs`, async () => {
      const clock = new ManualClock(0);
      const { pipeline, bulkhead, held, release } = heldPipeline(clock, mode);
      let started = false;
      const settled = pipeline
        .execute(async () => {
          started = true;
          return 'ran';
        })
        .then(
          () => 'resolved',
          (e: unknown) => e,
        );
      await clock.advance(0);
      assert.equal(bulkhead.queued, 1);
      await clock.advance(250);
      const error = await settled;
      assert.ok(error instanceof TimeoutError && error.scope === 'call', String(error));
      assert.equal(bulkhead.queued, 0, 'the waiter left the queue');
      release();
      await held;
      await clock.advance(1000);
      assert.equal(started, false);
      assert.equal(bulkhead.inFlight, 0);
    });
  }

  it('a call that ends as the slot is handed over gives the slot back without running', async () => {
    const clock = new ManualClock(0);
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, clock });
    const pipeline = new Pipeline({ dependency: 'x', clock, listener: noopListener, bulkhead });
    assert.ok(bulkhead.tryAcquire());
    const controller = new AbortController();
    let started = false;
    const call = pipeline.execute(
      async () => {
        started = true;
      },
      { signal: controller.signal },
    );
    await clock.advance(0);
    bulkhead.release(); // hands the only slot to the queued call...
    controller.abort('gone'); // ...which is cancelled before it resumes
    await assert.rejects(call, (e: unknown) => e === 'gone');
    assert.equal(started, false);
    assert.equal(bulkhead.inFlight, 0);
  });

  it('an expired wait does not count against the breaker and frees a half-open probe slot', async () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker({
      clock,
      listener: noopListener,
      trip: { kind: 'consecutive', threshold: 1 },
      openDurationMs: 100,
    });
    breaker.onFailure(breaker.admit(), SERVER_ERROR);
    await clock.advance(100);
    const { pipeline, held, release } = heldPipeline(clock, 'cooperative', breaker);
    const probe = pipeline.execute(async () => 'probe').catch((e: unknown) => e);
    await clock.advance(250);
    assert.ok((await probe) instanceof TimeoutError);
    assert.equal(breaker.state, 'half_open', 'the dependency was never tried');
    release();
    await held;
    assert.equal(await pipeline.execute(async () => 'second probe'), 'second probe');
    assert.equal(breaker.state, 'closed');
  });
});
