/**
 * Copies of this package at other versions run in the process (a dependency pinning one): copies
 * at one version share a runtime, whichever version loaded first; a copy at another keeps its own
 * (its code would be driving the other's objects), and says so once when it makes it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { importCopy } from './testing/package-copy.ts';
import { PACKAGE_VERSION } from './version.ts';

type RuntimeModule = typeof import('./runtime.ts');

const warnings: { message: string; code: string | undefined }[] = [];
process.on('warning', (w) => warnings.push({ message: w.message, code: (w as { code?: string }).code }));
const told = (code: string) => warnings.filter((w) => w.code === code);
const settle = () => new Promise((resolve) => setImmediate(resolve));

it('copies at one version share a runtime beside a copy of another version that loaded first', async () => {
  // The other version first: a dependency pinning it, imported before the app's own copies.
  const other = await importCopy<RuntimeModule>('runtime.ts', 'other', '0.0.1-other');
  const theirs = other.getRuntime();
  const ours = await import('./runtime.ts');
  const bundled = await importCopy<RuntimeModule>('runtime.ts', 'bundled', PACKAGE_VERSION);
  assert.notEqual(ours.getRuntime, bundled.getRuntime, 'not a second copy');

  const runtime = ours.configureBreakwater();
  assert.equal(bundled.getRuntime(), runtime, 'the bundled copy at the same version shares it');
  assert.equal(other.getRuntime(), theirs, 'the other version keeps its own');
  assert.notEqual(theirs, runtime);

  await settle();
  const separate = told(ours.SEPARATE_RUNTIME_WARNING);
  assert.equal(separate.length, 1, JSON.stringify(warnings));
  assert.ok(
    separate[0]!.message.startsWith(`@breakwater/instrumentation ${PACKAGE_VERSION} runs beside 0.0.1-other`),
    separate[0]!.message,
  );
  assert.match(separate[0]!.message, /npm ls @breakwater\/instrumentation/);
  // Once per version: another runtime the app installs, or the bundled copy's call, says no more.
  bundled.configureBreakwater();
  await settle();
  assert.equal(told(ours.SEPARATE_RUNTIME_WARNING).length, 1);
});

it('a copy of another version that loads later says so when it makes its runtime', async () => {
  const later = await importCopy<RuntimeModule>('runtime.ts', 'later', '0.0.2-later');
  const ours = await import('./runtime.ts');
  assert.notEqual(later.getRuntime(), ours.getRuntime());
  await settle();
  const separate = told(ours.SEPARATE_RUNTIME_WARNING);
  assert.equal(separate.length, 2, JSON.stringify(warnings));
  assert.match(
    separate[1]!.message,
    /^@breakwater\/instrumentation 0\.0\.2-later runs beside 0\.0\.1-other, 0\.1\.0/,
  );
});
