import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { esmHook, INSTRUMENTED_MODULES, interceptInEsm, recordEsmHook } from './esm-hook-modules.ts';

const KEY = Symbol.for('@breakwater/node.esmHookModules');
afterEach(() => {
  delete (globalThis as { [KEY]?: unknown })[KEY];
});

it("adds aliases to an in-thread hook's set (apps.test.ts runs the import it then intercepts)", () => {
  recordEsmHook(true, new Set(INSTRUMENTED_MODULES));
  assert.deepEqual(interceptInEsm(['openai-v6', 'openai']), []);
  assert.deepEqual([...esmHook()!.modules].sort(), ['@anthropic-ai/sdk', 'openai', 'openai-v6']);
});

it('names the aliases an off-thread hook cannot take, and changes nothing', () => {
  recordEsmHook(false, new Set(INSTRUMENTED_MODULES));
  assert.deepEqual(interceptInEsm(['openai-v6', 'openai']), ['openai-v6']);
  assert.equal(esmHook()!.modules.has('openai-v6'), false);
});

it('without a hook (a CommonJS app) there is nothing to add', () => {
  assert.deepEqual(interceptInEsm(['openai-v6']), []);
  assert.equal(esmHook(), undefined);
});
