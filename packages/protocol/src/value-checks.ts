/**
 * The small vocabulary of the SDK packages' option and rule checks (`start()`, policies, tools,
 * classifier rules): one spelling of what a value must be and of how a wrong one is shown.
 */

/** What is wrong with a value (`must be …`), or undefined when it is fine. */
export type ValueCheck = (value: unknown) => string | undefined;

/** A string among `values`. */
export const oneOf =
  (values: readonly string[]): ValueCheck =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')}`;

/** A function. */
export const isFunction: ValueCheck = (v) => (typeof v === 'function' ? undefined : 'must be a function');

/** A string (any, empty included). */
export const isString: ValueCheck = (v) => (typeof v === 'string' ? undefined : 'must be a string');

/** A string with something in it. */
export const isNonEmptyString: ValueCheck = (v) =>
  typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string';

/** `true` or `false`. */
export const isBoolean: ValueCheck = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');

/** An object whose fields a check reads one by one (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The entry of a check table for a key the caller gave: the table's own entries only, so a key
 * such as `constructor` or `toString` is unknown rather than a member of `Object.prototype`.
 */
export function checkFor<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * Throws a `TypeError` headed `heading` that lists `problems`, one per indented line
 * (`invalid Breakwater policy:\n  policies[0].policy.timeoutMs: must be …`); nothing without any.
 */
export function throwProblems(heading: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new TypeError(`${heading}:\n  ${problems.join('\n  ')}`);
}

/**
 * A value as a message about it shows it after `(got …)`: JSON where it has some, else its text.
 * Numbers and bigints as written in code, since JSON shows `Infinity` and `NaN` as `null` and has
 * no bigints.
 */
export function showValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof RegExp) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
