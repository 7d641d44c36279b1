import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { BreakerStateTable } from './breaker-state-table.ts';

const point = (state: string, timeMs: number) => ({
  service: 'checkout',
  instanceId: 'i-1',
  dependency: 'openai/gpt-4o',
  state,
  timeMs,
});

describe('BreakerStateTable', () => {
  it('keeps the newer state when export batches arrive out of order', () => {
    const clock = new ManualClock(100_000);
    const table = new BreakerStateTable({ clock, ttlMs: 300_000, maxEntries: 10 });
    table.record([point('open', 99_000)]);
    table.record([point('closed', 98_000)]); // an older batch, late
    assert.equal(table.snapshot()[0]?.state, 'open');
  });

  it('a point stamped in the future does not hold back the updates after it', async () => {
    const clock = new ManualClock(100_000);
    const table = new BreakerStateTable({ clock, ttlMs: 300_000, maxEntries: 10 });
    table.record([point('open', 100_000 + 3_600_000)]); // an hour ahead
    assert.equal(table.snapshot()[0]?.timeMs, 100_000, 'counted as sent when it arrived');
    await clock.advance(10_000);
    table.record([point('closed', 110_000)]);
    assert.equal(table.snapshot()[0]?.state, 'closed');
  });
});

describe('BreakerStateTable at its bound', () => {
  it('drops the least recently reported entries beyond maxEntries, and counts them', () => {
    const clock = new ManualClock(100_000);
    const table = new BreakerStateTable({ clock, ttlMs: 300_000, maxEntries: 2 });
    for (const id of ['i-1', 'i-2', 'i-3']) table.record([{ ...point('open', 99_000), instanceId: id }]);
    assert.deepEqual(
      table.snapshot().map((e) => e.instanceId),
      ['i-2', 'i-3'],
    );
    assert.equal(table.evicted, 1);
  });
});

describe('BreakerStateTable across a step of the collector clock', () => {
  it('takes new points after the collector clock stepped back an hour', async () => {
    const clock = new ManualClock(100_000_000);
    const table = new BreakerStateTable({ clock, ttlMs: 300_000, maxEntries: 10 });
    table.record([point('open', 100_000_000)]);
    clock.stepWall(-3_600_000);
    await clock.advance(10_000);
    table.record([point('closed', 100_010_000)]); // the SDK's clock is right
    assert.equal(table.snapshot()[0]?.state, 'closed');
  });

  it('expires entries after the TTL on the monotonic clock, whatever the wall clock does', async () => {
    const clock = new ManualClock(100_000_000);
    const table = new BreakerStateTable({ clock, ttlMs: 300_000, maxEntries: 10 });
    table.record([point('open', 100_000_000)]);
    clock.stepWall(3_600_000);
    assert.equal(table.snapshot().length, 1, 'a forward step does not expire it');
    clock.stepWall(-7_200_000);
    await clock.advance(300_001);
    assert.equal(table.snapshot().length, 0, 'a backward step does not keep it');
  });
});
