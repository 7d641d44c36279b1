import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { parseConfig } from './load.ts';

// The configuration examples users copy from the READMEs must be accepted as they are.
it('every collector YAML example in the root README is a valid configuration', async () => {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length > 0, 'the README has YAML examples');
  for (const [i, text] of blocks.entries()) {
    assert.doesNotThrow(() => parseConfig({ name: `README.md yaml block ${i + 1}`, text }, {}), text);
  }
});
