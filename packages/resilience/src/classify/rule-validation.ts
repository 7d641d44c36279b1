/**
 * Checks classifier rules when they are given (`new Classifier`, `addRule`, and through them
 * `configureBreakwater` and `start()`): a misshapen rule is then a clear error naming the field,
 * rather than a TypeError of its own thrown out of every failing call.
 */
import {
  checkFor,
  ERROR_CATEGORIES,
  ERROR_SEVERITIES,
  FAULT_SOURCES,
  isBoolean,
  isNonEmptyString,
  isObject,
  oneOf,
  showValue,
  throwProblems,
  type ValueCheck,
} from '@breakwater/protocol';

/** What `applyRule` and `classification()` read of a fixed classification, and how. */
const CLASSIFICATION_FIELDS: Readonly<Record<string, ValueCheck>> = {
  category: oneOf(ERROR_CATEGORIES),
  severity: oneOf(ERROR_SEVERITIES),
  source: oneOf(FAULT_SOURCES),
  retryable: isBoolean,
  errorType: isNonEmptyString,
  retryAfterMs: (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0
      ? undefined
      : 'must be a number of milliseconds ≥ 0',
  status: (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599
      ? undefined
      : 'must be an HTTP status from 100 to 599',
  provider: isNonEmptyString,
};

const RULE_KEYS = ['instanceOf', 'when', 'message', 'classify'];

/**
 * Whether `instanceof` accepts `v` on its right: a function with an object `prototype` (a class,
 * not an arrow function), or one with its own `Symbol.hasInstance`.
 */
function isClass(v: unknown): boolean {
  if (typeof v !== 'function') return false;
  const prototype: unknown = v.prototype;
  return (
    (typeof prototype === 'object' && prototype !== null) ||
    v[Symbol.hasInstance] !== Function.prototype[Symbol.hasInstance]
  );
}

/** Problems of a classification (a rule's fixed one, or what its function returned). */
export function classificationProblems(input: unknown, path: string): string[] {
  if (!isObject(input)) return [`${path}: must be an object { category, … } (got ${showValue(input)})`];
  const problems: string[] = [];
  if (input.category === undefined)
    problems.push(`${path}.category: is required; one of ${ERROR_CATEGORIES.join(', ')}`);
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const check = checkFor(CLASSIFICATION_FIELDS, key);
    const problem =
      check === undefined
        ? `unknown key; known: ${Object.keys(CLASSIFICATION_FIELDS).join(', ')}`
        : check(value);
    if (problem !== undefined) problems.push(`${path}.${key}: ${problem} (got ${showValue(value)})`);
  }
  return problems;
}

/** Problems of one rule, each as `<path>.<field>: <what is wrong> (got <value>)`. */
function classifierRuleProblems(rule: unknown, path: string): string[] {
  if (!isObject(rule))
    return [`${path}: must be a rule { instanceOf?, when?, message?, classify } (got ${showValue(rule)})`];
  const problems: string[] = [];
  const add = (key: string, message: string) =>
    problems.push(`${path}.${key}: ${message} (got ${showValue(rule[key])})`);
  for (const key of Object.keys(rule)) {
    if (!RULE_KEYS.includes(key) && rule[key] !== undefined)
      add(key, `unknown key; known: ${RULE_KEYS.join(', ')}`);
  }
  const { instanceOf, when, message, classify } = rule;
  // A function may decide alone (returning undefined where it does not apply); a fixed
  // classification without a condition would shadow every built-in rule.
  if (
    instanceOf === undefined &&
    when === undefined &&
    message === undefined &&
    typeof classify !== 'function'
  )
    problems.push(`${path}: needs at least one of instanceOf, when, message (or a classify function)`);
  if (instanceOf !== undefined && !isClass(instanceOf)) add('instanceOf', 'must be a class');
  if (when !== undefined && typeof when !== 'function') add('when', 'must be a function (error) => boolean');
  if (message !== undefined && !(message instanceof RegExp)) add('message', 'must be a RegExp');
  if (typeof classify !== 'function') problems.push(...classificationProblems(classify, `${path}.classify`));
  return problems;
}

/**
 * Throws a `TypeError` listing every problem of `rules` (a list of rules), each named by its
 * place under `path` (`classifierRules[0].message: must be a RegExp (got "bad input")`).
 */
export function validateClassifierRules(rules: unknown, path: string): void {
  if (!Array.isArray(rules)) throwIfAny([`${path}: must be a list of rules (got ${showValue(rules)})`]);
  throwIfAny((rules as unknown[]).flatMap((rule, i) => classifierRuleProblems(rule, `${path}[${i}]`)));
}

/** Throws a `TypeError` listing every problem of one rule, named `path` (`rules[3]`). */
export function validateClassifierRule(rule: unknown, path: string): void {
  throwIfAny(classifierRuleProblems(rule, path));
}

/** Throws a `TypeError` listing `problems`, if any. */
function throwIfAny(problems: readonly string[]): void {
  throwProblems('invalid classifier rules', problems);
}
