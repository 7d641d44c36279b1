import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { parseConfig } from './load.ts';

/** The fenced YAML blocks of a Markdown file, relative to the repository root. */
async function yamlBlocks(path: string): Promise<string[]> {
  const text = await readFile(new URL(`../../../${path}`, import.meta.url), 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

// The configuration examples users copy from the READMEs must be accepted as they are.
it('every collector YAML example in the root README is a valid configuration', async () => {
  const blocks = await yamlBlocks('README.md');
  assert.ok(blocks.length > 0, 'the README has YAML examples');
  for (const [i, text] of blocks.entries()) {
    assert.doesNotThrow(() => parseConfig({ name: `README.md yaml block ${i + 1}`, text }, {}), text);
  }
});

it("every YAML example in the collector's README is a valid configuration", async () => {
  const blocks = await yamlBlocks('collector/README.md');
  assert.ok(blocks.length > 0, 'the README has YAML examples');
  // The tokens its server-keys example reads from the environment.
  const env = {
    BREAKWATER_INGEST_TOKEN: 'ingest-token-0123456789',
    BREAKWATER_ADMIN_TOKEN: 'admin-token-0123456789',
  };
  for (const [i, text] of blocks.entries()) {
    assert.doesNotThrow(
      () => parseConfig({ name: `collector/README.md yaml block ${i + 1}`, text }, env),
      text,
    );
  }
});
