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
import { register as registerSyncHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';

/** Modules the loader intercepts; everything else loads untouched. */
const INSTRUMENTED_MODULES = ['openai', '@anthropic-ai/sdk'];

try {
  if (supportsSyncHooks()) registerSyncHooks({ include: INSTRUMENTED_MODULES });
  else
    registerModuleHooks('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
      data: { include: INSTRUMENTED_MODULES },
    });
} catch (error) {
  console.warn(
    `[breakwater] ESM loader hook not registered; ESM imports stay uninstrumented: ${String(error)}`,
  );
}
