import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';
import type * as edge from './edge.ts';
import type * as node from './index.ts';

// Every value index.ts exports is named in edge.ts too: a bundler that checks imports by name
// (Turbopack) would otherwise stop at `Export start doesn't exist`, before edge.ts can explain.
type Missing = Exclude<keyof typeof node, keyof typeof edge>;
const missing: [Missing] extends [never] ? 'none' : Missing = 'none';

it('loading @breakwater/node outside Node.js fails with what to do instead', async () => {
  assert.equal(missing, 'none');
  await assert.rejects(import('./edge.ts'), (error: Error) => {
    assert.match(error.message, /^@breakwater\/node runs in Node\.js only/);
    assert.match(error.message, /process\.env\.NEXT_RUNTIME === 'nodejs'/);
    return true;
  });
});

/** The file `import '@breakwater/node'` loads under these export conditions (Node's `node` too). */
function resolvedUnder(conditions: readonly string[]): string {
  return execFileSync(
    process.execPath,
    [
      '--conditions=@breakwater/source',
      ...conditions.map((c) => `--conditions=${c}`),
      '--input-type=module',
      '-e',
      "process.stdout.write(import.meta.resolve('@breakwater/node'))",
    ],
    { cwd: import.meta.dirname, encoding: 'utf8' },
  );
}

it('a Node.js-compatible runtime that also asserts worker or browser gets the SDK, an Edge runtime the error', () => {
  // Bun's runtime matches `bun`, `worker`, `module`, `node`, `browser`, `default`.
  assert.match(resolvedUnder(['worker', 'browser']), /\/src\/index\.ts$/);
  // Next.js's Edge runtime and Cloudflare's workerd come before `node`, whatever else they assert.
  assert.match(resolvedUnder(['edge-light']), /\/src\/edge\.ts$/);
  assert.match(resolvedUnder(['workerd', 'worker']), /\/src\/edge\.ts$/);
});
