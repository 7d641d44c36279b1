import { DatabaseSync } from 'node:sqlite';

/**
 * Opens (creating it) the SQLite file at `path`, whose statements wait up to `lockTimeoutMs` for
 * a lock another connection holds. The wait is set by `PRAGMA busy_timeout`, not by the
 * constructor's `timeout` option: Node before 22.16 ignores that option, and a collector starting
 * while the previous one still exits (a rolling restart) was refused at once.
 */
export function openSqlite(path: string, lockTimeoutMs: number): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(lockTimeoutMs))}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
