/**
 * Deno's `module.registerHooks` (2.9) answers a load hook's `nextLoad` for a `.json` file with no
 * `format`, then compiles the file as CommonJS: once any load hook is registered, every
 * `require('./package.json')` throws `SyntaxError: Unexpected token ':'`, and with it
 * `@grpc/grpc-js`, which the OpenTelemetry SDK loads, so `start()` itself fails. Node names the
 * format (`json`): the hook is registered on Deno only, so every module Node loads goes through
 * exactly the hooks it did before.
 */
import * as nodeModule from 'node:module';

interface LoadResult {
  readonly format?: string | null;
}
type NextLoad = (url: string, context: unknown) => LoadResult;

const JSON_FILE = /\.json(?:[?#]|$)/;

/**
 * On Deno, registers a load hook that names the format of a `.json` file the loader below left unnamed.
 * Register it before any other load hook, so that theirs (called first) get the repaired result.
 */
export function registerJsonFormatRepair(): void {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== 'object') return;
  const registerHooks = (nodeModule as { registerHooks?: (hooks: object) => unknown }).registerHooks;
  registerHooks?.({
    load(url: string, context: unknown, nextLoad: NextLoad): LoadResult {
      const result = nextLoad(url, context);
      return result.format == null && JSON_FILE.test(url) ? { ...result, format: 'json' } : result;
    },
  });
}
