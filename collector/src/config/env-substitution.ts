/**
 * `${VAR}` substitution in configuration strings, so secrets (tokens, API keys) stay out of the
 * file. Applied to string values after YAML parsing, never to the raw text, so a variable's
 * value cannot inject YAML structure. `${VAR:-default}` gives a fallback; `$${` is a literal `${`.
 */

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** A reference to an unset variable (with no default), with where it was found. */
export interface MissingVariable {
  name: string;
  path: (string | number)[];
}

/**
 * Returns a copy of `value` with every string's `${VAR}` references replaced from `env`.
 * Unset variables without a default are reported in `missing` and replaced with ''.
 */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  missing: MissingVariable[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(REFERENCE, (_whole, name: string | undefined, fallback: string | undefined) => {
      if (name === undefined) return '${';
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      missing.push({ name, path });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, missing, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = substituteEnv(item, env, missing, [...path, key]);
    return out;
  }
  return value;
}
