/**
 * `import '@breakwater/node/hook'`: installs only the ESM loader hook, so `import 'openai'` and
 * `import '@anthropic-ai/sdk'` can be patched, and starts nothing. For an `instrument.mjs` given to
 * `node --import` that then calls `start()` itself, with options that have no environment
 * variable (`policies`, `classifierRules`). `@breakwater/node/register` imports it too.
 *
 * Node versions with synchronous module hooks (≥ 24.11.1, ≥ 22.22.3) run it in-thread; older ones
 * fall back to the asynchronous loader. CommonJS apps are patched through `require` and need
 * nothing more. No top-level await, so this module can be required.
 */
import { register as registerModuleHooks } from 'node:module';
import {
  type RegisterHooksOptions,
  register as registerSyncHooks,
  supportsSyncHooks,
} from 'import-in-the-middle/register-hooks.mjs';
import { esmHook, INSTRUMENTED_FILES, INSTRUMENTED_MODULES, recordEsmHook } from './esm-hook-modules.ts';

/**
 * import-in-the-middle's in-thread matcher (since 3.2; its type declarations lag): asked per
 * import, so names `start()` adds later (`openaiAliases`) are intercepted too.
 */
type SyncHookOptions = RegisterHooksOptions & { shouldInclude(url: string, specifier: string): boolean };

// Only the modules in the set are intercepted; everything else loads untouched. Once per process:
// a second copy of this package finds the first one's hook (the live one) and leaves it be. The
// hook is recorded only once registered, so start() never adds aliases to a set nobody reads.
try {
  if (esmHook() === undefined) registerEsmHook();
} catch (error) {
  console.warn(
    `[breakwater] ESM loader hook not registered; ESM imports stay uninstrumented: ${String(error)}`,
  );
}

function registerEsmHook(): void {
  const modules = new Set(INSTRUMENTED_MODULES);
  if (supportsSyncHooks()) {
    const options: SyncHookOptions = {
      shouldInclude: (url, specifier) => modules.has(specifier) || INSTRUMENTED_FILES.test(url),
    };
    registerSyncHooks(options);
    recordEsmHook(true, modules);
  } else {
    registerModuleHooks('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
      data: { include: [...modules] },
    });
    recordEsmHook(false, modules);
  }
}
