/**
 * The module names the ESM loader hook (hook.ts) intercepts, shared with `start()` so that
 * `openaiAliases` and `anthropicAliases` reach ESM imports too. Kept on `globalThis` under a registered symbol: the hook
 * and `start()` may be separate copies of this package (the hook imported as ESM, `start()`
 * required from CommonJS), and both must see one set.
 */

/** Modules intercepted by default: the clients we instrument. */
export const INSTRUMENTED_MODULES: readonly string[] = ['openai', '@anthropic-ai/sdk'];

/**
 * Files inside a client package intercepted however they are imported: `@anthropic-ai/vertex-sdk`
 * and `@anthropic-ai/bedrock-sdk` import `@anthropic-ai/sdk/client` (and its `APIPromise` with
 * it), never the main entry, and the instrumentation patches the messages resource there. The
 * ESM ones of `ANTHROPIC_CLIENT_FILES` and `ANTHROPIC_API_PROMISE_FILES` (anthropic/instrumentation.ts
 * in `@breakwater/instrumentation`), written out: the hook must not load that package.
 */
export const INSTRUMENTED_FILES = /\/node_modules\/@anthropic-ai\/sdk\/(?:client|core\/api-promise)\.mjs$/;

/** What the registered hook can intercept. */
export interface EsmHookModules {
  /**
   * Whether names added after registration take effect: true for Node's in-thread (synchronous)
   * hooks; the asynchronous loader of older Node versions runs on its own thread with the list
   * it was registered with.
   */
  readonly extensible: boolean;
  /** The specifiers intercepted (`import … from '<name>'`). */
  readonly modules: Set<string>;
}

const KEY = Symbol.for('@breakwater/node.esmHookModules');
type Holder = { [KEY]?: EsmHookModules };

/** Records the hook just registered, with the set its matcher reads. */
export function recordEsmHook(extensible: boolean, modules: Set<string>): void {
  (globalThis as Holder)[KEY] = { extensible, modules };
}

/** The registered hook, or undefined when none is (a CommonJS app, or `start()` without the hook). */
export function esmHook(): EsmHookModules | undefined {
  return (globalThis as Holder)[KEY];
}

/**
 * Has the ESM hook intercept `names` too (imports that come after this call). Returns the names
 * it cannot add: all of them when the hook's list is fixed, none without a hook (CommonJS apps
 * are patched through `require`, which needs no list).
 */
export function interceptInEsm(names: readonly string[]): readonly string[] {
  const hook = esmHook();
  if (hook === undefined) return [];
  const missing = names.filter((name) => !hook.modules.has(name));
  if (!hook.extensible) return missing;
  for (const name of missing) hook.modules.add(name);
  return [];
}
