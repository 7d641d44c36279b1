import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';

/**
 * The spool file of a `forward` entry: its `spoolPath`, else a file in the data directory named
 * after a hash of its endpoint (stable across restarts and reordered entries; the URL may hold a
 * secret, so it is not written into the name). The endpoint is the URL as requests go to it:
 * another spelling of it (a trailing slash, the host's case, a default port) or new credentials
 * in it name the same file. A file named after the URL as written, by collectors before that,
 * is used where it exists and the endpoint's own does not.
 */
export function spoolPathOf(
  forward: { url: string; spoolPath?: string | undefined },
  dataDir: string,
): string {
  if (forward.spoolPath !== undefined) return forward.spoolPath;
  const path = spoolFile(dataDir, endpointOf(forward.url));
  if (existsSync(path)) return path;
  const legacy = spoolFile(dataDir, forward.url);
  return existsSync(legacy) ? legacy : path;
}

/** The names {@link spoolPathOf} gives spool files in the data directory. */
export const DEFAULT_SPOOL_FILE = /^forward-spool-[0-9a-f]{16}\.db$/;

function spoolFile(dataDir: string, key: string): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(dataDir, `forward-spool-${digest}.db`);
}

/**
 * A forward URL as the endpoint it names: scheme, host (lower case, without a default port),
 * path without trailing slashes, and query; credentials and fragment left out.
 */
export function endpointOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}${parsed.search}`;
}

/**
 * Refuses two spooling `forward` entries on one file (the same `spoolPath`, or the same endpoint
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
    const key =
      forward.spoolPath === undefined ? `url:${endpointOf(forward.url)}` : `path:${forward.spoolPath}`;
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
