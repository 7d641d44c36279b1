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
