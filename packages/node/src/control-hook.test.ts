import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRuntime, DEFAULT_MAX_DEPENDENCIES } from '@breakwater/instrumentation';
import { type BreakerSignal, ManualClock } from '@breakwater/protocol';
import { DEFAULT_MAX_OVERRIDES, OverrideTable } from './control/override-table.ts';
import { overrideTarget } from './control-hook.ts';

const reason = { errorRatio: 1, window: '10s', volume: 40, instances: 2, topErrorTypes: [] };
const open = (dependency: string): BreakerSignal => ({
  id: `sig-${dependency}`,
  kind: 'breaker',
  dependency,
  state: 'open',
  ttlMs: 3_600_000,
  issuedAt: 1,
  reason,
});

describe('overrideTarget', () => {
  it('the fleet cannot grow the runtime past its dependency limit', () => {
    const clock = new ManualClock();
    const runtime = createRuntime({ clock, limits: { maxDependencies: 10 } });
    // The app calls a dependency: it has a breaker, so its signals apply at the cap too.
    runtime.guard.pipeline('openai/gpt-4o', runtime.policies.resolve('openai/gpt-4o'), 'client');
    const table = new OverrideTable({
      target: overrideTarget(runtime),
      clock,
      onTargetError: (error) => assert.fail(String(error)),
    });
    const results = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const result = table.apply(open(`made-up/${i}`), `run:${i + 1}`);
      results.set(result, (results.get(result) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(results), { applied: 10, over_limit: 90 });
    assert.equal(table.apply(open('openai/gpt-4o'), 'run:101'), 'applied');
    assert.equal(runtime.guard.breakers.size, 11, '10 made up, and the one the app uses');
    assert.ok(runtime.guard.size <= 11);
    assert.equal(runtime.guard.breakers.find('openai/gpt-4o')?.state, 'open');
  });

  it('caps at the default dependency limit when none is configured', () => {
    assert.equal(overrideTarget(createRuntime()).maxOverrides, DEFAULT_MAX_DEPENDENCIES);
    assert.equal(DEFAULT_MAX_OVERRIDES, DEFAULT_MAX_DEPENDENCIES, 'a target without a cap gets the same');
  });
});
