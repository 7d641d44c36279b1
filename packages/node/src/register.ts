/**
 * `node --import @breakwater/node/register app.js`: instruments an app without code changes,
 * configured from `OTEL_*` and `BREAKWATER_*` environment variables.
 *
 * ESM apps need a loader hook so `import 'openai'` can be patched; it is registered here before
 * the app's modules load. Node versions with synchronous module hooks (≥ 24.11.1, ≥ 22.22.3) run
 * it in-thread; older ones fall back to the asynchronous loader. CommonJS apps are patched
 * through `require` and need nothing more. No top-level await, so this module can be required.
 */
import { register as registerModuleHooks } from 'node:module';
import { register as registerSyncHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';
import { startAs } from './start.ts';

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

// Said to be the register hook's, so an app's own start() later hears why its options are ignored.
startAs({}, 'register');
