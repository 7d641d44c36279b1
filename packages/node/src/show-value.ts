/** A value as a log line shows it after `(got …)`: JSON where it has some, else its text. */
export function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
