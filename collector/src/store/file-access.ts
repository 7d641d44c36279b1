import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** What a file-system error code means to whoever runs the collector (undefined: say the code). */
export function fileErrorReason(code: string | undefined): string | undefined {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied for this user (uid ${process.getuid?.() ?? '?'})`;
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file is in the way: the path (or a parent of it) exists and is not a directory';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return undefined;
  }
}

/**
 * Why the SQLite file at `path` (the SLO store, a forward spool) could not be opened: SQLite's
 * reason, led by the permission problem behind it where there is one.
 */
export function openFailureReason(path: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  // SQLite says "unable to open database file" or "disk I/O error" for a permission problem.
  const access = notWritable(path);
  return access === undefined ? reason : `${access} (SQLite: ${reason})`;
}

/**
 * Why this process cannot write the file at `path` (or create it in its directory), or
 * undefined when it can. SQLite reports a permission problem as "unable to open database file"
 * or "disk I/O error", which sends people looking at the disk.
 */
export function notWritable(path: string): string | undefined {
  const target = existsSync(path) ? path : dirname(path);
  try {
    accessSync(target, constants.W_OK);
    return undefined;
  } catch (error) {
    const reason = fileErrorReason((error as NodeJS.ErrnoException).code) ?? (error as Error).message;
    return `${target} is not writable: ${reason}`;
  }
}
