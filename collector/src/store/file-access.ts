import { accessSync, constants, existsSync, statSync } from 'node:fs';
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
  // SQLite says "unable to open database file" or "disk I/O error" for a permission problem,
  // and for a directory at the path.
  const problem = isDirectory(path) ? `${path} is a directory, not a file` : notWritable(path);
  return problem === undefined ? reason : `${problem} (SQLite: ${reason})`;
}

/**
 * Why this process cannot write the file at `path` (or create it in its directory), or
 * undefined when it can. SQLite reports a permission problem as "unable to open database file"
 * or "disk I/O error", which sends people looking at the disk. The directory must be writable
 * even when the file is: SQLite creates its `-wal` file beside it (else "attempt to write a
 * readonly database", about a file that is writable).
 */
export function notWritable(path: string): string | undefined {
  const targets = existsSync(path) ? [path, dirname(path)] : [dirname(path)];
  for (const target of targets) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const reason = fileErrorReason((error as NodeJS.ErrnoException).code) ?? (error as Error).message;
      return `${target} is not writable: ${reason}`;
    }
  }
  return undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
