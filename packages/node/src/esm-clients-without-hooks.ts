/**
 * A runtime with no module hooks for ES modules (Bun: no `module.registerHooks`, and its
 * `module.register` does nothing) leaves every `import 'openai'` unpatched, whatever runs first:
 * `--preload @breakwater/node/register` included. An ES module is evaluated once per process,
 * though, and its classes are shared by every importer, so `start()` there loads the clients
 * itself, resolved as the app's entry file would import them, and patches them (as
 * `instrument()` does): the app's own imports, before or after, get those patched modules.
 */
import * as nodeModule from 'node:module';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClientModules } from './instrument-modules.ts';

/**
 * Whether this runtime can hook ES module imports: Node's `module.registerHooks` (22.15, the
 * engines floor, and later). A runtime that reports a Node version but lacks it (Bun) cannot.
 */
export function runtimeHooksEsm(): boolean {
  return typeof (nodeModule as { registerHooks?: unknown }).registerHooks === 'function';
}

/** The module names to load as each client: the package and the app's npm aliases of it. */
export interface ClientNames {
  readonly openai: readonly string[];
  readonly anthropic: readonly string[];
}

/**
 * Loads each client named in `names` that resolves from the app's entry file (from the working
 * directory when there is none), with the conditions of an `import`, and returns the modules
 * loaded. One not installed is left out silently; one that resolves but fails to load is logged.
 * Synchronous (`require()` of an ES module shares the one module it evaluates with `import`), so
 * a preload's `start()` has patched the clients before the entry's imports run.
 */
export function loadClientModules(names: ClientNames, log: (message: string) => void): ClientModules[] {
  // Bundled into the app (bun build, esbuild), the clients are most likely bundled too: a copy
  // loaded from node_modules would be one the app never calls, and would keep the app's own
  // bundled one from being told as uninstrumented.
  if (!OWN_FILE.test(import.meta.url)) return [];
  const parent = importerUrl();
  const load = nodeModule.createRequire(import.meta.url);
  const loaded: ClientModules[] = [];
  for (const family of ['openai', 'anthropic'] as const) {
    for (const name of names[family]) {
      let url: string;
      try {
        url = import.meta.resolve(name, parent);
      } catch {
        continue; // not installed for the app
      }
      if (!url.startsWith('file:')) continue;
      try {
        loaded.push({ [family]: load(fileURLToPath(url)) as object });
      } catch (error) {
        log(
          `${name} could not be loaded to instrument it, so its imports stay uninstrumented: ${String(error)}; ` +
            `hand its module to start().instrument({ ${family} })`,
        );
      }
    }
  }
  return loaded;
}

/** This file's URL while it is a module of its own, in the package (not inlined into a bundle). */
const OWN_FILE = /\/esm-clients-without-hooks\.[jt]s$/;

/** The URL imports are resolved from: the entry file, else a file in the working directory. */
function importerUrl(): string {
  const entry = process.argv[1];
  return pathToFileURL(entry !== undefined && isAbsolute(entry) ? entry : join(process.cwd(), 'noop.js'))
    .href;
}
