/**
 * A copy of this package at another version already runs in the process (a dependency pinning
 * it): its runtime is not shared with this copy, whose code would be driving the other's objects,
 * and this copy says so once, when it first makes a runtime of its own.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PACKAGE_VERSION } from './version.ts';

it('a copy at another version keeps its own runtime and says so once', async () => {
  // What the other copy left on globalThis, before this copy loads.
  const theirs = { marker: 'the other copy’s runtime' };
  const key = Symbol.for('@breakwater/instrumentation.runtime');
  (globalThis as Record<symbol, unknown>)[key] = {
    version: '0.0.1-other',
    current: theirs,
    owner: undefined,
  };
  const warnings: { message: string; code: string | undefined }[] = [];
  process.on('warning', (w) => warnings.push({ message: w.message, code: (w as { code?: string }).code }));

  const { configureBreakwater, getRuntime, SEPARATE_RUNTIME_WARNING } = await import('./runtime.ts');
  const ours = getRuntime();
  assert.notEqual(ours as unknown, theirs);
  assert.equal(getRuntime(), ours);
  configureBreakwater();
  // Still theirs on globalThis: their calls keep their runtime.
  assert.equal((globalThis as Record<symbol, { current: unknown }>)[key]!.current, theirs);

  await new Promise((resolve) => setImmediate(resolve));
  const told = warnings.filter((w) => w.code === SEPARATE_RUNTIME_WARNING);
  assert.equal(told.length, 1, JSON.stringify(warnings));
  assert.ok(
    told[0]!.message.startsWith(`@breakwater/instrumentation ${PACKAGE_VERSION} runs beside 0.0.1-other`),
    told[0]!.message,
  );
  assert.match(told[0]!.message, /npm ls @breakwater\/instrumentation/);
});
