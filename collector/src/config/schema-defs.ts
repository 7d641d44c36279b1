/**
 * `$defs` of the generated JSON Schema: a zod schema with an `id` (`.meta({ id })`, given to the
 * objects that stand at many keys, e.g. the span selector) is written once under `$defs` and
 * referenced with `$ref` wherever it stands, so the file lists it once.
 */
import { isDeepStrictEqual } from 'node:util';
import { isNode, mapSubschemas, type Node } from './schema-walk.ts';

const PREFIX = '#/$defs/';

/**
 * Adds `found` (the `$defs` of one generated schema) to `defs`. A form chosen in code is generated
 * apart from the whole (form-choice.ts), with its own `$defs`; they all go into the whole's,
 * where the same `$ref`s resolve. One id standing for two different schemas is a mistake.
 */
export function addDefs(defs: Node, found: unknown): void {
  if (!isNode(found)) return;
  for (const [id, def] of Object.entries(found)) {
    if (id in defs && !isDeepStrictEqual(defs[id], def)) throw new Error(`two schemas with the id "${id}"`);
    defs[id] = def;
  }
}

/**
 * `schema` with every `$ref` replaced by what it points at (its own keys, e.g. a `default`, kept
 * over the definition's) and no `$defs`: the tree as CONFIG.md and key suggestion read it.
 */
export function withRefsInlined(schema: Node): Node {
  const defs = isNode(schema.$defs) ? schema.$defs : {};
  const inline = (node: Node, via: readonly string[]): Node => {
    const { $ref: ref, ...own } = node;
    if (ref === undefined) return mapSubschemas(node, (child) => inline(child, via));
    const id = typeof ref === 'string' && ref.startsWith(PREFIX) ? ref.slice(PREFIX.length) : undefined;
    const def = id === undefined ? undefined : defs[id];
    if (id === undefined || !isNode(def))
      throw new Error(`$ref ${String(ref)} is not one of the schema's $defs`);
    // A recursive schema would have no end inlined; the configuration has none.
    if (via.includes(id)) throw new Error(`$ref ${ref} refers to itself`);
    return inline({ ...def, ...own }, [...via, id]);
  };
  const { $defs: _, ...root } = schema;
  return inline(root, []);
}
