/**
 * The stores when a compaction runs with a clock far ahead of their counts (a wall clock set a
 * month ahead, a host booted with the wrong time): nothing is decided for good from that time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { MemoryStore } from './memory-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import { StoreClock } from './store-clock.ts';
import type { CountDelta } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 10, 12, 0, 0);
const retention = () => 30 * DAY + HOUR;
const delta = (good: number, total: number): CountDelta[] => [
  { slo: 'avail', series: 's', counts: { good, total, extra: {} } },
];

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SLO stores and a clock far ahead', () => {
  it('commits go to minute buckets after a compaction ran with the clock two days ahead', async () => {
    const store = new MemoryStore(retention);
    await store.compact(T0 + 2 * DAY);
    await store.commit(T0, delta(0, 100)); // an outage
    await store.commit(T0 + 40 * MIN, delta(100, 100));
    const [s] = await store.snapshot(T0 + 40 * MIN, [5 * MIN]);
    assert.deepEqual([s!.windows[0]!.good, s!.windows[0]!.total], [100, 100]);
  });

  it('a compaction with the clock two days ahead does not coarsen the recent minute buckets', async () => {
    const store = new MemoryStore(retention);
    await store.commit(T0, delta(0, 100));
    await store.commit(T0 + 40 * MIN, delta(100, 100));
    await store.compact(T0 + 2 * DAY);
    const [s] = await store.snapshot(T0 + 40 * MIN, [5 * MIN]);
    assert.deepEqual([s!.windows[0]!.good, s!.windows[0]!.total], [100, 100]);
  });

  it('one compaction with the clock a month ahead deletes no persisted history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-store-step-'));
    dirs.push(dir);
    const path = join(dir, 'store.db');
    let store = SqliteStore.open({ path, retention });
    for (let d = 0; d < 10; d++) await store.commit(T0 - d * DAY, delta(0, 10));
    await store.compact(T0 + 31 * DAY + 2 * HOUR);
    await store.close();
    store = SqliteStore.open({ path, retention }); // restarted once the clock was right
    const [s] = await store.snapshot(T0 + MIN, [30 * DAY]);
    await store.close();
    assert.equal(s?.windows[0]?.total, 100);
  });

  it('still drops what is past retention once newer counts arrive', async () => {
    const store = new MemoryStore(retention);
    await store.commit(T0, delta(1, 1));
    await store.compact(T0 + 40 * DAY);
    assert.equal(store.bucketCount, 1, 'kept while nothing newer came');
    await store.commit(T0 + 40 * DAY, delta(1, 1));
    await store.compact(T0 + 40 * DAY);
    assert.equal(store.bucketCount, 1, 'the old bucket went');
    assert.equal(store.latestBucketStart(), T0 + 40 * DAY);
  });
});

describe('StoreClock', () => {
  it('advances with the monotonic clock, whatever the wall clock does', async () => {
    const clock = new ManualClock(T0);
    const time = new StoreClock(clock, Number.NEGATIVE_INFINITY);
    clock.stepWall(-HOUR);
    await clock.advance(MIN);
    clock.stepWall(3 * HOUR);
    assert.equal(time.now(), T0 + MIN);
    assert.equal(time.aheadOfWallMs, 0);
  });

  it('starts at the newest stored bucket when the wall clock is behind it', () => {
    const clock = new ManualClock(T0 - HOUR);
    const time = new StoreClock(clock, T0);
    assert.equal(time.now(), T0);
    assert.equal(time.aheadOfWallMs, HOUR);
  });
});
