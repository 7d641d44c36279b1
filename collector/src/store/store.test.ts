import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { COARSE_BUCKET_MS, FINE_BUCKET_MS } from './buckets.ts';
import { MemoryStore } from './memory-store.ts';
import { SqliteStore, StoreOpenError } from './sqlite-store.ts';
import type { CountDelta, SloStore } from './types.ts';
import { SQLITE_WAL_SIZE_LIMIT_BYTES } from './wal-size-limit.ts';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2025, 0, 10, 12, 0, 0);
const retention = () => 30 * D + H;

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-store-'));
  dirs.push(dir);
  return join(dir, 'breakwater.db');
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function delta(
  good: number,
  total: number,
  extra: Record<string, number> = {},
  series = 's1',
  slo = 'avail',
): CountDelta {
  return { slo, series, counts: { good, total, extra } };
}

/** A child `node` process running `body` as an ES module that has `SqliteStore` imported. */
function storeProcess(body: string): ChildProcessByStdio<null, Readable, null> {
  const script = `import { SqliteStore } from ${JSON.stringify(new URL('./sqlite-store.ts', import.meta.url).href)};\n${body}`;
  return spawn(process.execPath, ['--conditions=@breakwater/source', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Resolves once `child` printed `line` (rejects if it exits first). */
function printed(child: ChildProcessByStdio<null, Readable, null>, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split('\n').includes(line)) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`child exited (${code ?? signal}) before "${line}"`)),
    );
  });
}

async function windows(store: SloStore, now: number, ws: number[], series = 's1') {
  const snap = await store.snapshot(now, ws);
  return snap.find((s) => s.series === series)?.windows.map((c) => [c.good, c.total]);
}

for (const [name, open] of [
  ['MemoryStore', () => new MemoryStore(retention)],
  ['SqliteStore', () => SqliteStore.open({ path: tempDb(), retention })],
] as const) {
  describe(name, () => {
    it('sums buckets into each window (a window holds every bucket that overlaps it)', async () => {
      const store: SloStore = open();
      await store.commit(T0 - 50 * 60_000, [delta(370, 400, { 'c:timeout': 30 })]);
      await store.commit(T0 - 2 * 60_000, [delta(90, 100, { 'c:timeout': 4, 'c:server_error': 6 })]);
      await store.commit(T0 - 2 * 60_000 + 30_000, [delta(10, 10)]); // same minute bucket
      await store.commit(T0 - 10 * D, [delta(1000, 1000)]);
      const ws = [5 * 60_000, H, 30 * D];
      assert.deepEqual(await windows(store, T0, ws), [
        [100, 110],
        [470, 510],
        [1470, 1510],
      ]);
      const snap = await store.snapshot(T0, ws);
      assert.deepEqual(snap[0]?.windows[1]?.extra, { 'c:timeout': 34, 'c:server_error': 6 });
      // The T0-2m bucket ends at T0-1m: it overlaps the 5m window until T0+4m, then ages out.
      assert.deepEqual((await windows(store, T0 + 4 * 60_000 - 1, ws))?.[0], [100, 110]);
      assert.deepEqual((await windows(store, T0 + 4 * 60_000, ws))?.[0], [0, 0]);
      await store.close();
    });

    it('a window shorter than a bucket still holds the latest events, at any second of the minute', async () => {
      const store = open();
      await store.commit(T0 + 50_000, [delta(0, 10)]);
      for (const now of [T0 + 55_000, T0 + 60_000, T0 + 65_000, T0 + 89_999]) {
        assert.deepEqual(await windows(store, now, [30_000, 60_000, 5 * 60_000]), [
          [0, 10],
          [0, 10],
          [0, 10],
        ]);
      }
      // Once the whole bucket is older than the window, it is out.
      assert.deepEqual((await windows(store, T0 + 150_000, [30_000, 60_000, 5 * 60_000]))?.slice(0, 2), [
        [0, 0],
        [0, 0],
      ]);
      await store.close();
    });

    it('coarsens old minute buckets to hours and drops what is past retention', async () => {
      const store = open();
      for (let m = 0; m < 120; m++) await store.commit(T0 - 2 * D + m * FINE_BUCKET_MS, [delta(1, 1)]);
      await store.commit(T0 - 31 * D, [delta(5, 5)]);
      await store.commit(T0, [delta(2, 2)]);
      assert.equal(store.bucketCount, 122);
      await store.compact(T0);
      // 120 minutes → 2 hourly buckets; the 31-day-old bucket is gone.
      assert.equal(store.bucketCount, 3);
      assert.deepEqual(await windows(store, T0 + 1, [5 * 60_000, 3 * D, 30 * D]), [
        [2, 2],
        [122, 122],
        [122, 122],
      ]);
      // Commits keep working after compaction, into minute buckets.
      await store.commit(T0 + 60_000, [delta(1, 3)]);
      assert.deepEqual((await windows(store, T0 + 61_000, [5 * 60_000]))?.[0], [3, 5]);
      await store.close();
      assert.equal(COARSE_BUCKET_MS, 60 * FINE_BUCKET_MS);
    });

    it('keeps the latest example trace ids per series, newest first, and drops them with the series', async () => {
      const store = open();
      const bad = (ids: string[], series = 's1'): CountDelta => ({
        ...delta(0, ids.length, {}, series),
        exampleTraceIds: ids,
      });
      await store.commit(T0 - 40 * D, [bad(['old'], 'gone')]);
      await store.commit(T0, [bad(['t1', 't2'])]);
      await Promise.all([store.commit(T0, [bad(['t3'])]), store.commit(T0, [bad(['t4', 't2', 't5'])])]);
      await store.commit(T0, [delta(1, 1)]); // no examples: the list stays
      assert.deepEqual(store.examples('avail', 's1'), ['t4', 't2', 't5', 't3', 't1']);
      await store.commit(T0, [bad(['t6'])]);
      assert.deepEqual(store.examples('avail', 's1'), ['t6', 't4', 't2', 't5', 't3']);
      assert.deepEqual(store.examples('avail', 'nope'), []);
      assert.deepEqual(store.examples('avail', 'gone'), ['old']);
      await store.compact(T0);
      assert.deepEqual(store.examples('avail', 'gone'), [], 'aged out with its counts');
      assert.deepEqual(store.examples('avail', 's1'), ['t6', 't4', 't2', 't5', 't3']);
      await store.close();
    });
  });
}

describe('SqliteStore durability', () => {
  it('restores every window after a restart', async () => {
    const path = tempDb();
    const a = SqliteStore.open({ path, retention });
    await a.commit(T0 - 3 * D, [delta(7, 9, { 'c:timeout': 2 })]);
    await a.commit(T0 - 60_000, [delta(1, 2), delta(3, 3, {}, 's2', 'latency')]);
    await a.compact(T0);
    await a.close();
    const b = SqliteStore.open({ path, retention });
    const snap = await b.snapshot(T0, [5 * 60_000, 30 * D]);
    assert.deepEqual(
      snap.map((s) => [s.slo, s.series, s.windows.map((w) => [w.good, w.total, w.extra])]).sort(),
      [
        [
          'avail',
          's1',
          [
            [1, 2, {}],
            [8, 11, { 'c:timeout': 2 }],
          ],
        ],
        [
          'latency',
          's2',
          [
            [3, 3, {}],
            [3, 3, {}],
          ],
        ],
      ],
    );
    await b.close();
  });

  it('restores example trace ids after a restart, and not those of series compacted away', async () => {
    const path = tempDb();
    const a = SqliteStore.open({ path, retention });
    await a.commit(T0 - 40 * D, [{ ...delta(0, 1, {}, 'gone'), exampleTraceIds: ['old'] }]);
    await a.commit(T0, [{ ...delta(0, 2), exampleTraceIds: ['t1', 't2'] }]);
    await a.commit(T0, [{ ...delta(0, 1), exampleTraceIds: ['t3'] }]);
    await a.compact(T0);
    await a.close();
    const b = SqliteStore.open({ path, retention });
    assert.deepEqual(b.examples('avail', 's1'), ['t3', 't1', 't2']);
    assert.deepEqual(b.examples('avail', 'gone'), []);
    await b.close();
  });

  it("never hands a series another one's examples after an older collector compacted the file", async () => {
    const path = tempDb();
    const a = SqliteStore.open({ path, retention });
    await a.commit(T0, [delta(1, 1), { ...delta(0, 1, {}, 'gone'), exampleTraceIds: ['trace-of-gone'] }]);
    await a.close();
    // What a collector that predates slo_example_traces does when `gone` ages out: its compaction
    // deletes the buckets and the series row, and knows nothing of the examples.
    const db = new DatabaseSync(path);
    db.exec(`DELETE FROM slo_buckets WHERE series_id = (SELECT id FROM slo_series WHERE series = 'gone')`);
    db.exec('DELETE FROM slo_series WHERE id NOT IN (SELECT DISTINCT series_id FROM slo_buckets)');
    db.close();
    const b = SqliteStore.open({ path, retention });
    await b.commit(T0, [delta(1, 1, {}, 'fresh')]); // may take the freed row id
    assert.deepEqual(b.examples('avail', 'fresh'), []);
    assert.deepEqual(b.examples('avail', 'gone'), []);
    await b.close();
    const c = SqliteStore.open({ path, retention });
    assert.deepEqual(c.examples('avail', 'fresh'), []);
    await c.close();
  });

  it('has a commit on disk as soon as it resolves (a copy of the files, the writer still open)', async () => {
    const path = tempDb();
    const writer = SqliteStore.open({ path, retention });
    await writer.commit(T0, [delta(4, 5)]);
    // The file is locked while open, so read what is on disk from a copy (the WAL holds the commit).
    const copy = tempDb();
    copyFileSync(path, copy);
    copyFileSync(`${path}-wal`, `${copy}-wal`);
    const reader = SqliteStore.open({ path: copy, retention });
    assert.deepEqual(await windows(reader, T0, [H]), [[4, 5]]);
    await reader.close();
    await writer.close();
  });

  it('gives the disk back after a large transaction: the WAL shrinks to its limit once checkpointed', async () => {
    const path = tempDb();
    const store = SqliteStore.open({ path, retention });
    // Some 100,000 new series in one transaction (a first minute of a high-cardinality fleet).
    const many = Array.from({ length: 100_000 }, (_, i) => delta(1, 1, { 'c:timeout': 1 }, `series-${i}`));
    await store.commit(T0, many);
    const peak = statSync(`${path}-wal`).size;
    await store.commit(T0 + FINE_BUCKET_MS, [delta(1, 1)]); // the next write starts the WAL over
    const after = statSync(`${path}-wal`).size;
    assert.ok(peak > SQLITE_WAL_SIZE_LIMIT_BYTES, `the test needs a WAL past the limit, got ${peak}`);
    assert.ok(after <= SQLITE_WAL_SIZE_LIMIT_BYTES, `WAL still ${after} bytes (peak ${peak})`);
    await store.close();
  });

  it('groups concurrent commits into one transaction and rejects all of a failed one', async () => {
    const store = SqliteStore.open({ path: tempDb(), retention });
    await Promise.all([
      store.commit(T0, [delta(1, 1)]),
      store.commit(T0, [delta(1, 2)]),
      store.commit(T0, [delta(0, 1, {}, 's2')]),
    ]);
    assert.deepEqual(await windows(store, T0, [H]), [[2, 3]]);
    await store.close();
    await assert.rejects(store.commit(T0, [delta(1, 1)]), /closed/);
  });

  it('loses nothing acknowledged when the process is killed with SIGKILL', async () => {
    const path = tempDb();
    // A child commits batches and reports each acknowledged one; it is killed mid-stream.
    const child = storeProcess(`
      const store = SqliteStore.open({ path: ${JSON.stringify(path)}, retention: () => 1e12 });
      let n = 0;
      for (;;) {
        await store.commit(${T0} + n * 1000, [{ slo: 'avail', series: 's1', counts: { good: 1, total: 1, extra: {} } }]);
        n++;
        process.stdout.write('ack ' + n + '\\n');
      }
    `);
    let acked = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('child made no progress')), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = chunk.toString().trim().split('\n');
        acked = Number(lines[lines.length - 1]!.split(' ')[1]);
        if (acked >= 200 && !child.killed) {
          child.kill('SIGKILL');
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    const store = SqliteStore.open({ path, retention: () => 1e12 });
    const [[good, total]] = (await windows(store, T0 + 1e9, [2e9])) as [[number, number]];
    assert.ok(total >= acked, `acknowledged ${acked}, found ${total} after kill -9`);
    assert.equal(good, total);
    await store.close();
  });
});

describe('SqliteStore single writer', () => {
  const inUse = (path: string) => (error: unknown) =>
    error instanceof StoreOpenError &&
    error.message === `${path} is in use by another collector process (one collector per store file)`;

  it('refuses a second collector after the lock timeout; the lock goes with a SIGKILLed holder', async (t) => {
    const path = tempDb();
    const holder = storeProcess(`
      const store = SqliteStore.open({ path: ${JSON.stringify(path)}, retention: () => 1e12 });
      await store.commit(${T0}, [{ slo: 'avail', series: 's1', counts: { good: 3, total: 4, extra: {} } }]);
      process.stdout.write('ready\\n');
      // The timer keeps the store reachable: Node 22 closes a collected DatabaseSync, lock and all.
      setInterval(() => store, 60_000);
    `);
    t.after(() => holder.kill('SIGKILL'));
    await printed(holder, 'ready');
    const started = performance.now();
    assert.throws(() => SqliteStore.open({ path, retention, lockTimeoutMs: 300 }), inUse(path));
    assert.ok(performance.now() - started >= 250, 'waited for the holder before failing');
    // Any other connection is refused too: nothing can write behind the holder's in-memory counts.
    const other = new DatabaseSync(path);
    assert.throws(() => other.exec('SELECT 1 FROM slo_buckets'), /database is locked/);
    other.close();

    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const store = SqliteStore.open({ path, retention, lockTimeoutMs: 300 });
    assert.deepEqual(await windows(store, T0, [H]), [[3, 4]]);
    await store.close();
  });

  it('a rolling restart waits for the old collector to finish its commits and exit', async (t) => {
    const path = tempDb();
    const old = storeProcess(`
      const store = SqliteStore.open({ path: ${JSON.stringify(path)}, retention: () => 1e12 });
      await store.commit(${T0}, [{ slo: 'avail', series: 's1', counts: { good: 1, total: 1, extra: {} } }]);
      process.stdout.write('ready\\n');
      // An export still in flight when the new collector starts.
      await new Promise((r) => setTimeout(r, 300));
      await store.commit(${T0}, [{ slo: 'avail', series: 's1', counts: { good: 0, total: 1, extra: {} } }]);
      await store.close();
    `);
    t.after(() => old.kill('SIGKILL'));
    await printed(old, 'ready');
    const store = SqliteStore.open({ path, retention, lockTimeoutMs: 10_000 });
    assert.deepEqual(await windows(store, T0, [H]), [[1, 2]]);
    await store.close();
  });

  it('is released by close() in the same process', async () => {
    const path = tempDb();
    const first = SqliteStore.open({ path, retention });
    assert.throws(() => SqliteStore.open({ path, retention, lockTimeoutMs: 0 }), inUse(path));
    await first.commit(T0, [delta(1, 1)]);
    await first.close();
    const second = SqliteStore.open({ path, retention, lockTimeoutMs: 0 });
    assert.deepEqual(await windows(second, T0, [H]), [[1, 1]]);
    await second.close();
  });
});

describe('SqliteStore open errors', () => {
  it('creates the missing directories of its path', async () => {
    const path = join(tempDb(), '..', 'a', 'b', 'breakwater.db');
    const store = SqliteStore.open({ path, retention });
    await store.commit(T0, [delta(1, 1)]);
    await store.close();
    const again = SqliteStore.open({ path, retention });
    assert.deepEqual(await windows(again, T0, [H]), [[1, 1]]);
    await again.close();
  });

  it('names the file when it is not a SQLite database, and leaves it alone', () => {
    const path = tempDb();
    writeFileSync(path, 'not a database\n'.repeat(100));
    assert.throws(
      () => SqliteStore.open({ path, retention }),
      (error) =>
        error instanceof StoreOpenError &&
        error.path === path &&
        error.message === `cannot open SLO store ${path}: file is not a database`,
    );
    assert.equal(readFileSync(path, 'utf8'), 'not a database\n'.repeat(100));
  });

  it('names the file when its directory cannot be created', () => {
    const file = tempDb();
    writeFileSync(file, '');
    const path = join(file, 'breakwater.db');
    assert.throws(
      () => SqliteStore.open({ path, retention }),
      (error) =>
        error instanceof StoreOpenError &&
        error.message.startsWith(`cannot open SLO store ${path}: EEXIST: file already exists, mkdir`),
    );
  });

  it('refuses a newer schema and releases the file', async () => {
    const path = tempDb();
    await SqliteStore.open({ path, retention }).close();
    const db = new DatabaseSync(path);
    db.exec('PRAGMA user_version = 2');
    db.close();
    assert.throws(
      () => SqliteStore.open({ path, retention }),
      (error) =>
        error instanceof StoreOpenError &&
        error.message === `${path}: store schema version 2 is newer than this collector supports (1)`,
    );
    const after = new DatabaseSync(path);
    assert.equal((after.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 2);
    after.close();
  });
});

describe('SqliteStore failures', () => {
  it('a failed compaction changes nothing, and commits keep working', async () => {
    const path = tempDb();
    const seed = SqliteStore.open({ path, retention });
    await seed.commit(T0 - 40 * D, [delta(1, 1, {}, 'ancient')]);
    await seed.commit(T0, [delta(1, 1)]);
    await seed.close();
    // The file is locked while open, so the failure is planted beforehand: every bucket delete fails.
    const db = new DatabaseSync(path);
    db.exec(
      "CREATE TRIGGER fail_compaction BEFORE DELETE ON slo_buckets BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END",
    );
    db.close();

    const store = SqliteStore.open({ path, retention });
    await assert.rejects(store.compact(T0), /simulated disk failure/);
    assert.equal(store.bucketCount, 2);
    await store.commit(T0, [delta(0, 1)]);
    assert.deepEqual(await windows(store, T0, [H]), [[1, 2]]);
    assert.deepEqual(await windows(store, T0, [50 * D], 'ancient'), [[1, 1]]);
    await store.close();

    const fixed = new DatabaseSync(path);
    fixed.exec('DROP TRIGGER fail_compaction');
    fixed.close();
    const reopened = SqliteStore.open({ path, retention });
    assert.equal(reopened.bucketCount, 2);
    await reopened.compact(T0);
    assert.equal(reopened.bucketCount, 1);
    assert.deepEqual(await windows(reopened, T0, [H]), [[1, 2]]);
    await reopened.close();
  });

  it('a failed group commit rejects every commit that shared its transaction', async () => {
    const path = tempDb();
    await SqliteStore.open({ path, retention }).close(); // creates the schema
    // The file is locked while open, so the failure is planted beforehand: every bucket insert fails.
    const db = new DatabaseSync(path);
    db.exec(
      "CREATE TRIGGER fail_insert BEFORE INSERT ON slo_buckets BEGIN SELECT RAISE(ABORT, 'simulated disk full'); END",
    );
    db.close();

    const store = SqliteStore.open({ path, retention });
    // Same event-loop turn: one transaction. A member resolved here would be an ingest request
    // answered 200 with nothing written.
    const results = await Promise.allSettled([
      store.commit(T0, [delta(1, 1)]),
      store.commit(T0, [delta(0, 1)]),
      store.commit(T0, [delta(1, 1, {}, 's2')]),
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'resolved')),
      [1, 2, 3].map(() => 'Error: simulated disk full'),
    );
    assert.deepEqual(await store.snapshot(T0, [H]), [], 'nothing applied in memory');
    await store.close();

    const fixed = new DatabaseSync(path);
    fixed.exec('DROP TRIGGER fail_insert');
    fixed.close();
    const reopened = SqliteStore.open({ path, retention });
    assert.equal(reopened.bucketCount, 0, 'nothing written to the file');
    assert.deepEqual(await reopened.snapshot(T0, [H]), []);
    await reopened.close();
  });
});
