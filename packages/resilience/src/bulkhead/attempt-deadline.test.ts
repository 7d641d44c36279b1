import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { CallContext } from '../core/context.ts';
import { TimeoutError } from '../core/errors.ts';
import { wrap } from '../core/policy.ts';
import { RetryPolicy } from '../retry/retry-policy.ts';
import { noopListener } from '../telemetry/listener.ts';
import type { TimeoutMode } from '../timeout/timeout-policy.ts';
import { TimeoutPolicy } from '../timeout/timeout-policy.ts';
import { Bulkhead } from './bulkhead.ts';

// In a `wrap()` chain a per-attempt deadline may sit outside the bulkhead: an attempt that waits
// for a slot past its deadline is over. It must leave the queue then, not run the operation later
// for an attempt nobody awaits any more (a second, unawaited request to the dependency).
describe('an attempt deadline outside a bulkhead, in a wrap() chain', () => {
  for (const mode of ['aggressive', 'cooperative'] as const satisfies TimeoutMode[]) {
    it(`(${mode}) ends the attempt's wait for a slot; the operation runs once, for the retry`, async () => {
      const clock = new ManualClock();
      const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 5, clock, listener: noopListener });
      const chain = wrap(
        new RetryPolicy({ clock, maxAttempts: 2, backoff: new ConstantBackoff(10), listener: noopListener }),
        new TimeoutPolicy({ ms: 1_000, mode, clock, listener: noopListener }),
        bulkhead,
      );
      // Another call holds the only slot for 1.5 s: the first attempt's deadline passes in the queue.
      const other = bulkhead.execute(
        () => new Promise((resolve) => clock.setTimeout(() => resolve('other'), 1_500)),
      );
      const runs: number[] = [];
      const call = chain.execute((ctx: CallContext) => {
        runs.push(ctx.attempt);
        return new Promise<string>((resolve) => clock.setTimeout(() => resolve('answer'), 100));
      });
      await clock.advance(1_100);
      assert.equal(bulkhead.queued, 1, 'only the retry waits');
      await clock.advance(5_000);
      assert.equal(await call, 'answer');
      assert.equal(await other, 'other');
      assert.deepEqual(runs, [1]);
      assert.equal(bulkhead.inFlight, 0);
    });
  }

  it('refuses to queue an attempt whose deadline has already passed', async () => {
    const clock = new ManualClock();
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 5, clock, listener: noopListener });
    const other = bulkhead.execute(
      () => new Promise((resolve) => clock.setTimeout(() => resolve('other'), 100)),
    );
    const ctx = new CallContext('llm');
    const deadline = new TimeoutError('llm', 50, 'attempt');
    ctx.abortAttempt(deadline);
    const acquired = bulkhead.acquire(ctx).then(
      () => 'a slot',
      (error: unknown) => error,
    );
    assert.equal(bulkhead.queued, 0);
    await clock.advance(20_000);
    assert.equal(await acquired, deadline);
    assert.equal(await other, 'other');
  });
});
