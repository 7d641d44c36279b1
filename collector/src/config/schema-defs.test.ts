import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectorConfigJsonSchema } from './json-schema.ts';
import { addDefs, withRefsInlined } from './schema-defs.ts';
import { forEachSubschema, type Node } from './schema-walk.ts';

/** Every subschema of `node` (itself included), in `$defs` too. */
function subschemas(node: Node): Node[] {
  const found = [node];
  forEachSubschema(node, (child) => found.push(...subschemas(child)));
  return found;
}

describe('JSON Schema $defs', () => {
  const schema = collectorConfigJsonSchema();
  const defs = schema.$defs as Record<string, Node>;

  it('writes an object that stands at several keys once, under $defs', () => {
    const seen = new Map<string, number>();
    for (const node of subschemas(schema)) {
      if (node.properties === undefined) continue;
      const text = JSON.stringify(node);
      seen.set(text, (seen.get(text) ?? 0) + 1);
    }
    const repeated = [...seen].filter(([, count]) => count > 1).map(([text]) => text.slice(0, 120));
    assert.deepEqual(repeated, [], "give these objects' zod schemas .meta({ id }), so they go into $defs");
    for (const id of ['SpanSelector', 'OpenSloMetricSource', 'OpenSloIndicatorSpec', 'FleetWindow'])
      assert.ok(id in defs, id);
  });

  it('refers to each definition, and only to definitions', () => {
    const refs = subschemas(schema).flatMap((node) => (typeof node.$ref === 'string' ? [node.$ref] : []));
    assert.deepEqual(
      [...new Set(refs)].sort(),
      Object.keys(defs).map((id) => `#/$defs/${id}`),
    );
  });

  it('reads, inlined, as the objects the references stand for (for CONFIG.md and key suggestion)', () => {
    const inlined = withRefsInlined(schema);
    assert.equal(inlined.$defs, undefined);
    assert.deepEqual(
      subschemas(inlined).filter((node) => node.$ref !== undefined),
      [],
    );
    type Tree = { properties: Record<string, Tree>; items: Tree; anyOf: Tree[]; default?: unknown };
    const root = inlined as unknown as Tree;
    const native = root.properties.slos!.items.anyOf[0]!;
    // The definition's keys, with the key's own (the default) kept.
    const selector = native.properties.selector!;
    assert.deepEqual(Object.keys(selector.properties), Object.keys(defs.SpanSelector!.properties as Node));
    assert.deepEqual(selector.default, {});
    assert.ok('duration' in root.properties.fleet!.properties.windows!.items.properties);
  });

  it('takes the $defs of forms generated apart into one; two schemas under one id are a mistake', () => {
    const into: Node = {};
    addDefs(into, { A: { type: 'string' } });
    addDefs(into, { A: { type: 'string' }, B: { type: 'number' } });
    assert.deepEqual(into, { A: { type: 'string' }, B: { type: 'number' } });
    assert.throws(() => addDefs(into, { A: { type: 'integer' } }), /two schemas with the id "A"/);
  });
});
