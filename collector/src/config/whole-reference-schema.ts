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

/** The alternative for a setting of each type, written once under `$defs` (it stands at ~100 keys). */
const DEF_NAMES: Readonly<Record<string, string>> = {
  integer: 'IntegerFromEnvironment',
  number: 'NumberFromEnvironment',
  boolean: 'BooleanFromEnvironment',
};

/** Keywords about a setting rather than its value: they stay on the setting, outside `anyOf`. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'defaultText', 'examples', 'deprecated']);

/** The alternative a reference matches at a setting of `type`, as it stands under `$defs`. */
function referenceAlternative(type: string): Node {
  return {
    type: 'string',
    pattern: WHOLE_REFERENCE_PATTERN,
    description: `An environment variable, \${NAME} or \${NAME:-default}: its value is read as ${READ_AS[type]}, as YAML would read it written here.`,
  };
}

/** Whether `node` is the alternative {@link acceptWholeReferences} adds, by `$ref` or inlined. */
function isReferenceAlternative(node: unknown): boolean {
  if (!isNode(node)) return false;
  if (typeof node.$ref === 'string')
    return Object.values(DEF_NAMES).some((name) => node.$ref === `#/$defs/${name}`);
  return node.type === 'string' && node.pattern === WHOLE_REFERENCE_PATTERN;
}

/**
 * Adds, in place, the reference alternative to every number, integer or boolean setting of
 * `schema` (the whole one: the alternatives go into its `$defs`):
 * `anyOf: [{ type: integer, … }, { $ref: IntegerFromEnvironment }]`, or one more alternative
 * where the setting already is a union (a duration as text or milliseconds). Constants stay as
 * they are: the loader types a reference only where the value's type was wrong, not its value.
 */
export function acceptWholeReferences(schema: Node): void {
  const used = new Set<string>();
  accept(schema, used);
  const defs = isNode(schema.$defs) ? schema.$defs : {};
  for (const type of used) defs[DEF_NAMES[type]!] = referenceAlternative(type);
  if (Object.keys(defs).length > 0) schema.$defs = defs;
}

/** {@link acceptWholeReferences} at `schema` and below it, adding the types used to `used`. */
function accept(schema: Node, used: Set<string>): void {
  acceptBelow(schema, used);
  const types = typedScalars(schema);
  if (types.length === 0) return;
  const alternatives = types.map((type) => {
    used.add(type);
    return { $ref: `#/$defs/${DEF_NAMES[type]}` };
  });
  if (Array.isArray(schema.anyOf)) {
    schema.anyOf.push(...alternatives);
    return;
  }
  const value: Node = {};
  for (const [key, keyword] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) continue;
    value[key] = keyword;
    delete schema[key];
  }
  schema.anyOf = [value, ...alternatives];
}

/** The settings below `node`; a union's alternatives (nested ones too) are no settings of their own. */
function acceptBelow(node: Node, used: Set<string>): void {
  forEachSubschema(node, (child, alternative) => {
    if (alternative) acceptBelow(child, used);
    else accept(child, used);
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
 * A copy of `schema` without the alternatives {@link acceptWholeReferences} added (by `$ref` or
 * inlined; their `$defs` stay): CONFIG.md says once what the schema repeats at every setting.
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
