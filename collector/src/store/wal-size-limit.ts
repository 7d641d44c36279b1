import type { DatabaseSync } from 'node:sqlite';

/**
 * The size a WAL file is cut back to once checkpointed. Without it the file stays at the peak of
 * its largest transaction (an SLO compaction, a burst of new series, the spool's backlog after a
 * downstream outage) until the collector stops.
 */
export const SQLITE_WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

/** Sets {@link SQLITE_WAL_SIZE_LIMIT_BYTES} on a database in WAL mode (the SLO store, a spool). */
export function limitWalSize(db: DatabaseSync): void {
  db.exec(`PRAGMA journal_size_limit = ${SQLITE_WAL_SIZE_LIMIT_BYTES}`);
}
