/**
 * Checks policy overrides when they are configured (`configureBreakwater`, `start`, `tool()`),
 * so a bad value is a clear error at start-up instead of every matching call failing later.
 */
import {
  checkFor,
  isObject,
  MAX_TIMER_MS,
  oneOf,
  showValue,
  throwProblems,
  type ValueCheck,
} from '@breakwater/protocol';
import { JITTERS, MAX_RETRY_ATTEMPTS } from '@breakwater/resilience';
import type { PolicyOverrides, PolicyRule } from './policies.ts';

const integerAtLeast =
  (min: number): ValueCheck =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min ? undefined : `must be an integer ≥ ${min}`;
const integerFrom =
  (min: number, max: number): ValueCheck =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `must be an integer from ${min} to ${max}`;
const milliseconds =
  (min: number): ValueCheck =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= MAX_TIMER_MS
      ? undefined
      : `must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}`;
const ratio: ValueCheck = (v) =>
  typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'must be a ratio above 0, at most 1';

/** The fields of each policy part and what their values must be. */
const PARTS: Readonly<Record<'retry' | 'breaker' | 'bulkhead', Readonly<Record<string, ValueCheck>>>> = {
  retry: {
    maxAttempts: integerFrom(1, MAX_RETRY_ATTEMPTS),
    baseDelayMs: milliseconds(0),
    maxDelayMs: milliseconds(0),
    jitter: oneOf(JITTERS),
    maxRetryAfterMs: milliseconds(0),
  },
  breaker: {
    failureRatio: ratio,
    minimumCalls: integerAtLeast(0),
    consecutiveFailures: integerAtLeast(1),
    windowMs: milliseconds(1),
    openMs: milliseconds(1),
  },
  bulkhead: { maxConcurrent: integerAtLeast(1), maxQueue: integerAtLeast(0) },
};

/** The keys of a set of overrides (`PolicyOverrides`). */
const POLICY_KEYS: ReadonlySet<string> = new Set(['timeoutMs', 'retry', 'breaker', 'bulkhead', 'fallback']);

/** Problems of one set of overrides, each as `<path>: <what is wrong> (got <value>)`. */
export function policyProblems(overrides: unknown, path: string): string[] {
  if (!isObject(overrides)) return [`${path}: must be an object of policy overrides`];
  const problems: string[] = [];
  const add = (where: string, message: string, value: unknown) =>
    problems.push(`${where}: ${message} (got ${showValue(value)})`);
  for (const [key, value] of Object.entries(overrides)) {
    const where = `${path}.${key}`;
    if (value === undefined) continue;
    // Checked before `false` is let through: `{ breakr: false }` is a switch-off that went nowhere.
    if (!POLICY_KEYS.has(key)) {
      add(where, `unknown key; known: ${[...POLICY_KEYS].join(', ')}`, value);
      continue;
    }
    if (value === false) continue;
    if (key === 'timeoutMs') {
      const problem = milliseconds(1)(value);
      if (problem !== undefined) add(where, `${problem}, or false`, value);
    } else if (key === 'fallback') {
      if (!isObject(value) || typeof value.name !== 'string' || typeof value.run !== 'function')
        add(where, 'must be { name, run } or false', value);
    } else if (key === 'retry' || key === 'breaker' || key === 'bulkhead') {
      if (!isObject(value)) {
        add(where, 'must be an object or false', value);
        continue;
      }
      const fields = PARTS[key];
      for (const [field, v] of Object.entries(value)) {
        const check = checkFor(fields, field);
        if (check === undefined)
          add(`${where}.${field}`, `unknown key; known: ${Object.keys(fields).join(', ')}`, v);
        else if (v !== undefined) {
          const problem = check(v);
          if (problem !== undefined) add(`${where}.${field}`, problem, v);
        }
      }
      // Set together, they must agree. (Set apart by stacked rules or the defaults, the cap
      // becomes the base delay: see pipeline-options.ts.)
      const { baseDelayMs: base, maxDelayMs: cap } = value;
      if (key === 'retry' && typeof base === 'number' && typeof cap === 'number' && cap < base)
        add(
          `${where}.maxDelayMs`,
          `must be at least baseDelayMs (${base}): it caps every back-off delay`,
          cap,
        );
    }
  }
  return problems;
}

/** Throws a `TypeError` listing every problem of `rules`, if any. */
export function validatePolicyRules(rules: readonly PolicyRule[]): void {
  // A lone rule, or a map of globs to policies, given for the list: say so, not `forEach`'s error.
  if (!Array.isArray(rules))
    throwIfAny([
      `policies: must be a list of { match: '<glob>', policy: { … } } rules (got ${showValue(rules)})`,
    ]);
  const problems: string[] = [];
  rules.forEach((rule, i) => {
    if (!isObject(rule) || typeof rule.match !== 'string' || rule.match === '')
      problems.push(`policies[${i}]: must be { match: '<glob>', policy: { … } }`);
    // Dependency keys never start or end with whitespace: such a glob would silently match nothing.
    else if (rule.match.trim() !== rule.match)
      problems.push(
        `policies[${i}].match: spaces around the glob would match no dependency (got ${showValue(rule.match)})`,
      );
    else problems.push(...policyProblems(rule.policy, `policies[${i}].policy`));
  });
  throwIfAny(problems);
}

/** Throws a `TypeError` listing every problem of one tool's `policy` option, if any. */
export function validatePolicyOverrides(overrides: PolicyOverrides, path: string): void {
  throwIfAny(policyProblems(overrides, path));
}

function throwIfAny(problems: readonly string[]): void {
  throwProblems('invalid Breakwater policy', problems);
}
