/**
 * Folding a quiet series into another (how a retired version gives its place back): the sums
 * over both are unchanged to the event, all at once, also across a restart or a failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { MemoryStore } from './memory-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { CountDelta, SeriesFold, SloStore } from './types.ts';

const M = 60_000;
const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2025, 0, 10, 12, 0, 0);
const retention = () => 30 * D + H;
const WINDOWS = [H, D, 3 * D, 30 * D];

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-fold-'));
  dirs.push(dir);
  return join(dir, 'breakwater.db');
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function delta(series: string, good: number, total: number, examples: string[] = []): CountDelta {
  const bad = total - good;
  return {
    slo: 'avail',
    series,
    counts: { good, total, extra: bad > 0 ? { 'c:timeout': bad } : {} },
    exampleTraceIds: examples,
  };
}

/** v1 two days ago (coarsened) and five hours ago, v2 now, the retired series three days ago. */
async function seed(store: SloStore): Promise<void> {
  await store.commit(T0 - 2 * D, [delta('v1', 90, 100, ['a1'])]);
  await store.commit(T0 - 5 * H, [delta('v1', 7, 10)]);
  await store.commit(T0 - 3 * D, [delta('old', 40, 50)]);
  await store.commit(T0, [delta('v2', 20, 20)]);
  await store.compact(T0);
}

/** Every window summed over every series, and per series. */
async function sums(store: SloStore): Promise<{ all: number[][]; bySeries: Map<string, number[]> }> {
  const snap = await store.snapshot(T0, WINDOWS);
  const all = WINDOWS.map(() => [0, 0, 0]);
  const bySeries = new Map<string, number[]>();
  for (const s of snap) {
    s.windows.forEach((w, i) => {
      all[i]![0]! += w.good;
      all[i]![1]! += w.total;
      all[i]![2]! += w.extra['c:timeout'] ?? 0;
    });
    bySeries.set(
      s.series,
      s.windows.map((w) => w.total),
    );
  }
  return { all, bySeries };
}

const retire = (from: string, quietSinceMs = T0 - 4 * H): SeriesFold => ({
  slo: 'avail',
  from,
  to: 'old',
  quietSinceMs,
});

for (const [name, open] of [
  ['MemoryStore', () => new MemoryStore(retention)],
  ['SqliteStore', () => SqliteStore.open({ path: tempDb(), retention })],
] as const) {
  describe(`${name} fold`, () => {
    it('moves every bucket of a quiet series into the other, leaving every sum as it was', async () => {
      const store = open();
      await seed(store);
      const before = await sums(store);
      assert.deepEqual(await store.fold([retire('v1'), retire('v2')]), [retire('v1')], 'v2 is not quiet');
      const afterFold = await sums(store);
      assert.deepEqual(afterFold.all, before.all);
      assert.equal(afterFold.bySeries.has('v1'), false);
      assert.deepEqual(afterFold.bySeries.get('old'), [0, 10, 160, 160]);
      assert.deepEqual(afterFold.bySeries.get('v2'), before.bySeries.get('v2'));
      assert.deepEqual(store.examples('avail', 'v1'), []);
      // Folding again finds nothing to move.
      assert.deepEqual(await store.fold([retire('v1')]), []);
      assert.deepEqual((await sums(store)).all, before.all);
      await store.close();
    });

    it('leaves a series that took an event after quietSinceMs, even one still pending', async () => {
      const store = open();
      await seed(store);
      const pending = store.commit(T0, [delta('v1', 1, 1)]);
      assert.deepEqual(await store.fold([retire('v1')]), []);
      await pending;
      assert.deepEqual((await sums(store)).bySeries.get('v1'), [1, 11, 111, 111]);
      await store.close();
    });
  });
}

describe('SqliteStore fold durability', () => {
  it('is on disk once it resolves: a restart reads the folded series', async () => {
    const path = tempDb();
    const store = SqliteStore.open({ path, retention });
    await seed(store);
    const before = await sums(store);
    await store.fold([retire('v1')]);
    const folded = await sums(store);
    await store.close();

    const reopened = SqliteStore.open({ path, retention });
    assert.deepEqual(await sums(reopened), folded);
    assert.deepEqual((await sums(reopened)).all, before.all);
    // A retired version that sends again starts a new series; its older counts stay folded.
    await reopened.commit(T0, [delta('v1', 3, 3)]);
    assert.deepEqual((await sums(reopened)).bySeries.get('v1'), [3, 3, 3, 3]);
    await reopened.close();
  });

  it('a fold that fails midway changes nothing, in memory or on disk', async () => {
    const path = tempDb();
    const seeded = SqliteStore.open({ path, retention });
    await seed(seeded);
    const before = await sums(seeded);
    await seeded.close();
    // The file is locked while open, so the failure is planted beforehand: the fold's last step,
    // deleting the folded series' row, fails after its buckets were moved.
    const db = new DatabaseSync(path);
    db.exec(
      "CREATE TRIGGER fail_fold BEFORE DELETE ON slo_series BEGIN SELECT RAISE(ABORT, 'simulated crash'); END",
    );
    db.close();

    const store = SqliteStore.open({ path, retention });
    await assert.rejects(store.fold([retire('v1')]), /simulated crash/);
    assert.deepEqual(await sums(store), before);
    await store.commit(T0 + M, [delta('v2', 1, 1)]);
    await store.close();

    const fixed = new DatabaseSync(path);
    fixed.exec('DROP TRIGGER fail_fold');
    fixed.close();
    const reopened = SqliteStore.open({ path, retention });
    const reread = await sums(reopened);
    assert.deepEqual(reread.bySeries.get('v1'), before.bySeries.get('v1'), 'v1 not half moved');
    assert.deepEqual(reread.bySeries.get('old'), before.bySeries.get('old'));
    assert.deepEqual(await reopened.fold([retire('v1')]), [retire('v1')]);
    const folded = await sums(reopened);
    await reopened.close();
    const again = SqliteStore.open({ path, retention });
    assert.deepEqual(await sums(again), folded);
    assert.equal(folded.bySeries.has('v1'), false);
    await again.close();
  });
});
