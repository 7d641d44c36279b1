/**
 * `${VAR}` substitution in configuration strings, so secrets (tokens, API keys) stay out of the
 * file. Applied to string values after YAML parsing, never to the raw text, so a variable's
 * value cannot inject YAML structure. `${VAR:-default}` gives a fallback; `$${` is a literal `${`.
 */

/** One valid reference, `${NAME}` or `${NAME:-default}`, capturing the name and the default. */
const ONE_REFERENCE = String.raw`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`;

// A valid reference, the `$${` escape, or (last) any other `${…}`, which is refused rather than
// kept as text: `${TOKEN-default}` taken literally would become the token itself.
const REFERENCE = new RegExp(String.raw`\$\$\{|${ONE_REFERENCE}|\$\{[^}]*\}?`, 'g');

/**
 * A value that is one valid reference and nothing else (so no `$${` escape either), as a regular
 * expression source: exactly the values {@link substituteEnv} lists as {@link WholeReference}s.
 * ECMAScript syntax, as JSON Schema's `pattern` takes it.
 */
export const WHOLE_REFERENCE_PATTERN = `^${ONE_REFERENCE}$`;

/**
 * A value with at least one valid reference in it (alone or in other text, but not after a `$`:
 * `$${NAME}` is the escape, a literal `${NAME}`), as a regular expression source: the values
 * {@link substituteEnv} substitutes a variable in, when it finds no malformed reference besides.
 * ECMAScript syntax, as JSON Schema's `pattern` takes it (and no lookbehind, which not every
 * validator's regular expressions have).
 */
export const REFERENCE_IN_TEXT_PATTERN = `(?:^|[^$])${ONE_REFERENCE}`;

/** A reference that cannot be substituted, with where it was found. */
export interface SubstitutionProblem {
  path: (string | number)[];
  message: string;
}

/**
 * A value that was one reference and nothing else (`${PORT}`, `${PORT:-4318}`): the schema may
 * want a number or a boolean there (see typed-references.ts).
 */
export interface WholeReference {
  readonly path: readonly (string | number)[];
  /** The variable's name. */
  readonly name: string;
  /** The text it gave. */
  readonly text: string;
}

/**
 * Returns a copy of `value` with every string's `${VAR}` references replaced from `env`.
 * Unset variables without a default and malformed references are reported in `problems`, and
 * a string with one is left as written: it stands for a value nobody knows yet, and the same
 * reference text twice stands for the same value (see the loader, which validates the rest of
 * the document around it). Values that were one reference alone are listed in `wholes`.
 */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: SubstitutionProblem[],
  wholes: WholeReference[] = [],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    // The variable of a reference that is the whole value, if it is one.
    let alone: string | undefined;
    const before = problems.length;
    const text = value.replace(
      REFERENCE,
      (whole: string, name: string | undefined, fallback: string | undefined) => {
        if (whole === '$${') return '${';
        if (name === undefined) {
          problems.push({
            path,
            message: `"${whole}" is not a variable reference: write \${NAME} or \${NAME:-default} (NAME of letters, digits and _), or $\${ for a literal \${`,
          });
          return whole;
        }
        if (whole === value) alone = name;
        const found = env[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        problems.push({
          path,
          message: `environment variable ${name} is not set (write \${${name}:-default} for a fallback)`,
        });
        return whole;
      },
    );
    const result = problems.length === before ? text : value;
    if (alone !== undefined) wholes.push({ path, name: alone, text: result });
    return result;
  }
  if (Array.isArray(value))
    return value.map((item, i) => substituteEnv(item, env, problems, wholes, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = substituteEnv(item, env, problems, wholes, [...path, key]);
    return out;
  }
  return value;
}
