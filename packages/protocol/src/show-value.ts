/**
 * A value as a message about it shows it after `(got …)`: JSON where it has some, else its text.
 * One spelling for every option and rule check of the SDK packages.
 */
export function showValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (value instanceof RegExp) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
