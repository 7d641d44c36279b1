import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { Bulkhead } from '../bulkhead/bulkhead.ts';
import { TimeoutError } from '../core/errors.ts';
import { AdaptiveAttempts } from '../retry/adaptive.ts';
import { RetryBudget } from '../retry/budget.ts';
import { noopListener } from '../telemetry/listener.ts';
import { Pipeline } from './pipeline.ts';

const overloaded = () => Object.assign(new Error('overloaded'), { status: 503 });

/** A pipeline with a 200 ms call deadline, one bulkhead slot and a 10-token retry budget. */
function queuedPipeline(
  clock: ManualClock,
  retry: { maxAttempts?: number; adaptive?: AdaptiveAttempts } = {},
) {
  const budget = new RetryBudget({ maxTokens: 10, listener: noopListener });
  const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 10, queueTimeoutMs: 10_000, clock });
  const pipeline = new Pipeline({
    dependency: 'openai/gpt-4o',
    clock,
    listener: noopListener,
    timeout: 200,
    bulkhead,
    retry: { maxAttempts: 2, budget, backoff: new ConstantBackoff(10), ...retry },
  });
  return { pipeline, bulkhead, budget };
}

/**
 * The retry budget measures how often the dependency fails. An attempt that the call deadline
 * ended while it waited for a bulkhead slot never reached the dependency, so it takes no token:
 * a burst of queue timeouts (our own congestion) must not switch retries off for everyone.
 */
describe('Pipeline: call deadline in the bulkhead queue and the retry budget', () => {
  it('queue waits ended by the deadline take no token, so a later failure is still retried', async () => {
    const clock = new ManualClock(0);
    const { pipeline, bulkhead, budget } = queuedPipeline(clock);
    assert.ok(bulkhead.tryAcquire(), 'another call holds the only slot');
    let ran = 0;
    for (let i = 0; i < 6; i++) {
      const call = pipeline.execute(async () => ran++).catch((e: unknown) => e);
      await clock.advance(250);
      const error = await call;
      assert.ok(error instanceof TimeoutError && error.scope === 'call', String(error));
    }
    assert.equal(ran, 0);
    assert.equal(budget.tokens, 10);

    bulkhead.release();
    const attempts: number[] = [];
    const call = pipeline.execute(async (ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt === 0) throw overloaded();
      return 'answer';
    });
    await clock.advance(10);
    assert.equal(await call, 'answer');
    assert.deepEqual(attempts, [0, 1]);
  });

  it('a retry whose queue wait the deadline ends takes no token beyond the failed attempt', async () => {
    const clock = new ManualClock(0);
    const { pipeline, bulkhead, budget } = queuedPipeline(clock);
    let ran = 0;
    const call = pipeline
      .execute(async () => {
        ran++;
        throw overloaded();
      })
      .catch((e: unknown) => e);
    await clock.advance(0);
    assert.equal(budget.tokens, 9, 'the failed attempt took its token');
    assert.ok(bulkhead.tryAcquire(), 'another call takes the slot during the back-off');
    await clock.advance(10);
    assert.equal(bulkhead.queued, 1, 'the retry waits for a slot');
    await clock.advance(250);
    const error = await call;
    assert.ok(error instanceof TimeoutError && error.scope === 'call', String(error));
    assert.equal(ran, 1);
    assert.equal(budget.tokens, 9);
  });

  it('adaptive retry is not told of calls that never left the queue, only of failures at the dependency', async () => {
    const clock = new ManualClock(0);
    const adaptive = new AdaptiveAttempts({ failuresPerStep: 2 });
    const { pipeline, bulkhead } = queuedPipeline(clock, { maxAttempts: 3, adaptive });
    assert.ok(bulkhead.tryAcquire(), 'another call holds the only slot');
    for (let i = 0; i < 6; i++) {
      const call = pipeline.execute(async () => 'never').catch((e: unknown) => e);
      await clock.advance(250);
      await call;
    }
    assert.equal(adaptive.reduced, 0, 'six queue timeouts take no attempt away');
    // A call whose first attempt failed at the dependency and whose retry then waited out the
    // deadline in the queue did fail at the dependency: that counts.
    bulkhead.release();
    for (let i = 0; i < 2; i++) {
      const call = pipeline
        .execute(async () => {
          throw overloaded();
        })
        .catch((e: unknown) => e);
      await clock.advance(0);
      assert.ok(bulkhead.tryAcquire(), 'another call takes the slot during the back-off');
      await clock.advance(250);
      assert.ok((await call) instanceof TimeoutError);
      bulkhead.release();
    }
    assert.equal(adaptive.reduced, 1);
  });
});
