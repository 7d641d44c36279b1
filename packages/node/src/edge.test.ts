import assert from 'node:assert/strict';
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
