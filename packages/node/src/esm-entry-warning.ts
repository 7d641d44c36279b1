/**
 * `start()` from an ES module app without the loader hook instruments nothing its `import`s load:
 * without `--import @breakwater/node/register` (or `@breakwater/node/hook`), `import OpenAI from
 * 'openai'` is never patched, and calls go out with no span and no policy, silently. Told once,
 * with the fix, when the app's entry file is an ES module that imports an instrumented client
 * itself (statically, or with `import()`): the usual one-file set-up, and certain to miss. An
 * entry that only imports other files of the app is not read further; a `require()` of the client
 * (also through `createRequire`) is patched and needs no hook, and so is a client the app hands to
 * `instrument()` (start.ts leaves those out).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { esmHook, INSTRUMENTED_MODULES } from './esm-hook-modules.ts';

/** How much of the entry file is read: an app's entry, not a bundle. */
const MAX_ENTRY_BYTES = 1 << 20;

/** An ES module entry that imports instrumented clients, run without the loader hook. */
export interface MissingEsmHook {
  /** The entry file's name, for the command to run instead. */
  readonly entry: string;
  /** The clients it imports (see {@link importedClients}). */
  readonly clients: readonly string[];
}

/** The app needs the hook and lacks it: what its entry imports; else undefined. */
export function missingEsmHook(): MissingEsmHook | undefined {
  if (esmHook() !== undefined) return undefined;
  const entry = process.argv[1];
  // `require.main` is the entry module of a CommonJS app; an ES module entry has none (nor do
  // `node -e` and the REPL, which have no entry file either).
  if (entry === undefined || createRequire(import.meta.url).main !== undefined) return undefined;
  const clients = importedClients(readHead(entry));
  return clients.length === 0 ? undefined : { entry: basename(entry), clients };
}

/** The line telling that `clients` (of `missing`'s entry) are not instrumented, with the fix. */
export function missingEsmHookMessage(missing: MissingEsmHook, clients: readonly string[]): string {
  // The hook file first: it keeps the app's own start() and its options, which the register
  // entry point (a start() of its own, from the environment) would leave ignored.
  return (
    `start() in an ES module app without the loader hook: its imports of ${clients.join(' and ')} ` +
    'are not instrumented (no spans, no policies). Move the start() call into a file that first ' +
    `imports '@breakwater/node/hook', and run \`node --import ./that-file.mjs ${missing.entry}\` ` +
    '(or, configured from the environment alone, `--import @breakwater/node/register`; or hand the modules to start().instrument())'
  );
}

/** Clients whose imports the hook instruments: Claude's platform clients load the SDK's files. */
const CLIENTS = [...INSTRUMENTED_MODULES, '@anthropic-ai/bedrock-sdk', '@anthropic-ai/vertex-sdk'];

/** Comments, and imports of types only (erased before the code runs). */
const NOT_LOADED = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|\b(?:import|export)\s+type\s[^'"]*['"][^'"]*['"]/g;

/**
 * The instrumented clients `source` imports: `import … from 'openai'`, `import 'openai/…'`,
 * `import('openai')`. Comments and `import type` are left out; a string that merely reads like
 * an import is not told apart.
 */
export function importedClients(source: string): string[] {
  const code = source.replace(NOT_LOADED, ' ');
  return CLIENTS.filter((name) => {
    const specifier = `['"]${name.replace(/[/.]/g, '\\$&')}(?:/[^'"]*)?['"]`;
    return new RegExp(`(?:\\bfrom\\s*|\\bimport\\s*\\(?\\s*)${specifier}`).test(code);
  });
}

/** The start of the file at `path` as text; empty when it cannot be read. */
function readHead(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(MAX_ENTRY_BYTES);
    const read = readSync(fd, buffer, 0, MAX_ENTRY_BYTES, 0);
    return buffer.toString('utf8', 0, read);
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
