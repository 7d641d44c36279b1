/**
 * Registers the ESM loader hook (hook.ts), in-thread where Node's synchronous module hooks work,
 * else through the asynchronous loader.
 */
import { register as registerModuleHooks } from 'node:module';
import {
  type RegisterHooksOptions,
  register as registerSyncHooks,
} from 'import-in-the-middle/register-hooks.mjs';
import { INSTRUMENTED_FILES, INSTRUMENTED_MODULES, recordEsmHook } from './esm-hook-modules.ts';
import { registerJsonFormatRepair } from './json-format-hook.ts';

/**
 * import-in-the-middle's in-thread matcher (since 3.2; its type declarations lag): asked per
 * import, so names `start()` adds later (`openaiAliases`, `anthropicAliases`) are intercepted too.
 */
type SyncHookOptions = RegisterHooksOptions & { shouldInclude(url: string, specifier: string): boolean };

/**
 * Registers the hook and records it (so `start()` knows which aliases it can add). `inThread`:
 * whether Node's synchronous module hooks can run it (import-in-the-middle's `supportsSyncHooks()`).
 */
export function registerEsmHook(inThread: boolean): void {
  const modules = new Set(INSTRUMENTED_MODULES);
  if (inThread) {
    const options: SyncHookOptions = {
      shouldInclude: (url, specifier) => modules.has(specifier) || INSTRUMENTED_FILES.test(url),
    };
    // Deno's loader leaves JSON unnamed under any load hook (json-format-hook.ts).
    registerJsonFormatRepair();
    registerSyncHooks(options);
    recordEsmHook(true, modules);
  } else {
    // The loader thread gets a copy of the list: the client files go in it too (a RegExp matches
    // the file URL), or the Bedrock and Vertex clients, which import no main entry, stay bare.
    registerModuleHooks('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
      data: { include: [...modules, INSTRUMENTED_FILES] },
    });
    recordEsmHook(false, modules);
  }
}
