/**
 * The app's own version, for `service.version` when nothing else gives one: the `version` of the
 * package the entry script belongs to. `npm start` puts it in `npm_package_version`, but a service
 * started as `node app.js` (the usual container command) has no such variable.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Directories climbed at most from the entry script. */
const MAX_DEPTH = 32;

/**
 * The `version` of the nearest `package.json` above `entry` (default: the entry script,
 * `process.argv[1]`), or undefined. The nearest one is the package's own even without a version
 * (a private workspace): a monorepo's root further up is another package, and is not read.
 */
export function appPackageVersion(entry: string | undefined = process.argv[1]): string | undefined {
  if (entry === undefined || entry === '') return undefined;
  // `node .` and `node <dir>` name the package's directory itself.
  let dir = isDirectory(entry) ? entry : dirname(entry);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const manifest = readManifest(join(dir, 'package.json'));
    if (manifest !== undefined) {
      const version = (manifest as { version?: unknown } | null)?.version;
      return typeof version === 'string' && version.trim() !== '' ? version.trim() : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
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

/** The parsed file; undefined when there is none. An unreadable or invalid one reads as `null`. */
function readManifest(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
