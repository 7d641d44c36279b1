import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { z } from 'zod';

/**
 * The spool file of a `forward` entry: its `spoolPath`, else a file in the data directory named
 * after a hash of its URL (stable across restarts and reordered entries; the URL may hold a
 * secret, so it is not written into the name).
 */
export function spoolPathOf(
  forward: { url: string; spoolPath?: string | undefined },
  dataDir: string,
): string {
  if (forward.spoolPath !== undefined) return forward.spoolPath;
  const digest = createHash('sha256').update(forward.url).digest('hex').slice(0, 16);
  return join(dataDir, `forward-spool-${digest}.db`);
}

/**
 * Refuses two spooling `forward` entries on one file (the same `spoolPath`, or the same URL
 * without one): each file is locked by one destination, so the second would fail at start.
 */
export function checkDistinctSpools(
  forwards: readonly { url: string; spool: boolean; spoolPath?: string | undefined }[],
  ctx: z.RefinementCtx,
): void {
  const owners = new Map<string, number>();
  forwards.forEach((forward, index) => {
    if (!forward.spool) return;
    // Compared before the data directory is known: a `spoolPath` and a default file can only
    // clash through a path into the data directory, which the file lock still refuses at start.
    const key = forward.spoolPath === undefined ? `url:${forward.url}` : `path:${forward.spoolPath}`;
    const owner = owners.get(key);
    if (owner === undefined) {
      owners.set(key, index);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: [index, 'spoolPath'],
      message: `forward[${owner}] spools to the same file: give each spooling entry its own spoolPath`,
    });
  });
}
