import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { PACKAGE_VERSION } from './version.ts';

// Copies of this package share a runtime only at the same version (runtime.ts): a stale constant
// would let another version's code drive this one's objects.
it('PACKAGE_VERSION is the version in package.json', () => {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(PACKAGE_VERSION, manifest.version);
});
