import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { collectorConfigJsonSchema, renderConfigReference } from './json-schema.ts';

const root = new URL('../../', import.meta.url);
const regenerate =
  'regenerate with: node --conditions=@breakwater/source collector/src/cli/main.ts config-schema [--markdown]';

describe('configuration reference', () => {
  it('config.schema.json is the JSON Schema generated from the zod schema', async () => {
    const committed = JSON.parse(await readFile(new URL('config.schema.json', root), 'utf8'));
    assert.deepEqual(committed, collectorConfigJsonSchema(), regenerate);
  });

  it('CONFIG.md lists every key the schema has', async () => {
    const committed = await readFile(new URL('CONFIG.md', root), 'utf8');
    assert.equal(committed, renderConfigReference(), regenerate);
    for (const key of ['listen', 'auth.tokens[].scopes', 'fleet.quorum', 'gate.window', 'store.kind']) {
      assert.match(committed, new RegExp(`\`${key.replaceAll('[', '\\[').replaceAll(']', '\\]')}\``));
    }
  });
});
