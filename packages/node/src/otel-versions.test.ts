import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { findPackageJSON } from 'node:module';
import { it } from 'node:test';

// npm installs the newest version a range allows. If @breakwater/node asked for
// `@opentelemetry/sdk-trace@^3.1.0` while @opentelemetry/sdk-node pins `3.1.0`, an app would get
// 3.1.1 beside sdk-node's own 3.1.0: two copies of the SDK (and of core), so two sets of globals.
// Declaring exactly sdk-node's pins is what lets npm install one copy of each.

interface Manifest {
  version?: string;
  dependencies?: Record<string, string>;
}

const ours = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Manifest;
const sdkNode = JSON.parse(
  readFileSync(findPackageJSON('@opentelemetry/sdk-node', import.meta.url)!, 'utf8'),
) as Manifest;

it('declares exactly the OpenTelemetry versions @opentelemetry/sdk-node pins', () => {
  const pinned = sdkNode.dependencies ?? {};
  const shared = Object.entries(ours.dependencies ?? {}).filter(([name]) => name in pinned);
  assert.ok(shared.length >= 5, `expected the SDK packages beside sdk-node, found ${shared.length}`);
  const differing = shared
    .filter(([name, range]) => range !== pinned[name])
    .map(([name, range]) => `${name}: ours ${range}, sdk-node ${pinned[name]}`);
  assert.deepEqual(differing, []);
});

it('pins @opentelemetry/sdk-node itself exactly (a later 0.301.x may pin other SDK versions)', () => {
  assert.equal(ours.dependencies?.['@opentelemetry/sdk-node'], sdkNode.version);
});

it('@breakwater/instrumentation declares the @opentelemetry/instrumentation version sdk-node pins', () => {
  const pinned = sdkNode.dependencies?.['@opentelemetry/instrumentation'];
  assert.ok(pinned !== undefined);
  const instrumentation = JSON.parse(
    readFileSync(new URL('../../instrumentation/package.json', import.meta.url), 'utf8'),
  ) as Manifest;
  assert.equal(instrumentation.dependencies?.['@opentelemetry/instrumentation'], pinned);
});
