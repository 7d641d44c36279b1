import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Logger } from '../component.ts';
import { DEFAULT_SPOOL_FILE } from '../config/forward-spool.ts';

/**
 * Warns about each spool file in `dataDir` that no `forward` entry uses (`inUse`: the spool paths
 * opened) and that still holds requests: left by an entry whose URL changed, that was removed or
 * that no longer spools. Nothing sends those acknowledged requests, so start-up says where they
 * are. A file another process holds is in use there and left alone.
 */
export function warnUnusedSpools(dataDir: string, inUse: readonly string[], logger: Logger): void {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return;
  }
  const used = new Set(inUse.map((path) => resolve(path)));
  for (const name of names) {
    const path = resolve(dataDir, name);
    if (!DEFAULT_SPOOL_FILE.test(name) || used.has(path)) continue;
    const requests = heldRequests(path);
    if (requests === undefined || requests === 0) continue;
    logger.warn(
      { path, requests },
      'forward spool used by no forward entry: its requests are not sent (set spoolPath to it on the entry that should send them, or delete it)',
    );
  }
}

/** Rows in the spool at `path`; undefined when it cannot be read now (locked, not a spool). */
function heldRequests(path: string): number | undefined {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { timeout: 0 });
    const row = db.prepare('SELECT count(*) AS n FROM forward_requests').get() as { n: number | bigint };
    return Number(row.n);
  } catch {
    return undefined;
  } finally {
    if (db?.isOpen) db.close();
  }
}
