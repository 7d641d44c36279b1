/** SQLite's primary result code for a file locked by another connection. */
const SQLITE_BUSY = 5;

/**
 * Whether `error` (from `node:sqlite`) says the database is locked by another connection: a
 * second collector on the same file. Extended codes (e.g. SQLITE_BUSY_RECOVERY) keep the primary
 * code in the low byte.
 */
export function isSqliteBusy(error: unknown): boolean {
  const errcode = error instanceof Error ? (error as { errcode?: unknown }).errcode : undefined;
  return typeof errcode === 'number' && (errcode & 0xff) === SQLITE_BUSY;
}
