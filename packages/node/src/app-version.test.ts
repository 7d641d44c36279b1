import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { appPackageVersion } from './app-version.ts';
import { resolveOptions } from './options.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

/** A directory tree under a fresh temporary root (removed after the file's tests): `files` maps relative paths to contents. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'bw-app-version-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

it("service.version defaults to the version of the entry script's own package", async () => {
  const root = await tree({
    'package.json': JSON.stringify({ name: 'monorepo', version: '9.9.9', private: true }),
    'services/agent/package.json': JSON.stringify({ name: 'agent', version: '3.4.5' }),
    'services/agent/dist/server.js': '',
    'services/worker/package.json': JSON.stringify({ name: 'worker', private: true }),
    'services/worker/main.js': '',
    'services/broken/package.json': '{ not json',
    'services/broken/main.js': '',
    'loose/script.js': '',
  });
  // The nearest package.json, however deep the entry is in it.
  assert.equal(appPackageVersion(join(root, 'services/agent/dist/server.js')), '3.4.5');
  // `node .` in the package (or `node services/agent`): the entry is the package's directory.
  assert.equal(appPackageVersion(join(root, 'services/agent')), '3.4.5');
  // The nearest one has no version, or cannot be read: none (not the monorepo root's).
  assert.equal(appPackageVersion(join(root, 'services/worker/main.js')), undefined);
  assert.equal(appPackageVersion(join(root, 'services/broken/main.js')), undefined);
  // No package.json below the root's: the root's is the nearest.
  assert.equal(appPackageVersion(join(root, 'loose/script.js')), '9.9.9');
  // No entry script (node --eval, the REPL).
  assert.equal(appPackageVersion(''), undefined);
});

it("a dependency's bin as the entry (node node_modules/next/dist/bin/next start) gives the app's version, not its own", async () => {
  const root = await tree({
    'web/package.json': JSON.stringify({ name: 'web', version: '2.1.0' }),
    'web/node_modules/next/package.json': JSON.stringify({ name: 'next', version: '16.4.6' }),
    'web/node_modules/next/dist/bin/next': '',
    'web/app/page.js': '',
    'global/node_modules/agent-cli/package.json': JSON.stringify({ name: 'agent-cli', version: '0.7.0' }),
    'global/node_modules/agent-cli/bin/cli.js': '',
  });
  const next = join(root, 'web/node_modules/next/dist/bin/next');
  assert.equal(appPackageVersion(next, join(root, 'web')), '2.1.0');
  assert.equal(appPackageVersion(next, join(root, 'web/app')), '2.1.0');
  // An app installed outside the project it runs in (npm install -g, npx) is its own package.
  assert.equal(
    appPackageVersion(join(root, 'global/node_modules/agent-cli/bin/cli.js'), join(root, 'web')),
    '0.7.0',
  );
});

it('npm_package_version and OTEL_RESOURCE_ATTRIBUTES come before the package file', () => {
  // This test file's own package is @breakwater/node.
  const own = appPackageVersion();
  assert.match(own ?? '', /^\d+\.\d+\.\d+/);
  assert.equal(resolveOptions({}, {}).serviceVersion, own);
  assert.equal(resolveOptions({}, { npm_package_version: '2.0.0' }).serviceVersion, '2.0.0');
  assert.equal(
    resolveOptions({}, { npm_package_version: '2.0.0', OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.2.3' })
      .serviceVersion,
    '1.2.3',
  );
  assert.equal(resolveOptions({ serviceVersion: '0.0.1' }, {}).serviceVersion, '0.0.1');
});
