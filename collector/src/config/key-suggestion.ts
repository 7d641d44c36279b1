/**
 * "Did you mean …?" for an unknown configuration key: the keys the schema allows where it
 * stands, read from the generated JSON Schema (the one source of every key), and the closest.
 */
import { closestName } from '@breakwater/protocol';
import { z } from 'zod';
import { collectorConfigJsonSchema, type SchemaNode } from './json-schema.ts';
import { NativeSloSchema } from './slo/native-schema.ts';
import { OpenSloSliSchema, OpenSloSloSchema } from './slo/openslo-schema.ts';

let schema: SchemaNode | undefined;
let sloForms: SchemaNode[] | undefined;

/**
 * The forms an entry of `slos` takes. The editor schema leaves entries open (the form is picked
 * in code, see slo/entry-schema.ts), so they are read from each form's own schema.
 */
function sloEntryForms(): SchemaNode[] {
  sloForms ??= [NativeSloSchema, OpenSloSloSchema, OpenSloSliSchema].map(
    (form) => z.toJSONSchema(form, { io: 'input', unrepresentable: 'any' }) as SchemaNode,
  );
  return sloForms;
}

/**
 * The key the schema allows in the object at `path` that `key` most likely meant, or undefined
 * (no close one, or a place the schema leaves open). Built on first use: only a config with an
 * unknown key pays for the schema.
 */
export function suggestedKey(path: readonly PropertyKey[], key: string): string | undefined {
  schema ??= collectorConfigJsonSchema() as SchemaNode;
  let nodes: SchemaNode[] = [schema];
  let rest = path;
  if (path[0] === 'slos' && typeof path[1] === 'number') {
    nodes = sloEntryForms();
    rest = path.slice(2);
  }
  for (const part of rest) {
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
