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

// Regression: a dependency without a breaker (`breaker: false`) kept a working local breaker once
// a fleet override had created one, and the rebuild dropped its retry budget and bulkhead.
it('a breaker: false dependency follows fleet overrides only, and keeps its budget and bulkhead', async () => {
  const clock = new ManualClock(1_000_000);
  const runtime = createRuntime({
    clock,
    policies: [{ match: 'tool/*', policy: { retry: { maxAttempts: 1 }, breaker: false } }],
  });
  const dependency = 'tool/no-breaker';
  const policy = runtime.policies.resolve(dependency);
  const before = runtime.guard.pipeline(dependency, policy, 'pipeline');
  const run = async (fail: boolean): Promise<string> => {
    try {
      await runtime.guard.pipeline(dependency, policy, 'pipeline').execute(
        async () => {
          if (fail) throw Object.assign(new Error('down'), { status: 503 });
        },
        { data: { input: undefined, adaptFallback: undefined } },
      );
      return 'ok';
    } catch (error) {
      const category = (error as { classification?: { category?: string } }).classification?.category;
      return category === 'circuit_open' ? 'refused' : 'failed';
    }
  };
  runtime.guard.applyOverride(dependency, {
    state: 'open',
    expiresAt: clock.now() + 60_000,
    source: 'sig-1',
  });
  assert.equal(await run(false), 'refused', 'the fleet’s open override applies');
  const rebuilt = runtime.guard.pipeline(dependency, policy, 'pipeline');
  assert.notEqual(rebuilt, before);
  assert.equal(rebuilt.retry?.budget, before.retry?.budget, 'same retry budget');
  assert.equal(rebuilt.bulkhead, before.bulkhead, 'same bulkhead');
  runtime.guard.clearOverride(dependency);
  const outcomes = new Set<string>();
  for (let i = 0; i < 50; i++) outcomes.add(await run(true));
  assert.deepEqual([...outcomes], ['failed'], 'local failures never open it');
  assert.equal(await run(false), 'ok');
});
