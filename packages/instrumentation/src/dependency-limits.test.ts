import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTR, ManualClock, METRIC } from '@breakwater/protocol';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DependencyLimits } from './dependency-limits.ts';
import { createGuard } from './guard.ts';
import { PolicyResolver, type PolicyRule } from './policies.ts';
import { guardSetup } from './testing/guard-setup.ts';

/**
 * Delta temporality: at cumulative temporality @opentelemetry/sdk-metrics 3.1 keeps exporting the
 * last value of a series its callback no longer reports (see the README's limits section).
 */
class DeltaReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const serverError = () => Object.assign(new Error('down'), { status: 503 });

/** The real guard, resolver and listener (as the default listener, so the test can read it). */
function setup(limits: DependencyLimits, rules: PolicyRule[] = []) {
  const reader = new DeltaReader();
  const { clock, listener, policies, guard, call, outcome } = guardSetup(
    limits,
    rules,
    new MeterProvider({ readers: [reader] }),
  );
  // Internals, read to check that nothing is left behind anywhere.
  const inside = listener as unknown as {
    deps: Map<string, unknown>;
    breakers: Set<unknown>;
    budgets: Set<unknown>;
    bulkheads: Set<unknown>;
  };
  const cached = (policies as unknown as { cache: Map<string, unknown> }).cache;
  const sizes = () => ({
    guard: guard.size,
    registry: guard.breakers.size,
    resolver: cached.size,
    listener: inside.deps.size,
    breakerGauges: inside.breakers.size,
    budgetGauges: inside.budgets.size,
    bulkheadGauges: inside.bulkheads.size,
  });
  /** Dependency → the state reported as 1 by the breaker-state gauge. */
  const breakerStates = async () => {
    const { resourceMetrics } = await reader.collect();
    const out = new Map<unknown, unknown>();
    for (const scope of resourceMetrics.scopeMetrics)
      for (const metric of scope.metrics)
        if (metric.descriptor.name === METRIC.BREAKER_STATE)
          for (const p of metric.dataPoints)
            if (p.value === 1) out.set(p.attributes[ATTR.DEPENDENCY], p.attributes[ATTR.STATE]);
    return out;
  };
  return { clock, policies, guard, call, outcome, sizes, breakerStates };
}

describe('per-dependency state is bounded', () => {
  it('5000 distinct dependencies: every size stays at the cap; busy and open ones are kept', async () => {
    const cap = 100;
    const t = setup({ maxDependencies: cap, idleMs: 250 }, [
      {
        match: '*/broken',
        policy: { retry: false, breaker: { minimumCalls: 1, consecutiveFailures: 1, openMs: 3_600_000 } },
      },
      { match: 'tool/again', policy: { breaker: { minimumCalls: 1, consecutiveFailures: 2 } } },
    ]);
    assert.equal(await t.outcome('openai/broken', async () => Promise.reject(serverError())), 'failed');
    const broken = t.guard.breakers.find('openai/broken');
    assert.equal(broken?.state, 'open');
    assert.equal(await t.outcome('tool/again', async () => Promise.reject(serverError())), 'failed');
    const again = t.guard.breakers.find('tool/again');
    let release!: () => void;
    const busy = t.call('tool/busy', () => new Promise((resolve) => (release = () => resolve('done'))));

    const max = t.sizes();
    for (let i = 0; i < 5000; i++) {
      const dependency =
        i % 3 === 0
          ? `openai/ft:gpt-4o-mini:acme:tenant-${i}`
          : i % 3 === 1
            ? `anthropic/m-${i}`
            : `tool/t-${i}`;
      await t.call(dependency);
      await t.clock.advance(5);
      for (const [k, v] of Object.entries(t.sizes()))
        max[k as keyof typeof max] = Math.max(max[k as keyof typeof max], v);
    }
    for (const [name, size] of Object.entries(max)) assert.ok(size <= cap, `${name}: ${size} > ${cap}`);
    // New dependencies take the places of spare ones, whether idle or used a moment ago.
    const now = t.sizes();
    assert.equal(now.guard, cap);
    assert.equal(now.registry, now.guard, 'every tracked dependency has a breaker here');
    assert.equal(now.listener, now.guard - 1, 'the busy call has not reported yet');

    assert.equal(t.guard.breakers.find('openai/broken'), broken, 'an open breaker is never evicted');
    assert.equal(broken?.state, 'open');
    assert.ok(t.guard.breakers.find('tool/busy') !== undefined, 'a call in flight keeps its dependency');
    const states = await t.breakerStates();
    assert.equal(states.get('openai/broken'), 'open', 'its gauge series is still reported');
    assert.equal(states.size, now.registry, 'evicted breakers are no longer reported');
    assert.equal(states.has('openai/ft:gpt-4o-mini:acme:tenant-0'), false);

    // Evicted, then used again: a fresh, closed breaker (the old one had a failure counted).
    assert.equal(t.guard.breakers.find('tool/again'), undefined, 'evicted');
    assert.equal(await t.outcome('tool/again', async () => Promise.reject(serverError())), 'failed');
    assert.notEqual(t.guard.breakers.find('tool/again'), again);
    assert.equal(t.guard.breakers.find('tool/again')?.state, 'closed', 'one failure of 2: still closed');

    release();
    assert.equal(await busy, 'done');
  });

  it('a fleet override for an evicted or unknown dependency applies, and is evicted once over', async () => {
    const t = setup({ maxDependencies: 10, idleMs: 100 });
    await t.call('tool/target');
    for (let i = 0; i < 20; i++) {
      await t.clock.advance(200);
      await t.call(`tool/t-${i}`);
    }
    assert.equal(t.guard.breakers.find('tool/target'), undefined, 'evicted');
    const expiresAt = t.clock.now() + 1_000;
    t.guard.applyOverride('tool/target', { state: 'open', expiresAt, source: 'sig-1' });
    t.guard.applyOverride('openai/never-called', { state: 'open', expiresAt, source: 'sig-1' });
    assert.equal(await t.outcome('tool/target'), 'refused', 'the override applies');
    assert.equal(t.guard.breakerFacts('openai/never-called')?.source, 'fleet');
    for (let i = 20; i < 40; i++) {
      await t.clock.advance(20);
      await t.call(`tool/t-${i}`);
    }
    assert.equal(t.guard.breakers.find('tool/target')?.state, 'open', 'kept while the override is in force');
    assert.equal(t.guard.breakers.find('openai/never-called')?.state, 'open');
    await t.clock.advance(1_000);
    for (let i = 40; i < 60; i++) {
      await t.clock.advance(200);
      await t.call(`tool/t-${i}`);
    }
    assert.equal(t.guard.breakers.find('tool/target'), undefined, 'evicted once the override is over');
    assert.equal(t.guard.breakers.find('openai/never-called'), undefined);
    assert.ok(t.guard.size <= 10);
    t.guard.clearOverride('tool/unknown');
    assert.equal(t.guard.breakers.find('tool/unknown'), undefined, 'clearing nothing creates nothing');
  });

  it('a dependency only a fleet override created is spare, and goes first, once the override is over', async () => {
    const t = setup({ maxDependencies: 10, idleMs: 600_000 });
    for (let i = 0; i < 10; i++) await t.call(`tool/t-${i}`);
    // The fleet opens 20 dependencies this service never calls, for a second each.
    const expiresAt = t.clock.now() + 1_000;
    for (let i = 0; i < 20; i++)
      t.guard.applyOverride(`openai/elsewhere-${i}`, { state: 'open', expiresAt, source: `sig-${i}` });
    assert.equal(t.guard.size, 30, 'kept while their overrides are in force, evicting none of the app’s');
    await t.clock.advance(2_000);
    await t.call('tool/new');
    // The overrides' go first; of the app's own, only the one needed to make room for the new one.
    assert.equal(t.guard.size, 10);
    assert.equal(t.guard.breakers.find('openai/elsewhere-19'), undefined);
    assert.equal(t.guard.breakers.find('tool/t-0'), undefined, 'least recently used (first of equals)');
    assert.ok(t.guard.breakers.find('tool/t-1') !== undefined);
  });

  it('when no kept dependency is spare, it keeps the cap and evicts no live state', async () => {
    const t = setup({ maxDependencies: 10, idleMs: 100 });
    await t.call('tool/manual');
    t.guard.breakers.find('tool/manual')?.forceClose();
    const releases: (() => void)[] = [];
    const running = Array.from({ length: 15 }, (_, i) =>
      t.call(`tool/busy-${i}`, () => new Promise((resolve) => releases.push(() => resolve(i)))),
    );
    await t.clock.advance(1_000);
    await t.call('tool/new-1');
    assert.equal(t.guard.size, 10, 'nothing spare: 9 in flight, one forced closed; the rest run uncached');
    assert.equal(t.guard.breakers.find('tool/busy-14'), undefined);
    assert.equal(t.guard.breakers.find('tool/new-1'), undefined);
    for (const release of releases) release();
    assert.deepEqual(
      await Promise.all(running),
      Array.from({ length: 15 }, (_, i) => i),
    );
    await t.clock.advance(1_000);
    await t.call('tool/new-2');
    assert.equal(t.guard.size, 10);
    assert.ok(t.guard.breakers.find('tool/manual') !== undefined, 'a manual state is never evicted');
    assert.ok(t.guard.breakers.find('tool/new-2') !== undefined);
  });

  it('idleness is measured on monotonic time: a wall-clock step neither evicts nor keeps', async () => {
    // Without a bulkhead, calls cannot be counted: `idleMs` after the last use is what keeps them.
    const rules: PolicyRule[] = [{ match: 'tool/*', policy: { bulkhead: false } }];
    const forward = setup({ maxDependencies: 10, idleMs: 60_000 }, rules);
    for (let i = 0; i < 10; i++) await forward.call(`tool/old-${i}`);
    forward.clock.stepWall(3_600_000);
    for (let i = 0; i < 10; i++) await forward.call(`tool/new-${i}`);
    assert.equal(forward.guard.size, 10);
    assert.ok(forward.guard.breakers.find('tool/old-0') !== undefined, 'used a moment ago: kept');
    assert.equal(
      forward.guard.breakers.find('tool/new-0'),
      undefined,
      'uncached, whatever the wall clock says',
    );

    const backward = setup({ maxDependencies: 10, idleMs: 60_000 }, rules);
    for (let i = 0; i < 10; i++) await backward.call(`tool/old-${i}`);
    await backward.clock.advance(60_000);
    backward.clock.stepWall(-3_600_000);
    for (let i = 0; i < 10; i++) await backward.call(`tool/new-${i}`);
    assert.ok(backward.guard.size <= 10, `unused for a minute: idle (kept ${backward.guard.size})`);
    assert.equal(backward.guard.breakers.find('tool/old-0'), undefined);
  });

  it('idle dependencies make room for new ones at once, the clock standing still', async () => {
    const t = setup({ maxDependencies: 100, idleMs: 1_000 });
    for (let i = 0; i < 100; i++) await t.call(`openai/old-${i}`);
    await t.clock.advance(1_000);
    let max = 0;
    for (let i = 0; i < 100; i++) {
      await t.call(`openai/new-${i}`);
      max = Math.max(max, t.guard.size, t.guard.breakers.size);
    }
    assert.equal(max, 100);
    assert.equal(t.guard.breakers.find('openai/old-99'), undefined, 'the old ones made room');
    assert.ok(t.guard.breakers.find('openai/new-0') !== undefined);
    // The new ones, used a moment ago, are spare too: the least recently used makes room.
    await t.call('openai/one-more');
    assert.equal(t.guard.size, 100);
    assert.equal(t.guard.breakers.find('openai/new-0'), undefined);
  });

  it('limits are checked', () => {
    const clock = new ManualClock(0);
    assert.throws(() => createGuard({ clock, limits: { maxDependencies: 0 } }), TypeError);
    assert.throws(() => createGuard({ clock, limits: { idleMs: -1 } }), TypeError);
    assert.throws(() => new PolicyResolver([], { maxCached: 1.5 }), TypeError);
    createGuard({ clock, limits: { maxDependencies: Number.POSITIVE_INFINITY } });
  });
});

describe('PolicyResolver cache', () => {
  it('is bounded, and a key resolved again gets the same policy object', () => {
    const rules: PolicyRule[] = [
      { match: 'openai/*', policy: { timeoutMs: 5 } },
      { match: 'openai/ft:*', policy: { retry: false } },
    ];
    const r = new PolicyResolver(rules, { maxCached: 2 });
    const a = r.resolve('openai/ft:a');
    assert.equal(r.resolve('openai/ft:b'), a, 'same kind, same rules: one object');
    assert.notEqual(r.resolve('openai/gpt-4o'), a);
    assert.equal(a.retry, false);
    assert.equal(a.timeoutMs, 5);
    for (let i = 0; i < 100; i++) r.resolve(`openai/ft:${i}`);
    assert.equal((r as unknown as { cache: Map<string, unknown> }).cache.size, 2);
    assert.equal(r.resolve('openai/ft:a'), a, 'evicted and resolved again: the same object');
    assert.equal(r.resolve('tool/x').retry, false, 'no rule: the kind’s defaults');
  });
});
