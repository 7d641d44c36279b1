import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import type { Classification } from '../classify/classification.ts';
import { FallbackPolicy } from '../fallback/fallback-policy.ts';
import { staticFallback } from '../fallback/strategies.ts';
import { noopListener } from '../telemetry/listener.ts';
import { recordingListener } from '../testing/support.ts';
import { Pipeline } from './pipeline.ts';

const overloaded = () => Object.assign(new Error('overloaded'), { status: 503 });

/** The classification the listener heard at the end of the call. */
function endOf(listener: ReturnType<typeof recordingListener>): [unknown, Classification | undefined] {
  const end = listener.calls.find(([n]) => n === 'onCallEnd');
  assert.ok(end, 'onCallEnd was reported');
  return [end[1][1], end[1][2] as Classification | undefined];
}

/**
 * A caller's abort is cancellation whatever reason it carries: the call rejects with that reason,
 * is classified `cancelled` (source `caller`), and neither the fallback nor the breaker sees a
 * dependency failure.
 */
describe('Pipeline: caller abort with a custom reason', () => {
  it('during a back-off: rejects with the reason, no fallback', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const pipeline = new Pipeline({
      dependency: 'openai/gpt-4o',
      clock,
      listener,
      retry: { maxAttempts: 3, backoff: new ConstantBackoff(5000) },
      fallback: staticFallback('fallback answer'),
    });
    const controller = new AbortController();
    const reason = new Error('user went away');
    const call = pipeline.execute(
      async () => {
        throw overloaded();
      },
      { signal: controller.signal },
    );
    await clock.advance(100);
    controller.abort(reason);
    await assert.rejects(call, (e: unknown) => e === reason);
    const [outcome, classification] = endOf(listener);
    assert.equal(outcome, 'failure');
    assert.equal(classification?.category, 'cancelled');
    assert.equal(classification?.source, 'caller');
    assert.equal(listener.calls.filter(([n]) => n === 'onFallback').length, 0);
  });

  it('during an attempt that rejects with the reason: not counted, not retried, no fallback', async () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker({
      clock,
      listener: noopListener,
      trip: { kind: 'consecutive', threshold: 1 },
    });
    const pipeline = new Pipeline({
      dependency: 'tool/search',
      clock,
      listener: noopListener,
      breaker,
      retry: { maxAttempts: 3, backoff: new ConstantBackoff(10) },
      fallback: staticFallback('fallback answer'),
    });
    const controller = new AbortController();
    const reason = new Error('user went away');
    let attempts = 0;
    const call = pipeline.execute(
      (ctx) =>
        new Promise<never>((_, reject) => {
          attempts++;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        }),
      { signal: controller.signal },
    );
    controller.abort(reason);
    await assert.rejects(call, (e: unknown) => e === reason);
    assert.equal(attempts, 1);
    assert.equal(breaker.state, 'closed', 'a cancelled call does not count against the dependency');
  });

  it('a standalone FallbackPolicy does not cover an abort with a custom reason', async () => {
    const policy = new FallbackPolicy({
      strategy: staticFallback('fallback answer'),
      listener: noopListener,
    });
    const reason = new Error('user went away');
    const call = policy.execute(
      async (ctx) => {
        ctx.signal.throwIfAborted();
        return 'answer';
      },
      { signal: AbortSignal.abort(reason) },
    );
    await assert.rejects(call, (e: unknown) => e === reason);
  });
});
