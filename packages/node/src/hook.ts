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
import { supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';
import { runtimeHooksEsm } from './esm-clients-without-hooks.ts';
import { esmHook } from './esm-hook-modules.ts';
import { registerEsmHook } from './esm-hook-register.ts';

// Only the modules in the set are intercepted; everything else loads untouched. Once per process:
// a second copy of this package finds the first one's hook (the live one) and leaves it be. The
// hook is recorded only once registered, so start() never adds aliases to a set nobody reads.
// A runtime with no module hooks (Bun, whose reported Node version passes supportsSyncHooks())
// gets none: start() loads and patches the clients there instead (esm-clients-without-hooks.ts).
try {
  if (esmHook() === undefined && runtimeHooksEsm()) registerEsmHook(supportsSyncHooks());
} catch (error) {
  console.warn(
    `[breakwater] ESM loader hook not registered; ESM imports stay uninstrumented: ${String(error)}`,
  );
}
