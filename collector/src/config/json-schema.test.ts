import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { collectorConfigJsonSchema, configKeys, renderConfigReference } from './json-schema.ts';
import { CollectorConfigSchema } from './schema.ts';

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

/**
 * Optional keys that have no default, neither a value nor a derived one: unset turns something
 * off. Every other key shows its default in the schema (`default`, or `defaultText` via
 * derived-default.ts) or is required where it appears.
 */
const NO_DEFAULT: Readonly<Record<string, string>> = {
  'alertmanager.url': 'unset: alerts are not pushed to Alertmanager',
  'alertmanager.generatorUrl': 'unset: alerts carry no generatorURL',
  'gate.alerts.traceUrlTemplate': 'unset: example traces are given by trace id, without a link',
};

describe('configuration reference: defaults', () => {
  const keys = configKeys();

  it('shows a default for every key that has one', () => {
    const missing = keys
      .filter(({ key, node, required, item }) => {
        const shown = node.default !== undefined || node.defaultText !== undefined;
        return !shown && !required && !item && NO_DEFAULT[key] === undefined;
      })
      .map(({ key }) => key);
    assert.deepEqual(
      missing,
      [],
      'give these keys an input-side default (.prefault), or .meta(derivedDefault(…)) for one derived in code, or list them in NO_DEFAULT with the reason',
    );
  });

  it('lists in NO_DEFAULT only optional keys without a shown default', () => {
    for (const key of Object.keys(NO_DEFAULT)) {
      const found = keys.find((k) => k.key === key);
      assert.ok(found !== undefined, `${key}: no such key`);
      assert.equal(found.required, false, `${key} is required`);
      assert.equal(found.node.default ?? found.node.defaultText, undefined, `${key} shows a default`);
    }
  });

  it('shows the defaults the parser applies: giving the shown default changes nothing', () => {
    const defaults = CollectorConfigSchema.parse({});
    const literal = keys.filter(({ key, node }) => node.default !== undefined && !key.includes('[]'));
    assert.ok(literal.length > 50, `only ${literal.length} keys with a default`);
    for (const { key, node } of literal) {
      const config: Record<string, unknown> = {};
      let at = config;
      const path = key.split('.');
      for (const part of path.slice(0, -1)) {
        const next: Record<string, unknown> = {};
        at[part] = next;
        at = next;
      }
      at[path.at(-1) as string] = node.default;
      assert.deepEqual(CollectorConfigSchema.parse(config), defaults, key);
    }
  });

  it('derives maxSubscribersPerToken as documented: half of maxSubscribers, rounded up', () => {
    const stream = (input: object) => CollectorConfigSchema.parse({ fleet: { stream: input } }).fleet.stream;
    assert.equal(stream({}).maxSubscribersPerToken, 5_000);
    assert.equal(stream({ maxSubscribers: 7 }).maxSubscribersPerToken, 4);
    assert.equal(stream({ maxSubscribers: 7, maxSubscribersPerToken: 7 }).maxSubscribersPerToken, 7);
  });
});
