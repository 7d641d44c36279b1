import type { DatabaseSync } from 'node:sqlite';

/**
 * Ends the transaction a failed statement left open, so the next one can begin. SQLite ends some
 * itself (on a full disk, an I/O error), and a ROLLBACK then throws "no transaction is active":
 * no news. `db.isTransaction`, which tells the two apart, is undefined before Node 22.16; read as
 * "none open" there, it left the transaction open and every later commit failed with "cannot
 * start a transaction within a transaction" until a restart.
 */
export function rollbackFailed(db: DatabaseSync): void {
  if (db.isTransaction === false) return;
  try {
    db.exec('ROLLBACK');
  } catch (error) {
    if (db.isTransaction === true) throw error;
  }
}
