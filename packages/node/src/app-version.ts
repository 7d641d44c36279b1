/**
 * The app's own version, for `service.version` when nothing else gives one: the `version` of the
 * package the entry script belongs to. `npm start` puts it in `npm_package_version`, but a service
 * started as `node app.js` (the usual container command) has no such variable.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';

/** Directories climbed at most from the entry script. */
const MAX_DEPTH = 32;

/** The project directory holding the `node_modules` a path lies in (the first one). */
const PROJECT_OF_INSTALLED = /^(.*?)[\\/]node_modules(?:[\\/]|$)/;

/**
 * The `version` of the nearest `package.json` above `entry` (default: the entry script,
 * `process.argv[1]`), or undefined. The nearest one is the package's own even without a version
 * (a private workspace): a monorepo's root further up is another package, and is not read. An
 * entry inside the `node_modules` of the project the process runs in (`cwd` at or below it) is a
 * dependency's bin started for the app (`node node_modules/next/dist/bin/next start`), whose own
 * version is not the app's: then the climb starts at `cwd`. One installed elsewhere (globally,
 * by npx) is the app itself, a CLI agent: its own package's version is the app's.
 */
export function appPackageVersion(
  entry: string | undefined = process.argv[1],
  cwd: string = process.cwd(),
): string | undefined {
  if (entry === undefined || entry === '') return undefined;
  // `node .` and `node <dir>` name the package's directory itself.
  let dir = dependencyOf(entry, cwd) ? cwd : isDirectory(entry) ? entry : dirname(entry);
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

/** Whether `entry` lies in the `node_modules` of a project that `cwd` is in. */
function dependencyOf(entry: string, cwd: string): boolean {
  const project = PROJECT_OF_INSTALLED.exec(entry)?.[1];
  if (project === undefined) return false;
  const rel = relative(project, cwd);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
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
