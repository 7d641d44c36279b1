/**
 * "Did you mean …?" for an unknown configuration key: the keys the schema allows where it
 * stands, read from the generated JSON Schema (the one source of every key, SLO entries' forms
 * included), and the closest.
 */
import { closestName } from '@breakwater/protocol';
import { collectorConfigJsonSchema, type SchemaNode } from './json-schema.ts';
import { withRefsInlined } from './schema-defs.ts';

let schema: SchemaNode | undefined;

/**
 * The key the schema allows in the object at `path` that `key` most likely meant, or undefined
 * (no close one, or a place the schema leaves open). Built on first use: only a config with an
 * unknown key pays for the schema.
 */
export function suggestedKey(path: readonly PropertyKey[], key: string): string | undefined {
  // Inlined, so a key's object is at the key, not behind a `$ref`.
  schema ??= withRefsInlined(collectorConfigJsonSchema()) as SchemaNode;
  let nodes: SchemaNode[] = [schema];
  for (const part of path) {
    nodes = alternatives(nodes).flatMap((node) => {
      const next = typeof part === 'number' ? node.items : node.properties?.[String(part)];
      return next === undefined ? [] : [next];
    });
  }
  const known = new Set(alternatives(nodes).flatMap((node) => Object.keys(node.properties ?? {})));
  return closestName(key, known);
}

/** `nodes` and the alternatives of each (`anyOf`/`oneOf`, nested), flattened. */
function alternatives(nodes: readonly SchemaNode[]): SchemaNode[] {
  return nodes.flatMap((node) => [node, ...alternatives([...(node.anyOf ?? []), ...(node.oneOf ?? [])])]);
}
