/** Walking a generated JSON Schema: its subschemas, wherever a keyword holds them. */

/** A JSON Schema node (or any JSON object). */
export type Node = Record<string, unknown>;

/** Keywords holding one subschema, a list of them, or a map of them. */
const ONE = ['items', 'additionalProperties', 'propertyNames', 'not'];
const LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const MAP = ['properties', 'patternProperties', '$defs'];

/**
 * A copy of `node` with each subschema right below it replaced by `map`'s result, told whether it
 * is an `anyOf` alternative. Values that are no subschemas (`default`, `enum`, …) stay as they are.
 */
export function mapSubschemas(node: Node, map: (child: Node, alternative: boolean) => Node): Node {
  const copy: Node = { ...node };
  for (const [key, keyword] of Object.entries(node)) {
    if (ONE.includes(key) && isNode(keyword)) copy[key] = map(keyword, false);
    else if (LIST.includes(key) && Array.isArray(keyword))
      copy[key] = keyword.map((child) => (isNode(child) ? map(child, key === 'anyOf') : child));
    else if (MAP.includes(key) && isNode(keyword))
      copy[key] = Object.fromEntries(
        Object.entries(keyword).map(([name, child]) => [name, isNode(child) ? map(child, false) : child]),
      );
  }
  return copy;
}

/** Calls `visit` on each subschema right below `node`, saying whether it is an `anyOf` alternative. */
export function forEachSubschema(node: Node, visit: (child: Node, alternative: boolean) => void): void {
  mapSubschemas(node, (child, alternative) => {
    visit(child, alternative);
    return child;
  });
}

export function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
