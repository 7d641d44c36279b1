import { isDeepStrictEqual } from 'node:util';
import type { SchemaNode } from '../json-schema.ts';

/** A node of the generated JSON Schema, as far as {@link fits} reads it. */
export interface FitNode extends SchemaNode {
  additionalProperties?: boolean | FitNode;
  properties?: Record<string, FitNode>;
  items?: FitNode;
  anyOf?: FitNode[];
  $ref?: string;
  $defs?: Record<string, FitNode>;
}

/**
 * Whether `value` fits `node` as far as keys, constants, types and patterns go: every key known
 * where the object is closed, every required key present, through lists, maps, `anyOf` and
 * `$ref`s into `root`'s `$defs` (applying next to the node's own keywords, as in draft 2020-12).
 * No JSON Schema validator is a dependency of the collector; these are what the generator
 * decides beyond zod's own output (forms chosen in code, whole-value references, `$defs`), and
 * what a misspelt key or a value of the wrong type breaks in an editor. Bounds and lengths are
 * left to zod.
 */
export function fits(node: FitNode, value: unknown, root: FitNode = node): boolean {
  const fitsIn = (child: FitNode, item: unknown) => fits(child, item, root);
  if (node.$ref !== undefined && !fitsIn(target(node.$ref, root), value)) return false;
  if (node.anyOf !== undefined && !node.anyOf.some((variant) => fitsIn(variant, value))) return false;
  if (node.const !== undefined && !isDeepStrictEqual(value, node.const)) return false;
  if (node.enum !== undefined && !node.enum.some((allowed) => isDeepStrictEqual(value, allowed)))
    return false;
  if (node.type !== undefined && ![node.type].flat().some((type) => hasType(value, type))) return false;
  if (node.pattern !== undefined && typeof value === 'string' && !new RegExp(node.pattern, 'u').test(value))
    return false;
  if (Array.isArray(value)) {
    const items = node.items;
    return items === undefined || value.every((item) => fitsIn(items, item));
  }
  if (node.properties === undefined && node.additionalProperties === undefined) return true;
  if (!hasType(value, 'object')) return false;
  const given = value as Record<string, unknown>;
  if (node.required?.some((key) => !(key in given))) return false;
  return Object.entries(given).every(([key, child]) => {
    const known = node.properties?.[key];
    if (known !== undefined) return fitsIn(known, child);
    const other = node.additionalProperties;
    return typeof other === 'object' ? fitsIn(other, child) : other !== false;
  });
}

function hasType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'array') return Array.isArray(value);
  if (type === 'null') return value === null;
  if (type === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  return typeof value === type;
}

/** The definition `ref` (`#/$defs/<name>`) points at in `root`. */
function target(ref: string, root: FitNode): FitNode {
  const def = ref.startsWith('#/$defs/') ? root.$defs?.[ref.slice('#/$defs/'.length)] : undefined;
  if (def === undefined) throw new Error(`dangling $ref ${ref}`);
  return def;
}
