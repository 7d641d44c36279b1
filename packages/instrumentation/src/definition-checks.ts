/**
 * Checks of what `tool()` and `agent()` are given. They are called when the app defines its tools
 * and agents, so a mistake there (no name, a value for the function, a misspelt option) is a
 * `TypeError` at that line rather than a failure at the first call, or an option silently ignored.
 */
import { checkFor, isObject, showValue, type ValueCheck } from '@breakwater/protocol';

/**
 * Throws a `TypeError` naming every problem of a `helper(name, fn, options)` call:
 * `tool("search"): unknown option "polcy" (known: callId, description, …)`.
 */
export function checkDefinition(
  helper: string,
  name: unknown,
  fn: unknown,
  options: unknown,
  known: Readonly<Record<string, ValueCheck>>,
): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(
      `${helper}(): name must be a non-empty string, as in ${helper}(name, fn, options) (got ${showValue(name)})`,
    );
  }
  // The name goes into the dependency key (`tool/search`) and metric labels: with spaces around
  // it, a policy for `tool/search` would silently not apply and the tool would chart apart.
  if (name.trim() !== name) {
    throw new TypeError(
      `${helper}(${JSON.stringify(name)}): name has whitespace around it (did you mean ${JSON.stringify(name.trim())}?)`,
    );
  }
  const problems: string[] = [];
  if (typeof fn !== 'function') problems.push(`fn must be a function (got ${showValue(fn)})`);
  if (!isObject(options)) {
    problems.push(`options must be an object (got ${showValue(options)})`);
  } else {
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      const check = checkFor(known, key);
      if (check === undefined) {
        problems.push(`unknown option ${JSON.stringify(key)} (known: ${Object.keys(known).join(', ')})`);
        continue;
      }
      const problem = check(value);
      if (problem !== undefined) problems.push(`options.${key} ${problem} (got ${showValue(value)})`);
    }
  }
  if (problems.length > 0) throw new TypeError(`${helper}(${JSON.stringify(name)}): ${problems.join('; ')}`);
}
