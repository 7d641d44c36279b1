import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DependencyLimits } from './dependency-limits.ts';
import type { PolicyRule } from './policies.ts';
import { guardSetup } from './testing/guard-setup.ts';

/**
 * `maxDependencies` is a bound on what the guard keeps even when every dependency was used within
 * `idleMs` (a gateway passing callers' model names through), and what it evicts for that is only
 * state a fresh dependency would have too. Time is a manual clock: nothing sleeps.
 */

const serverError = () => Object.assign(new Error('down'), { status: 503 });

function setup(limits: DependencyLimits, rules: PolicyRule[] = []) {
  const { clock, listener, guard, call, outcome } = guardSetup(limits, rules);
  /** A call that runs until `release()`; `failWith` makes it fail instead. */
  const hold = (dependency: string) => {
    let settle!: (error?: unknown) => void;
    const done = call(
      dependency,
      () =>
        new Promise((resolve, reject) => (settle = (e) => (e === undefined ? resolve('done') : reject(e)))),
    ).then(
      () => 'ok',
      () => 'failed',
    );
    return { done, release: () => settle(), failWith: (e: unknown) => settle(e) };
  };
  const cachedAttrs = () => (listener as unknown as { deps: Map<string, unknown> }).deps.size;
  /** `n` dependencies never seen before, each called once, `stepMs` apart (all within `idleMs`). */
  const flood = async (prefix: string, n: number, stepMs = 1) => {
    let max = 0;
    for (let i = 0; i < n; i++) {
      assert.equal(await outcome(`openai/${prefix}-${i}`), 'ok', 'a call past the cap still goes through');
      await clock.advance(stepMs);
      max = Math.max(max, guard.size, guard.breakers.size);
    }
    return max;
  };
  return { clock, guard, call, outcome, hold, flood, cachedAttrs };
}

describe('maxDependencies bounds dependencies used within idleMs', () => {
  it('2000 distinct names in 2 s, idleMs 10 min: the kept count never passes the cap', async () => {
    const t = setup({ maxDependencies: 50 });
    const max = await t.flood('user-model', 2000);
    assert.ok(max <= 50, `kept ${max} > 50`);
    assert.equal(t.guard.size, 50);
    assert.ok(t.cachedAttrs() <= 50, `listener caches ${t.cachedAttrs()} dependencies`);
    // The newest are the ones kept: a name in use keeps its breaker from call to call.
    assert.ok(t.guard.breakers.find('openai/user-model-1999') !== undefined);
    assert.equal(t.guard.breakers.find('openai/user-model-0'), undefined);
  });

  it('the least recently used spare dependency makes room first', async () => {
    const t = setup({ maxDependencies: 3 });
    for (const name of ['a', 'b', 'c']) {
      await t.call(`tool/${name}`);
      await t.clock.advance(10);
    }
    await t.call('tool/a'); // on the hot path: no clock read, only its pipeline marked as used
    await t.clock.advance(10);
    await t.call('tool/d');
    assert.equal(t.guard.size, 3);
    assert.equal(t.guard.breakers.find('tool/b'), undefined, 'b: least recently used');
    for (const name of ['a', 'c', 'd']) assert.ok(t.guard.breakers.find(`tool/${name}`) !== undefined, name);
  });

  it('an open or half-open breaker survives a flood of new names, and still refuses', async () => {
    const t = setup({ maxDependencies: 20 }, [
      {
        match: 'openai/broken-*',
        policy: { retry: false, breaker: { minimumCalls: 1, consecutiveFailures: 1, openMs: 60_000 } },
      },
    ]);
    assert.equal(await t.outcome('openai/broken-long', async () => Promise.reject(serverError())), 'failed');
    assert.equal(await t.outcome('openai/broken-short', async () => Promise.reject(serverError())), 'failed');
    const open = t.guard.breakers.find('openai/broken-long')!;
    const halfOpen = t.guard.breakers.find('openai/broken-short')!;
    await t.clock.advance(60_000);
    assert.equal(halfOpen.state, 'half_open', 'open period over, no probe yet');
    // The other one opens again on a failed probe.
    assert.equal(await t.outcome('openai/broken-long', async () => Promise.reject(serverError())), 'failed');
    assert.equal(open.state, 'open');

    await t.flood('attacker', 3000);
    assert.ok(t.guard.size <= 20, `kept ${t.guard.size}`);
    assert.equal(t.guard.breakers.find('openai/broken-long'), open, 'the same breaker, not a fresh one');
    assert.equal(t.guard.breakers.find('openai/broken-short'), halfOpen);
    assert.equal(halfOpen.state, 'half_open');
    assert.equal(
      await t.outcome('openai/broken-long'),
      'refused',
      'still open: the dependency stays shielded',
    );
  });

  it('breakers opened long ago and unused since do not hold the cap: a dependency failing now gets a breaker', async () => {
    const t = setup({ maxDependencies: 5, idleMs: 600_000 }, [
      {
        match: '*',
        policy: { retry: false, breaker: { minimumCalls: 1, consecutiveFailures: 2, openMs: 60_000 } },
      },
    ]);
    const fail = async () => Promise.reject(serverError());
    for (let i = 0; i < 5; i++)
      for (let n = 0; n < 2; n++) assert.equal(await t.outcome(`openai/retired-${i}`, fail), 'failed');
    assert.equal(t.guard.breakers.find('openai/retired-0')?.state, 'open');
    // Still open: a new dependency must not take its place (a call would reach a down provider).
    await t.clock.advance(30_000);
    assert.equal(await t.outcome('openai/early'), 'ok');
    assert.equal(t.guard.breakers.find('openai/early'), undefined, 'no open breaker evicted');
    // A day later those five have long been half-open and nothing has called them.
    await t.clock.advance(86_400_000);
    for (let n = 0; n < 2; n++) assert.equal(await t.outcome('openai/failing-now', fail), 'failed');
    assert.equal(t.guard.breakers.find('openai/failing-now')?.state, 'open');
    assert.equal(await t.outcome('openai/failing-now'), 'refused', 'shielded by its own breaker');
    assert.ok(t.guard.size <= 5, `kept ${t.guard.size}`);
  });

  it('a fleet override survives a flood, and the flood does not evict for it', async () => {
    const t = setup({ maxDependencies: 10 });
    const expiresAt = t.clock.now() + 3_600_000;
    t.guard.applyOverride('openai/fleet-open', { state: 'open', expiresAt, source: 'sig-1' });
    await t.flood('attacker', 500);
    assert.ok(t.guard.size <= 10);
    assert.equal(t.guard.breakerFacts('openai/fleet-open')?.source, 'fleet');
    assert.equal(await t.outcome('openai/fleet-open'), 'refused');
  });

  it('a dependency with a call in flight is not evicted mid-call: its outcome lands on the kept breaker', async () => {
    const t = setup({ maxDependencies: 10 }, [
      { match: 'tool/busy', policy: { breaker: { minimumCalls: 1, consecutiveFailures: 2 } } },
    ]);
    const running = t.hold('tool/busy');
    const breaker = t.guard.breakers.find('tool/busy')!;
    await t.flood('attacker', 500);
    assert.ok(t.guard.size <= 10);
    assert.equal(t.guard.breakers.find('tool/busy'), breaker, 'kept while its call runs');
    running.failWith(serverError());
    assert.equal(await running.done, 'failed');
    // One failure counted before, one now: the second of two opens the breaker.
    assert.equal(await t.outcome('tool/busy', async () => Promise.reject(serverError())), 'failed');
    assert.equal(breaker.state, 'open', 'the mid-call failure was counted on the breaker still in use');
  });

  it('when no kept dependency is spare, a new one runs uncached: its calls go through, nothing is kept', async () => {
    const t = setup({ maxDependencies: 10 });
    const running = Array.from({ length: 10 }, (_, i) => t.hold(`tool/busy-${i}`));
    assert.equal(t.guard.size, 10);
    for (let i = 0; i < 100; i++) assert.equal(await t.outcome(`openai/new-${i}`), 'ok');
    assert.equal(await t.outcome('tool/fails', async () => Promise.reject(serverError())), 'failed');
    assert.equal(t.guard.size, 10, 'nothing was evicted, nothing added');
    assert.equal(t.guard.breakers.find('openai/new-0'), undefined);
    assert.equal(t.guard.breakerFacts('openai/new-0'), undefined, 'no breaker state to report');
    for (const r of running) r.release();
    await Promise.all(running.map((r) => r.done));
    // Spare once their calls are over; found at the next pass (at most a second later).
    await t.clock.advance(1_000);
    await t.call('openai/after');
    assert.ok(t.guard.breakers.find('openai/after') !== undefined, 'kept again once there is room');
    assert.equal(t.guard.size, 10);
  });

  it('a dependency without a bulkhead counts as busy for idleMs after its last use', async () => {
    const t = setup({ maxDependencies: 5, idleMs: 60_000 }, [
      { match: 'tool/unbounded-*', policy: { bulkhead: false } },
    ]);
    for (let i = 0; i < 5; i++) await t.call(`tool/unbounded-${i}`);
    await t.flood('attacker', 50);
    assert.equal(t.guard.size, 5);
    assert.ok(t.guard.breakers.find('tool/unbounded-0') !== undefined, 'its calls cannot be counted: kept');
    await t.clock.advance(60_000);
    await t.call('tool/later');
    assert.equal(t.guard.breakers.find('tool/unbounded-0'), undefined, 'unused for idleMs: spare');
    assert.ok(t.guard.breakers.find('tool/later') !== undefined);
  });
});
