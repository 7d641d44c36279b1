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
  minLength?: number;
  maxLength?: number;
  format?: string;
}

/**
 * Whether `value` fits `node` as far as keys, constants, types, patterns, lengths and the `uri`
 * format go: every key known
 * where the object is closed, every required key present, through lists, maps, `anyOf` and
 * `$ref`s into `root`'s `$defs` (applying next to the node's own keywords, as in draft 2020-12).
 * No JSON Schema validator is a dependency of the collector; these are what the generator
 * decides beyond zod's own output (forms chosen in code, `${VAR}` references, `$defs`), and
 * what a misspelt key or a value of the wrong type breaks in an editor, or a `${VAR}` at a text
 * setting that checks its text. Numeric bounds are left to zod.
 */
export function fits(node: FitNode, value: unknown, root: FitNode = node): boolean {
  const fitsIn = (child: FitNode, item: unknown) => fits(child, item, root);
  if (node.$ref !== undefined && !fitsIn(target(node.$ref, root), value)) return false;
  if (node.anyOf !== undefined && !node.anyOf.some((variant) => fitsIn(variant, value))) return false;
  if (node.const !== undefined && !isDeepStrictEqual(value, node.const)) return false;
  if (node.enum !== undefined && !node.enum.some((allowed) => isDeepStrictEqual(value, allowed)))
    return false;
  if (node.type !== undefined && ![node.type].flat().some((type) => hasType(value, type))) return false;
  if (typeof value === 'string' && !textFits(node, value)) return false;
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

/** Whether the text `value` fits `node`'s pattern, lengths (in code points) and format. */
function textFits(node: FitNode, value: string): boolean {
  const length = [...value].length;
  if (node.minLength !== undefined && length < node.minLength) return false;
  if (node.maxLength !== undefined && length > node.maxLength) return false;
  if (node.pattern !== undefined && !new RegExp(node.pattern, 'u').test(value)) return false;
  // An absolute URI (with a scheme), as editors check it; other formats are not used.
  return node.format !== 'uri' || URL.canParse(value);
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
