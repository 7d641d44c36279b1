import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { createRuntime } from './runtime.ts';

// Regression: a breaker first created by a fleet override (a replica that had not called the
// dependency yet) kept the registry's defaults (5 consecutive failures, default open time) for
// good, ignoring the configured breaker policy once the override lapsed.
it('a breaker created by a fleet override uses the dependency’s configured policy', async () => {
  const clock = new ManualClock(1_000_000);
  const runtime = createRuntime({
    clock,
    policies: [
      {
        match: 'openai/*',
        policy: { retry: false, breaker: { minimumCalls: 1, consecutiveFailures: 2, openMs: 60_000 } },
      },
    ],
  });
  const dependency = 'openai/never-called';
  runtime.guard.applyOverride(dependency, { state: 'open', expiresAt: clock.now() + 1_000, source: 'sig-1' });
  assert.equal(runtime.guard.breakers.find(dependency)?.state, 'open');
  await clock.advance(1_001); // the override lapses: the local breaker decides
  const policy = runtime.policies.resolve(dependency);
  const pipeline = runtime.guard.pipeline(dependency, policy, 'pipeline');
  const fail = () =>
    pipeline.execute(
      async () => {
        throw Object.assign(new Error('down'), { status: 503 });
      },
      { data: { input: undefined, adaptFallback: undefined } },
    );
  const outcomes: string[] = [];
  for (let i = 0; i < 4; i++) {
    try {
      await fail();
    } catch (error) {
      outcomes.push(
        (error as { classification?: { category?: string } }).classification?.category === 'circuit_open'
          ? 'refused'
          : 'failed',
      );
    }
  }
  assert.deepEqual(
    outcomes,
    ['failed', 'failed', 'refused', 'refused'],
    'trips after the policy’s 2 failures',
  );
  await clock.advance(59_000);
  assert.equal(runtime.guard.breakers.find(dependency)?.state, 'open', 'stays open for the policy’s 60 s');
});
