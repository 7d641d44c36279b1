/**
 * The generated JSON Schema's side of typed-references.ts: `maxSeries: ${MAX_SERIES}` is a valid
 * configuration (the loader substitutes the reference and reads the value as a number), so every
 * number, integer or boolean setting of the schema also takes a string that is one reference
 * alone; otherwise an editor validating against the schema flags what the loader accepts.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: documents the literal `${NAME}` syntax.
import { WHOLE_REFERENCE_PATTERN } from './env-substitution.ts';
import { forEachSubschema, isNode, mapSubschemas, type Node } from './schema-walk.ts';

/** What the loader reads a reference as, by the JSON Schema type of the setting. */
const READ_AS: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
};

/** Keywords about a setting rather than its value: they stay on the setting, outside `anyOf`. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'defaultText', 'examples', 'deprecated']);

/** The alternative a reference matches, for a setting of `types`. */
function referenceAlternative(types: readonly string[]): Node {
  const readAs = types.map((type) => READ_AS[type]).join(' or ');
  return {
    type: 'string',
    pattern: WHOLE_REFERENCE_PATTERN,
    description: `An environment variable, \${NAME} or \${NAME:-default}: its value is read as ${readAs}, as YAML would read it written here.`,
  };
}

/** Whether `node` is the alternative {@link acceptWholeReferences} adds. */
function isReferenceAlternative(node: unknown): boolean {
  return isNode(node) && node.type === 'string' && node.pattern === WHOLE_REFERENCE_PATTERN;
}

/**
 * Adds, in place, the reference alternative to every number, integer or boolean setting of
 * `schema`: `anyOf: [{ type: integer, … }, { type: string, pattern }]`, or one more alternative
 * where the setting already is a union (a duration as text or milliseconds). Constants stay as
 * they are: the loader types a reference only where the value's type was wrong, not its value.
 */
export function acceptWholeReferences(schema: Node): void {
  acceptBelow(schema);
  const types = typedScalars(schema);
  if (types.length === 0) return;
  if (Array.isArray(schema.anyOf)) {
    schema.anyOf.push(referenceAlternative(types));
    return;
  }
  const value: Node = {};
  for (const [key, keyword] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) continue;
    value[key] = keyword;
    delete schema[key];
  }
  schema.anyOf = [value, referenceAlternative(types)];
}

/** The settings below `node`; a union's alternatives (nested ones too) are no settings of their own. */
function acceptBelow(node: Node): void {
  forEachSubschema(node, (child, alternative) => {
    if (alternative) acceptBelow(child);
    else acceptWholeReferences(child);
  });
}

/**
 * The types a reference may be read as at `node`: its own when it is a number, integer or boolean
 * (not a constant), or those of its `anyOf` alternatives; none when it takes a reference already.
 */
function typedScalars(node: Node): string[] {
  if (Array.isArray(node.anyOf)) {
    if (node.anyOf.some(isReferenceAlternative)) return [];
    return [...new Set(node.anyOf.flatMap((child) => (isNode(child) ? typedScalars(child) : [])))];
  }
  if (typeof node.type !== 'string' || !(node.type in READ_AS)) return [];
  return 'const' in node || 'enum' in node ? [] : [node.type];
}

/**
 * A copy of `schema` without what {@link acceptWholeReferences} added: CONFIG.md says once what
 * the schema repeats at every setting.
 */
export function withoutWholeReferences(schema: Node): Node {
  const copy = mapSubschemas(schema, withoutWholeReferences);
  if (!Array.isArray(copy.anyOf) || !copy.anyOf.some(isReferenceAlternative)) return copy;
  const { anyOf, ...annotations } = copy;
  const value = anyOf.filter((child) => !isReferenceAlternative(child));
  // Wrapped into `anyOf` for the reference alone: the setting is its one alternative again.
  if (value.length === 1 && isNode(value[0])) return { ...annotations, ...value[0] };
  return { ...annotations, anyOf: value };
}
