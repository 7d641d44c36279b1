import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  BucketIndex,
  type BucketPlan,
  type BucketRef,
  type BucketWrite,
  type Resolution,
} from './buckets.ts';
import { ExampleIndex, mergeExamples } from './example-index.ts';
import { openFailureReason } from './file-access.ts';
import { FileOpenError } from './file-open-error.ts';
import { isSqliteBusy } from './sqlite-busy.ts';
import { openSqlite } from './sqlite-open.ts';
import { rollbackFailed } from './sqlite-rollback.ts';
import {
  addCounts,
  type CountDelta,
  type Counts,
  type DefinitionChanges,
  EXAMPLES_PER_SERIES,
  type RetentionFn,
  type SeriesFold,
  type SeriesWindows,
  type SloStore,
} from './types.ts';
import { limitWalSize } from './wal-size-limit.ts';

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  path: string;
  retention: RetentionFn;
  /** `normal` survives a killed process (WAL); `full` also survives power loss (fsync per commit). */
  synchronous?: 'normal' | 'full';
  /**
   * How long opening waits for another process to release the file before failing, in ms
   * (default 5000): a rolling restart's new collector waits for the old one to exit.
   */
  lockTimeoutMs?: number;
}

/** The store file cannot be opened; the message names the file and says why. */
export class StoreOpenError extends FileOpenError {
  override readonly name = 'StoreOpenError';
}

const DEFAULT_LOCK_TIMEOUT_MS = 5_000;

// `slo_example_traces`, `slo_windows` and `slo_definitions` came later without a version bump:
// they are additive, and a collector that predates them opens the file and ignores them (counts
// set aside under `<slo>@<key>` read to it as those of an SLO no longer configured). `slo_example_traces` is
// keyed by the series' names, not its row id: such a collector compacts series away without
// touching it, and a reused id must not inherit another series' traces (loading keeps only rows
// of series that still have counts).
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS slo_series (
  id INTEGER PRIMARY KEY,
  slo TEXT NOT NULL,
  series TEXT NOT NULL,
  UNIQUE (slo, series)
);
CREATE TABLE IF NOT EXISTS slo_buckets (
  series_id INTEGER NOT NULL,
  res INTEGER NOT NULL,
  start INTEGER NOT NULL,
  good INTEGER NOT NULL,
  total INTEGER NOT NULL,
  extra TEXT,
  PRIMARY KEY (series_id, res, start)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS slo_example_traces (
  slo TEXT NOT NULL,
  series TEXT NOT NULL,
  trace_ids TEXT NOT NULL,
  PRIMARY KEY (slo, series)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS slo_windows (
  slo TEXT PRIMARY KEY,
  window_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS slo_definitions (
  slo TEXT PRIMARY KEY,
  counted TEXT NOT NULL
) WITHOUT ROWID;
`;

/**
 * The SLO name counts counted under key `counted` are kept under once the SLO counts other
 * events: `@` is no character of an SLO name, so no SLO reads them.
 */
function setAsideName(slo: string, counted: string): string {
  return `${slo}@${counted}`;
}

interface PendingCommit {
  timeMs: number;
  deltas: readonly CountDelta[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The default store: `node:sqlite` in WAL mode. The working set lives in a {@link BucketIndex};
 * every change is written to SQLite in one transaction before it is applied in memory, so what
 * a commit acknowledged survives `kill -9` and a restart reloads every window.
 *
 * Commits arriving in the same event-loop turn share one transaction (group commit), which keeps
 * the per-request cost low under concurrent ingest. Single writer: counts are kept in memory and
 * written back as bucket totals, so the file is locked exclusively while open and a second
 * collector on it fails to open (several replicas need a shared store such as Redis).
 */
export class SqliteStore implements SloStore {
  readonly kind = 'sqlite';
  private readonly db: DatabaseSync;
  private readonly index = new BucketIndex();
  private readonly exampleIndex = new ExampleIndex();
  private readonly retention: RetentionFn;
  private readonly seriesIds = new Map<string, number>();
  private readonly upsertBucket: StatementSync;
  private readonly insertSeries: StatementSync;
  private readonly selectSeries: StatementSync;
  private readonly deleteBucket: StatementSync;
  private readonly upsertExamples: StatementSync;
  private pending: PendingCommit[] = [];
  private flushScheduled = false;
  private closed = false;

  private constructor(db: DatabaseSync, retention: RetentionFn) {
    this.db = db;
    this.retention = retention;
    this.upsertBucket = this.db.prepare(
      `INSERT INTO slo_buckets (series_id, res, start, good, total, extra) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (series_id, res, start) DO UPDATE SET good = excluded.good, total = excluded.total, extra = excluded.extra`,
    );
    this.insertSeries = this.db.prepare(
      'INSERT INTO slo_series (slo, series) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
    this.selectSeries = this.db.prepare('SELECT id FROM slo_series WHERE slo = ? AND series = ?');
    this.deleteBucket = this.db.prepare(
      'DELETE FROM slo_buckets WHERE series_id = ? AND res = ? AND start = ?',
    );
    this.upsertExamples = this.db.prepare(
      `INSERT INTO slo_example_traces (slo, series, trace_ids) VALUES (?, ?, ?)
       ON CONFLICT (slo, series) DO UPDATE SET trace_ids = excluded.trace_ids`,
    );
    this.load();
  }

  /**
   * Opens (creating it and its directory if needed) the store at `options.path`, locks it for
   * this process and loads every retained bucket.
   *
   * @throws {StoreOpenError} when the file cannot be opened, e.g. another collector holds it
   * (after waiting `lockTimeoutMs` for it to exit) or it is not a SQLite database.
   */
  static open(options: SqliteStoreOptions): SqliteStore {
    const { path } = options;
    let db: DatabaseSync | undefined;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = openSqlite(path, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
      prepareFile(db, path, options.synchronous ?? 'normal');
      return new SqliteStore(db, options.retention);
    } catch (error) {
      if (db?.isOpen) db.close();
      throw openError(path, error);
    }
  }

  commit(timeMs: number, deltas: readonly CountDelta[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('SLO store is closed'));
    if (deltas.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ timeMs, deltas, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async snapshot(nowMs: number, windowsMs: readonly number[]): Promise<SeriesWindows[]> {
    return this.index.snapshot(nowMs, windowsMs);
  }

  examples(slo: string, series: string): readonly string[] {
    return this.exampleIndex.get(slo, series);
  }

  async compact(nowMs: number): Promise<void> {
    if (this.closed) return;
    this.flush();
    const plan = this.index.planCompaction(nowMs, this.retention);
    if (plan.writes.length === 0 && plan.deletes.length === 0) return;
    this.transaction(() => {
      this.writePlan(plan, new Map());
      this.db.exec('DELETE FROM slo_series WHERE id NOT IN (SELECT DISTINCT series_id FROM slo_buckets)');
      this.db.exec(
        'DELETE FROM slo_example_traces WHERE NOT EXISTS (SELECT 1 FROM slo_series s WHERE s.slo = slo_example_traces.slo AND s.series = slo_example_traces.series)',
      );
    });
    this.index.applyPlan(plan);
    this.exampleIndex.retain((slo, series) => this.index.has(slo, series));
    this.reloadSeriesIds();
  }

  async fold(folds: readonly SeriesFold[]): Promise<SeriesFold[]> {
    if (this.closed) return [];
    // Pending commits first: a series that took events meanwhile is then seen as not quiet.
    this.flush();
    const { plan, done } = this.index.planFold(folds);
    if (done.length === 0) return [];
    const deleteSeries = this.db.prepare('DELETE FROM slo_series WHERE slo = ? AND series = ?');
    const deleteExamples = this.db.prepare('DELETE FROM slo_example_traces WHERE slo = ? AND series = ?');
    const newIds = new Map<string, number>();
    this.transaction(() => {
      this.writePlan(plan, newIds);
      for (const f of done) {
        deleteSeries.run(f.slo, f.from);
        deleteExamples.run(f.slo, f.from);
      }
    });
    for (const [key, id] of newIds) this.seriesIds.set(key, id);
    for (const f of done) this.seriesIds.delete(seriesKey(f.slo, f.from));
    this.index.applyPlan(plan);
    this.exampleIndex.retain((slo, series) => this.index.has(slo, series));
    return done;
  }

  /** Writes `plan`'s deletes and writes, inside a transaction; ids of series it creates go to `newIds`. */
  private writePlan(plan: BucketPlan, newIds: Map<string, number>): void {
    for (const d of plan.deletes) {
      const id = this.seriesIds.get(seriesKey(d.slo, d.series));
      if (id !== undefined) this.deleteBucket.run(id, d.res, d.start);
    }
    for (const w of plan.writes) this.writeBucket(w, newIds);
  }

  latestBucketStart(): number {
    return this.index.latestStart;
  }

  rememberWindows(configured: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
    const upsert = this.db.prepare(
      'INSERT INTO slo_windows (slo, window_ms) VALUES (?, ?) ON CONFLICT (slo) DO UPDATE SET window_ms = excluded.window_ms',
    );
    this.transaction(() => {
      for (const [slo, windowMs] of configured) upsert.run(slo, windowMs);
      // An SLO whose counts have all aged out has nothing left to keep.
      const names = JSON.stringify([...configured.keys()]);
      this.db
        .prepare(
          'DELETE FROM slo_windows WHERE slo NOT IN (SELECT value FROM json_each(?)) AND slo NOT IN (SELECT slo FROM slo_series)',
        )
        .run(names);
    });
    const windows = new Map(configured);
    for (const row of this.db.prepare('SELECT slo, window_ms FROM slo_windows').iterate()) {
      const { slo, window_ms: windowMs } = row as { slo: string; window_ms: number };
      if (!windows.has(slo)) windows.set(slo, windowMs);
    }
    return windows;
  }

  adoptDefinitions(configured: ReadonlyMap<string, string>): DefinitionChanges {
    this.flush();
    const changes: DefinitionChanges = { setAside: [], restored: [] };
    const renames: [from: string, to: string][] = [];
    const stored = this.db.prepare('SELECT counted FROM slo_definitions WHERE slo = ?');
    const record = this.db.prepare(
      'INSERT INTO slo_definitions (slo, counted) VALUES (?, ?) ON CONFLICT (slo) DO UPDATE SET counted = excluded.counted',
    );
    const holds = this.db.prepare('SELECT 1 FROM slo_series WHERE slo = ? LIMIT 1');
    this.transaction(() => {
      for (const [slo, counted] of configured) {
        const before = (stored.get(slo) as { counted: string } | undefined)?.counted;
        record.run(slo, counted);
        // No key yet: a new SLO, or counts stored before keys were; those are taken as they are.
        if (before === undefined || before === counted) continue;
        if (holds.get(slo) !== undefined) {
          this.moveSlo(slo, setAsideName(slo, before));
          renames.push([slo, setAsideName(slo, before)]);
          changes.setAside.push(slo);
        }
        const earlier = setAsideName(slo, counted);
        if (holds.get(earlier) !== undefined) {
          this.moveSlo(earlier, slo);
          renames.push([earlier, slo]);
          changes.restored.push(slo);
        }
      }
    });
    for (const [from, to] of renames) {
      this.index.renameSlo(from, to);
      this.exampleIndex.renameSlo(from, to);
    }
    if (renames.length > 0) this.reloadSeriesIds();
    return changes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }

  /** Buckets held (for tests). */
  get bucketCount(): number {
    return this.index.bucketCount;
  }

  /** Writes every pending commit in one transaction, then applies it in memory. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const writes = new Map<string, BucketWrite>();
    const examples = new Map<string, ExampleWrite>();
    for (const p of batch) {
      const { res, start } = this.index.bucketFor(p.timeMs);
      for (const d of p.deltas) {
        if (d.exampleTraceIds !== undefined && d.exampleTraceIds.length > 0) this.mergeExamples(examples, d);
        const key = `${seriesKey(d.slo, d.series)}\u0000${res}\u0000${start}`;
        let w = writes.get(key);
        if (w === undefined) {
          const ref: BucketRef = { slo: d.slo, series: d.series, res, start };
          w = { ...ref, counts: this.index.get(ref) };
          writes.set(key, w);
        }
        addCounts(w.counts, d.counts);
      }
    }
    const newIds = new Map<string, number>();
    try {
      this.transaction(() => {
        for (const w of writes.values()) this.writeBucket(w, newIds);
        for (const e of examples.values()) this.upsertExamples.run(e.slo, e.series, JSON.stringify(e.list));
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const [key, id] of newIds) this.seriesIds.set(key, id);
    for (const w of writes.values()) this.index.set(w);
    for (const e of examples.values()) this.exampleIndex.set(e.slo, e.series, e.list);
    for (const p of batch) p.resolve();
  }

  /** Adds a delta's examples to the series' list for this flush (later commits are newer). */
  private mergeExamples(examples: Map<string, ExampleWrite>, d: CountDelta): void {
    const key = seriesKey(d.slo, d.series);
    const e = examples.get(key);
    const newest = d.exampleTraceIds!;
    if (e === undefined) {
      examples.set(key, {
        slo: d.slo,
        series: d.series,
        list: this.exampleIndex.merged(d.slo, d.series, newest),
      });
    } else {
      e.list = mergeExamples(newest, e.list);
    }
  }

  private writeBucket(w: BucketWrite, newIds: Map<string, number>): void {
    const key = seriesKey(w.slo, w.series);
    let id = this.seriesIds.get(key) ?? newIds.get(key);
    if (id === undefined) {
      this.insertSeries.run(w.slo, w.series);
      id = Number((this.selectSeries.get(w.slo, w.series) as { id: number | bigint }).id);
      newIds.set(key, id);
    }
    const extra = Object.keys(w.counts.extra).length === 0 ? null : JSON.stringify(w.counts.extra);
    this.upsertBucket.run(id, w.res, w.start, w.counts.good, w.counts.total, extra);
  }

  /**
   * Moves SLO `from`'s series, example traces and remembered window to SLO `to` (inside a
   * transaction), replacing whatever `to` held. Bucket rows follow their series ids.
   */
  private moveSlo(from: string, to: string): void {
    this.db
      .prepare('DELETE FROM slo_buckets WHERE series_id IN (SELECT id FROM slo_series WHERE slo = ?)')
      .run(to);
    for (const table of ['slo_series', 'slo_example_traces', 'slo_windows'])
      this.db.prepare(`DELETE FROM ${table} WHERE slo = ?`).run(to);
    for (const table of ['slo_series', 'slo_example_traces', 'slo_windows'])
      this.db.prepare(`UPDATE ${table} SET slo = ? WHERE slo = ?`).run(to, from);
  }

  private transaction(fn: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (error) {
      rollbackFailed(this.db);
      throw error;
    }
  }

  private load(): void {
    this.reloadSeriesIds();
    const rows = this.db
      .prepare(
        `SELECT s.slo AS slo, s.series AS series, b.res AS res, b.start AS start, b.good AS good, b.total AS total, b.extra AS extra
         FROM slo_buckets b JOIN slo_series s ON s.id = b.series_id`,
      )
      .iterate() as Iterable<{
      slo: string;
      series: string;
      res: number;
      start: number;
      good: number;
      total: number;
      extra: string | null;
    }>;
    for (const row of rows) {
      const counts: Counts = {
        good: row.good,
        total: row.total,
        extra: row.extra === null ? {} : JSON.parse(row.extra),
      };
      this.index.set({
        slo: row.slo,
        series: row.series,
        res: row.res as Resolution,
        start: row.start,
        counts,
      });
    }
    this.loadExamples();
  }

  private loadExamples(): void {
    const rows = this.db
      .prepare('SELECT slo, series, trace_ids AS traceIds FROM slo_example_traces')
      .iterate() as Iterable<{ slo: string; series: string; traceIds: string }>;
    for (const row of rows) {
      // A series with no counts left (compacted away by a collector that predates this table).
      if (!this.index.has(row.slo, row.series)) continue;
      const list = parseTraceIds(row.traceIds);
      if (list.length > 0) this.exampleIndex.set(row.slo, row.series, list);
    }
  }

  private reloadSeriesIds(): void {
    this.seriesIds.clear();
    for (const row of this.db.prepare('SELECT id, slo, series FROM slo_series').iterate() as Iterable<{
      id: number;
      slo: string;
      series: string;
    }>) {
      this.seriesIds.set(seriesKey(row.slo, row.series), Number(row.id));
    }
  }
}

/**
 * Locks the file, then checks and creates the schema. Exclusive locking mode is set before WAL:
 * the WAL index then lives in this process's memory instead of a shared file, and the lock is
 * held until the connection closes or the process dies (the OS drops it, also on `kill -9`).
 */
function prepareFile(db: DatabaseSync, path: string, synchronous: 'normal' | 'full'): void {
  db.exec('PRAGMA locking_mode = EXCLUSIVE');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  limitWalSize(db);
  // A write transaction takes the lock now (waiting up to the busy timeout), not at the first commit.
  db.exec('BEGIN IMMEDIATE');
  try {
    const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version > SCHEMA_VERSION) {
      throw new StoreOpenError(
        path,
        `${path}: store schema version ${version} is newer than this collector supports (${SCHEMA_VERSION})`,
      );
    }
    db.exec(SCHEMA);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    rollbackFailed(db);
    throw error;
  }
}

/** `error` from opening the store at `path`, as a {@link StoreOpenError} naming the file. */
function openError(path: string, error: unknown): StoreOpenError {
  if (error instanceof StoreOpenError) return error;
  if (isSqliteBusy(error)) {
    return new StoreOpenError(
      path,
      `${path} is in use by another collector process (one collector per store file)`,
      { cause: error },
    );
  }
  return new StoreOpenError(path, `cannot open SLO store ${path}: ${openFailureReason(path, error)}`, {
    cause: error,
  });
}

/** A stored list, or none when the row is not a list of strings (examples are only hints). */
function parseTraceIds(text: string): readonly string[] {
  try {
    const list: unknown = JSON.parse(text);
    if (Array.isArray(list) && list.every((id) => typeof id === 'string'))
      return list.slice(0, EXAMPLES_PER_SERIES);
  } catch {
    // fall through
  }
  return [];
}

interface ExampleWrite {
  slo: string;
  series: string;
  list: readonly string[];
}

function seriesKey(slo: string, series: string): string {
  return `${slo}\u0000${series}`;
}
