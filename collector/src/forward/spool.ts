import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Logger } from '../component.ts';
import { contentEncodingOf, forwardedEncoding } from '../receive/body.ts';
import type { RawOtlpRequest } from '../receive/otlp-receiver.ts';
import { openFailureReason } from '../store/file-access.ts';
import { FileOpenError } from '../store/file-open-error.ts';
import { isSqliteBusy } from '../store/sqlite-busy.ts';
import { openSqlite } from '../store/sqlite-open.ts';
import { limitWalSize } from '../store/wal-size-limit.ts';

/** A request read back from the spool, with the row id that removes it. */
export interface SpooledRequest {
  id: number;
  request: RawOtlpRequest;
}

/** A row of the spool that could not be read back as a request, and why. */
export interface UnreadableRow {
  id: number;
  reason: string;
}

/** Options of {@link ForwardSpool.open}. */
export interface ForwardSpoolOptions {
  path: string;
  logger: Logger;
  /** Wall time in ms, for the name of a file set aside. */
  now: () => number;
  /**
   * How long opening waits for another process to release the file, in ms (default 5000): a
   * rolling restart's new collector waits for the old one to exit.
   */
  lockTimeoutMs?: number;
}

/** The spool file cannot be used; the message names the file and says why. */
export class SpoolOpenError extends FileOpenError {
  override readonly name = 'SpoolOpenError';
}

/** The file opened as SQLite but does not hold a spool this collector can read. */
class SpoolFormatError extends Error {}

/**
 * SQLite's primary result codes for a file that holds no spool: damaged (`SQLITE_CORRUPT`), not a
 * database (`SQLITE_NOTADB`), or a database whose `forward_requests` is not ours (`SQLITE_ERROR`,
 * from reading it).
 */
const UNREADABLE_CODES: ReadonlySet<number> = new Set([11, 26, 1]);

/** Whether opening failed on the file's content, which setting it aside gets past. */
function isUnreadableSpool(error: unknown): boolean {
  if (error instanceof SpoolFormatError) return true;
  const errcode = error instanceof Error ? (error as { errcode?: unknown }).errcode : undefined;
  return typeof errcode === 'number' && UNREADABLE_CODES.has(errcode & 0xff);
}

const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
const SCHEMA_VERSION = 1;
const SIGNALS: ReadonlySet<string> = new Set(['traces', 'metrics']);

// The row id orders the requests: SQLite gives a new row a larger id than any it holds, so
// reading by id replays them in the order they were accepted.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS forward_requests (
  id INTEGER PRIMARY KEY,
  signal TEXT NOT NULL,
  content_type TEXT NOT NULL,
  content_encoding TEXT,
  body BLOB NOT NULL
);
`;

/**
 * The durable copy of one destination's queue: `node:sqlite` in WAL mode, one row per accepted
 * request, written before the request counts as enqueued and deleted once it reached its final
 * outcome. `synchronous = NORMAL`: a commit survives a killed process (not a power cut) without
 * an fsync per request, which keeps an append at one cheap INSERT.
 *
 * Single writer: the file is locked exclusively while open, so a second collector (or a second
 * forward entry) on the same file fails to open it.
 */
export class ForwardSpool {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly delete: StatementSync;
  /**
   * Rows the previous run left that cannot be read back (damaged, or not a request this collector
   * sends): left in the file, not forwarded.
   */
  readonly unreadable: readonly UnreadableRow[];
  private restored: SpooledRequest[];

  private constructor(path: string, db: DatabaseSync, { restored, unreadable }: SpoolContent) {
    this.path = path;
    this.db = db;
    this.restored = restored;
    this.unreadable = unreadable;
    this.insert = db.prepare(
      'INSERT INTO forward_requests (signal, content_type, content_encoding, body) VALUES (?, ?, ?, ?)',
    );
    this.delete = db.prepare('DELETE FROM forward_requests WHERE id = ?');
  }

  /**
   * Opens (creating it and its directory if needed) and locks the spool at `options.path`, and
   * reads what a previous run left in it. A file that is not a readable spool (corrupt, not
   * SQLite, another schema) is renamed aside with an error log and a new one is started: the
   * collector must come up, and the old file stays for inspection. A row that cannot be read
   * (a damaged page of its own, a value this collector does not send) costs only itself: it is
   * logged with its id, left in the file and listed in {@link unreadable}; the others are sent.
   *
   * @throws {SpoolOpenError} when the file is locked by another connection (after waiting
   * `lockTimeoutMs`), cannot be opened at all (a directory, no permission, an I/O error), or its
   * directory cannot be created, or a bad file cannot be set aside.
   */
  static open(options: ForwardSpoolOptions): ForwardSpool {
    const { path, logger } = options;
    const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new SpoolOpenError(
        path,
        `cannot create the directory of forward spool ${path}: ${reason(error)}`,
        {
          cause: error,
        },
      );
    }
    try {
      return reportUnreadable(ForwardSpool.openFile(path, lockTimeoutMs), logger);
    } catch (error) {
      if (isSqliteBusy(error)) {
        throw new SpoolOpenError(
          path,
          `forward spool ${path} is in use by another collector process or forward entry (one spool file per destination and collector)`,
          { cause: error },
        );
      }
      // A file this collector cannot use for another reason (a directory at the path, no
      // permission, an I/O error) is refused, not set aside: its requests would be lost.
      if (!isUnreadableSpool(error)) {
        throw new SpoolOpenError(
          path,
          `cannot open forward spool ${path}: ${openFailureReason(path, error)}`,
          {
            cause: error,
          },
        );
      }
      const aside = setAside(path, options.now(), error);
      logger.error(
        { path, movedTo: aside, err: reason(error) },
        'forward spool unreadable: moved aside, starting with an empty spool (its requests are not forwarded)',
      );
      try {
        return ForwardSpool.openFile(path, lockTimeoutMs);
      } catch (retryError) {
        throw new SpoolOpenError(
          path,
          `cannot open forward spool ${path}: ${openFailureReason(path, retryError)}`,
          {
            cause: retryError,
          },
        );
      }
    }
  }

  /** Opens, locks and reads the spool; closes it again on any failure. */
  private static openFile(path: string, lockTimeoutMs: number): ForwardSpool {
    const db = openSqlite(path, lockTimeoutMs);
    try {
      // Exclusive locking before WAL: the WAL index lives in this process's memory, and the lock
      // is held until the connection closes or the process dies (the OS drops it on kill -9).
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      // Rows are whole OTLP requests (often hundreds of KiB): large pages mean fewer overflow
      // pages per row. Takes effect only on a new file (before WAL is switched on).
      db.exec('PRAGMA page_size = 65536');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      // A checkpoint leaves the WAL file at its peak size (tens of MiB of whole requests after a
      // downstream outage): cut back once checkpointed.
      limitWalSize(db);
      // Takes the lock now (waiting up to the busy timeout), not at the first request.
      db.exec('BEGIN IMMEDIATE');
      const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
      if (version > SCHEMA_VERSION) {
        throw new SpoolFormatError(
          `spool schema version ${version} is newer than this collector supports (${SCHEMA_VERSION})`,
        );
      }
      db.exec(SCHEMA);
      // Prepared before anything is written: a table of another shape fails here, and the file
      // is set aside as it was.
      const select = db.prepare(SELECT_ROW);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      db.exec('COMMIT');
      // Read after the commit (the exclusive lock stays held): a damaged row fails the
      // transaction it is read in, which then cannot commit.
      return new ForwardSpool(path, db, readAll(db, select));
    } catch (error) {
      if (db.isOpen) db.close();
      throw error;
    }
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  /** Requests the previous run left (until handed out by {@link takeRestored}). */
  get restoredCount(): number {
    return this.restored.length;
  }

  /** What the previous run left, oldest first; handed out once. */
  takeRestored(): SpooledRequest[] {
    const restored = this.restored;
    this.restored = [];
    return restored;
  }

  /** Writes `request` (one autocommitted INSERT); returns its row id. Throws on I/O errors. */
  append(request: RawOtlpRequest): number {
    const result = this.insert.run(
      request.signal,
      request.contentType,
      request.contentEncoding ?? null,
      request.body,
    );
    return Number(result.lastInsertRowid);
  }

  /** Deletes a request that reached its final outcome; a no-op once closed. */
  remove(id: number): void {
    if (this.db.isOpen) this.delete.run(id);
  }

  /** Closes the file (what is in it stays for the next start); idempotent. */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

/** Rows an error log names at most: a damaged file can hold thousands. */
const LOGGED_ROWS = 20;

/** Logs, once at open, the rows of `spool` that cannot be read back; returns it. */
function reportUnreadable(spool: ForwardSpool, logger: Logger): ForwardSpool {
  const rows = spool.unreadable;
  if (rows.length > 0) {
    logger.error(
      { path: spool.path, count: rows.length, rows: rows.slice(0, LOGGED_ROWS) },
      'forward spool rows unreadable: left in the file and not forwarded; the other requests are',
    );
  }
  return spool;
}

/**
 * The canonical encoding of a spooled row (undefined for none), or null for one the receiver
 * never takes. Rows spooled before the receiver named encodings canonically hold the client's
 * own header (`GZIP`, `identity`), which downstream receivers refuse.
 */
function spooledEncoding(stored: string | null): RawOtlpRequest['contentEncoding'] | null {
  const encoding = contentEncodingOf(stored ?? undefined);
  return encoding === undefined ? null : forwardedEncoding(encoding);
}

/** Reads one row of {@link readAll}. */
const SELECT_ROW = 'SELECT signal, content_type, content_encoding, body FROM forward_requests WHERE id = ?';

/** What a previous run left in the spool. */
interface SpoolContent {
  restored: SpooledRequest[];
  unreadable: UnreadableRow[];
}

/**
 * Reads every row, one by one: the ids come from the table's b-tree alone, so a row whose own
 * pages are damaged (its body lives on overflow pages of its own) or whose values are not a
 * request fails by itself, and the others are still sent. A damaged table b-tree, or a table of
 * another shape, fails the whole read (the file is then set aside).
 */
function readAll(db: DatabaseSync, select: StatementSync): SpoolContent {
  const ids = db.prepare('SELECT id FROM forward_requests ORDER BY id').all() as { id: number }[];
  const content: SpoolContent = { restored: [], unreadable: [] };
  for (const { id } of ids) {
    try {
      content.restored.push({ id, request: requestOf(select.get(id) ?? {}) });
    } catch (error) {
      if (!(error instanceof SpoolFormatError) && !isCorrupt(error)) throw error;
      content.unreadable.push({ id, reason: reason(error) });
    }
  }
  return content;
}

/** The request a row holds; throws {@link SpoolFormatError} for values the receiver never spools. */
function requestOf(row: Record<string, unknown>): RawOtlpRequest {
  const { signal, content_type: contentType, content_encoding: encoding, body } = row;
  const contentEncoding =
    encoding === null || typeof encoding === 'string' ? spooledEncoding(encoding) : null;
  if (
    typeof signal !== 'string' ||
    !SIGNALS.has(signal) ||
    typeof contentType !== 'string' ||
    contentEncoding === null ||
    !(body instanceof Uint8Array)
  ) {
    throw new SpoolFormatError('not a spooled OTLP request');
  }
  return {
    signal: signal as RawOtlpRequest['signal'],
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    contentType,
    contentEncoding,
  };
}

/** Whether SQLite found a damaged page (`SQLITE_CORRUPT`) while reading. */
function isCorrupt(error: unknown): boolean {
  const errcode = error instanceof Error ? (error as { errcode?: unknown }).errcode : undefined;
  return typeof errcode === 'number' && (errcode & 0xff) === 11;
}

/**
 * Renames the file (and its WAL, which belongs to it and must not be replayed into a new file)
 * to `<path>.unreadable-<time>`; returns the new name.
 */
function setAside(path: string, nowMs: number, cause: unknown): string {
  const stamp = new Date(nowMs).toISOString().replaceAll(':', '-');
  let aside = `${path}.unreadable-${stamp}`;
  for (let n = 2; existsSync(aside); n++) aside = `${path}.unreadable-${stamp}-${n}`;
  try {
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
    }
    if (existsSync(path)) renameSync(path, aside);
  } catch (error) {
    throw new SpoolOpenError(
      path,
      `forward spool ${path} is unreadable (${reason(cause)}) and cannot be moved aside: ${reason(error)}`,
      { cause: error },
    );
  }
  return aside;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
