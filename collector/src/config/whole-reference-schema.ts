/**
 * The generated JSON Schema's side of `${VAR}` substitution: the loader substitutes references
 * before it validates, so `maxSeries: ${MAX_SERIES}` and `logLevel: ${LOG_LEVEL}` are valid
 * configurations, and the schema takes them too; otherwise an editor validating against the
 * schema flags what the loader accepts.
 * - A number, integer or boolean setting also takes a string that is one reference alone: the
 *   loader reads its value as that type (typed-references.ts).
 * - A text setting that not every text passes (a fixed set of values, a constant, a pattern, a
 *   format, a length the reference itself may not have) also takes text with a reference in it:
 *   the loader checks the value it gives.
 * - A setting that takes both (a duration as text or milliseconds) takes one alternative that says
 *   both: the loader reads a reference alone as a number where its value is one, else as text.
 * Text any text passes takes a reference as it stands; so do keys (`propertyNames`): the loader
 * substitutes values only.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: documents the literal `${NAME}` syntax.
import { REFERENCE_IN_TEXT_PATTERN, WHOLE_REFERENCE_PATTERN } from './env-substitution.ts';
import { forEachSubschema, isNode, mapSubschemas, type Node } from './schema-walk.ts';

/** What the loader reads a reference as, by the JSON Schema type of the setting. */
const READ_AS: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
};

/** The shortest valid reference: a length limit at or below it passes every one. */
const SHORTEST_REFERENCE = '${A}'.length;

/** What a reference is at a setting, and so which alternative it takes there. */
type Kind = 'integer' | 'number' | 'boolean' | 'text';

/**
 * The alternative for each kind, written once under `$defs` (they stand at ~100 keys); a typed
 * kind at a setting that also takes text has one of its own (`IntegerOrTextFromEnvironment`).
 */
function defName(kind: Kind, orText: boolean): string {
  const name = kind.charAt(0).toUpperCase() + kind.slice(1);
  return `${name}${orText ? 'OrText' : ''}FromEnvironment`;
}

/** Every name {@link defName} gives. */
const DEF_NAMES = new Set([
  ...(['integer', 'number', 'boolean'] as const).flatMap((kind) => [
    defName(kind, false),
    defName(kind, true),
  ]),
  defName('text', false),
]);

/** Keywords about a setting rather than its value: they stay on the setting, outside `anyOf`. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'defaultText', 'examples', 'deprecated']);

/** The alternative a reference of `kind` takes, as it stands under `$defs`. */
function referenceAlternative(kind: Kind, orText: boolean): Node {
  const variable = 'An environment variable, ${NAME} or ${NAME:-default}';
  if (kind === 'text')
    return {
      type: 'string',
      pattern: REFERENCE_IN_TEXT_PATTERN,
      description: `${variable}, or text containing one: its value is checked when the collector loads.`,
    };
  if (!orText)
    return {
      type: 'string',
      pattern: WHOLE_REFERENCE_PATTERN,
      description: `${variable}: its value is read as ${READ_AS[kind]}, as YAML would read it written here.`,
    };
  return {
    type: 'string',
    pattern: REFERENCE_IN_TEXT_PATTERN,
    description:
      `${variable}, or text containing one. A variable alone is read as ${READ_AS[kind]} when its value` +
      ` is written as one, as YAML would read it here; any other value stays text. Either way it is` +
      ` checked when the collector loads.`,
  };
}

/** Whether `node` is an alternative {@link acceptWholeReferences} adds, by `$ref` or inlined. */
function isReferenceAlternative(node: unknown): boolean {
  if (!isNode(node)) return false;
  if (typeof node.$ref === 'string')
    return node.$ref.startsWith('#/$defs/') && DEF_NAMES.has(node.$ref.slice('#/$defs/'.length));
  return (
    node.type === 'string' &&
    (node.pattern === WHOLE_REFERENCE_PATTERN || node.pattern === REFERENCE_IN_TEXT_PATTERN)
  );
}

/**
 * Adds, in place, the reference alternative to every setting of `schema` that needs one (the
 * whole schema: the alternatives go into its `$defs`):
 * `anyOf: [{ type: integer, … }, { $ref: IntegerFromEnvironment }]`, or one more alternative
 * where the setting already is a union. Constants other than text stay as they are: the loader
 * types a reference only where the value's type was wrong, not its value.
 */
export function acceptWholeReferences(schema: Node): void {
  const used = new Map<string, Node>();
  accept(schema, used);
  const defs = isNode(schema.$defs) ? schema.$defs : {};
  for (const [name, alternative] of used) defs[name] = alternative;
  if (Object.keys(defs).length > 0) schema.$defs = defs;
}

/** {@link acceptWholeReferences} at `schema` and below it, adding the alternatives used to `used`. */
function accept(schema: Node, used: Map<string, Node>): void {
  acceptBelow(schema, used);
  const alternatives = referenceAlternatives(schema).map(({ kind, orText }) => {
    const name = defName(kind, orText);
    used.set(name, referenceAlternative(kind, orText));
    return { $ref: `#/$defs/${name}` };
  });
  if (alternatives.length === 0) return;
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

/**
 * The settings below `node`; a union's alternatives (nested ones too) are no settings of their
 * own, and neither are keys (`propertyNames`): the loader substitutes no reference in a key.
 */
function acceptBelow(node: Node, used: Map<string, Node>): void {
  forEachSubschema(node, (child, alternative) => {
    if (child === node.propertyNames) return;
    if (alternative) acceptBelow(child, used);
    else accept(child, used);
  });
}

/** The alternatives a reference needs at `node`: one per type it may be read as, text folded in. */
function referenceAlternatives(node: Node): { kind: Kind; orText: boolean }[] {
  const kinds = kindsAt(node);
  if (kinds === undefined) return [];
  const typed = [...kinds].filter((kind) => kind !== 'text');
  const text = kinds.has('text');
  if (typed.length === 0) return text ? [{ kind: 'text', orText: false }] : [];
  return typed.map((kind) => ({ kind, orText: text }));
}

/**
 * The kinds of value at `node` (its own, or those of its `anyOf` alternatives) a reference's
 * text does not pass as it stands: a number, integer or boolean (not a constant), or text with a
 * fixed set of values, a pattern, a format or a length a reference may not have. Undefined when
 * the setting takes a reference as it is: it takes any text, or the alternative already.
 */
function kindsAt(node: Node): Set<Kind> | undefined {
  if (Array.isArray(node.anyOf)) {
    if (node.anyOf.some(isReferenceAlternative)) return undefined;
    const kinds = new Set<Kind>();
    for (const child of node.anyOf) {
      if (!isNode(child)) continue;
      const found = kindsAt(child);
      if (found === undefined) return undefined;
      for (const kind of found) kinds.add(kind);
    }
    return kinds;
  }
  // A constant or a fixed set of values: the loader checks substituted text as any text there,
  // but reads no number or boolean (zod finds the value wrong there, not its type).
  const fixed = 'const' in node ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
  if (fixed !== undefined) return new Set(fixed.every((value) => typeof value === 'string') ? ['text'] : []);
  const types = [node.type].flat();
  const kinds = new Set<Kind>(
    types.filter((type): type is Kind => typeof type === 'string' && type in READ_AS),
  );
  if (!types.includes('string')) return kinds;
  const checked =
    'pattern' in node ||
    'format' in node ||
    'maxLength' in node ||
    (typeof node.minLength === 'number' && node.minLength > SHORTEST_REFERENCE);
  if (!checked) return undefined;
  kinds.add('text');
  return kinds;
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
