import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BreakerOverride, type BreakerSignal, ManualClock } from '@breakwater/protocol';
import { OverrideTable, type OverrideTarget } from './override-table.ts';

const reason = { errorRatio: 1, window: '2s', volume: 20, instances: 2, topErrorTypes: [] };

function signal(
  dependency: string,
  state: BreakerSignal['state'],
  issuedAt: number,
  ttlMs = 60_000,
): BreakerSignal {
  return {
    id: `${dependency}-${state}-${issuedAt}`,
    kind: 'breaker',
    dependency,
    state,
    ttlMs,
    issuedAt,
    reason,
  };
}

function setup(extra: Partial<OverrideTarget> = {}) {
  const clock = new ManualClock();
  const overrides = new Map<string, BreakerOverride>();
  const table = new OverrideTable({
    clock,
    target: {
      applyOverride: (d, o) => overrides.set(d, o),
      clearOverride: (d) => overrides.delete(d),
      ...extra,
    },
    onTargetError: (error) => {
      throw error;
    },
  });
  return { clock, overrides, table };
}

/** The collector's wall clock, far from the SDK's. */
const T = 1_800_000_000_000;

describe('OverrideTable: signal order', () => {
  it("a 'closed' decided after the collector's clock stepped back clears the override", () => {
    const { table, overrides } = setup();
    assert.equal(table.apply(signal('openai/gpt-4o', 'open', T, 600_000), 'run-a:1'), 'applied');
    // 5 s later the dependency is healthy; the collector's clock was stepped back a minute.
    assert.equal(
      table.apply(signal('openai/gpt-4o', 'closed', T + 5_000 - 60_000, 5_000), 'run-a:2'),
      'cleared',
    );
    assert.equal(overrides.size, 0);
  });

  it('a replay of an earlier event of the run is stale, whatever its issuedAt says', () => {
    const { table, overrides } = setup();
    assert.equal(table.apply(signal('a', 'closed', T, 5_000), 'run-a:7'), 'cleared');
    assert.equal(table.apply(signal('a', 'open', T + 60_000), 'run-a:6'), 'stale');
    assert.equal(overrides.size, 0);
    assert.equal(table.apply(signal('a', 'open', T - 60_000), 'run-a:8'), 'applied');
  });

  it('a signal from another collector run is newer, even with a lower sequence and an older issuedAt', () => {
    const { table, overrides } = setup();
    assert.equal(table.apply(signal('a', 'open', T), 'run-a:900'), 'applied');
    assert.equal(table.apply(signal('a', 'closed', T - 3_600_000, 5_000), 'run-b:3'), 'cleared');
    assert.equal(overrides.size, 0);
    // A signal whose event id is not in the collector's format cannot be ordered: it applies.
    assert.equal(table.apply(signal('a', 'open', T - 7_200_000), 'proxy-42'), 'applied');
    assert.equal(table.apply(signal('a', 'closed', T - 7_200_000, 5_000)), 'cleared');
  });

  it('remembers the newest signal for its TTL on monotonic time: a wall-clock step does not end it', async () => {
    const { clock, table } = setup();
    assert.equal(table.apply(signal('a', 'open', T, 10_000), 'run-a:5'), 'applied');
    clock.stepWall(3_600_000);
    await clock.advance(5_000);
    assert.equal(table.apply(signal('a', 'closed', T - 1_000, 5_000), 'run-a:4'), 'stale');
    await clock.advance(5_000);
    assert.equal(
      table.apply(signal('a', 'closed', T - 1_000, 5_000), 'run-a:4'),
      'cleared',
      'its TTL is over',
    );
  });

  it('an override ends at its TTL counted from receipt, across a step of the local wall clock', async () => {
    for (const step of [-3_600_000, 3_600_000]) {
      const { clock, table, overrides } = setup();
      table.apply(signal('a', 'open', T, 60_000), 'run-a:1');
      assert.equal(overrides.get('a')?.expiresAt, clock.now() + 60_000, 'wall time, for the breaker');
      clock.stepWall(step);
      await clock.advance(59_999);
      assert.equal(table.size, 1, `step ${step}: still in force`);
      await clock.advance(1);
      assert.equal(table.size, 0, `step ${step}: over`);
      assert.equal(overrides.size, 0);
    }
  });
});

describe('OverrideTable: cap', () => {
  it('holds at most maxOverrides; past it only dependencies with an override or a breaker apply', () => {
    const { table, overrides } = setup({ maxOverrides: 2, has: (d) => d === 'openai/used' });
    let seq = 0;
    const apply = (s: BreakerSignal) => table.apply(s, `run-a:${++seq}`);
    assert.equal(apply(signal('made-up/1', 'open', T)), 'applied');
    assert.equal(apply(signal('made-up/2', 'half_open', T)), 'applied');
    assert.equal(apply(signal('made-up/3', 'open', T)), 'over_limit');
    assert.equal(overrides.has('made-up/3'), false);
    assert.equal(apply(signal('made-up/1', 'half_open', T)), 'applied', 'an override held is renewed');
    assert.equal(apply(signal('openai/used', 'open', T)), 'applied', 'a dependency with a breaker');
    assert.equal(table.size, 3);
    assert.equal(
      apply(signal('made-up/3', 'closed', T, 5_000)),
      'cleared',
      'a closed signal is never limited',
    );
    assert.equal(apply(signal('made-up/1', 'closed', T, 5_000)), 'cleared');
    assert.equal(apply(signal('made-up/2', 'closed', T, 5_000)), 'cleared');
    assert.equal(apply(signal('made-up/3', 'open', T)), 'applied', 'room again');
  });

  it('signals long over for 10 000 other dependencies do not wipe the order of one still in effect', async () => {
    const { table, clock, overrides } = setup();
    assert.equal(table.apply(signal('a', 'open', T, 600_000), 'run-a:1'), 'applied');
    assert.equal(table.apply(signal('a', 'closed', T, 600_000), 'run-a:2'), 'cleared');
    // Over days, the collector decides about dependencies this process never calls.
    for (let i = 0; i < 10_000; i++) {
      table.apply(signal(`elsewhere/${i}`, 'closed', T, 5_000), `run-a:${10 + i}`);
      if (i % 1000 === 999) await clock.advance(10_000);
    }
    // The 'closed' for `a` is still in effect: a replay of the earlier 'open' is stale.
    assert.equal(table.apply(signal('a', 'open', T, 600_000), 'run-a:1'), 'stale');
    assert.equal(overrides.has('a'), false);
  });

  it('a dropped signal leaves no ordering trace', () => {
    const { table } = setup({ maxOverrides: 1 });
    table.apply(signal('a', 'open', T), 'run-a:1');
    assert.equal(table.apply(signal('b', 'open', T), 'run-a:5'), 'over_limit');
    table.apply(signal('a', 'closed', T, 5_000), 'run-a:6');
    // Had the drop been remembered, this earlier event would now count as stale.
    assert.equal(table.apply(signal('b', 'open', T), 'run-a:4'), 'applied');
  });
});
