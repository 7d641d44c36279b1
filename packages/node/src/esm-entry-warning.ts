/**
 * `start()` from an ES module app without the loader hook instruments nothing its `import`s load:
 * without `--import @breakwater/node/register` (or `@breakwater/node/hook`), `import OpenAI from
 * 'openai'` is never patched, and calls go out with no span and no policy, silently. Told once,
 * with the fix, when the app's entry file is an ES module that imports an instrumented client
 * itself (statically, or with `import()`): the usual one-file set-up, and certain to miss. An
 * entry that only imports other files of the app is not read further; a `require()` of the client
 * (also through `createRequire`) is patched and needs no hook.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { esmHook, INSTRUMENTED_MODULES } from './esm-hook-modules.ts';

/** How much of the entry file is read: an app's entry, not a bundle. */
const MAX_ENTRY_BYTES = 1 << 20;

/** The line for an app that needs the hook and lacks it, else undefined. */
export function missingEsmHookWarning(): string | undefined {
  if (esmHook() !== undefined) return undefined;
  const entry = process.argv[1];
  // `require.main` is the entry module of a CommonJS app; an ES module entry has none (nor do
  // `node -e` and the REPL, which have no entry file either).
  if (entry === undefined || createRequire(import.meta.url).main !== undefined) return undefined;
  const clients = importedClients(readHead(entry));
  if (clients.length === 0) return undefined;
  return (
    `start() in an ES module app without the loader hook: its imports of ${clients.join(' and ')} ` +
    'are not instrumented (no spans, no policies). Start it with ' +
    '`node --import @breakwater/node/register app.js`, or `--import` a file that imports ' +
    "'@breakwater/node/hook' before calling start()"
  );
}

/** Clients whose imports the hook instruments: Claude's platform clients load the SDK's files. */
const CLIENTS = [...INSTRUMENTED_MODULES, '@anthropic-ai/bedrock-sdk', '@anthropic-ai/vertex-sdk'];

/** The instrumented clients `source` imports: `import … from 'openai'`, `import('openai')`. */
export function importedClients(source: string): string[] {
  return CLIENTS.filter((name) => {
    const quoted = `['"]${name.replace(/[/.]/g, '\\$&')}['"]`;
    return new RegExp(`(?:\\bfrom\\s*|\\bimport\\s*\\(?\\s*)${quoted}`).test(source);
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
