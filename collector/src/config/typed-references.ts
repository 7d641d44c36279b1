/**
 * Numbers and booleans from the environment. Substitution works on strings, so
 * `maxSeries: ${MAX_SERIES}` is the string "5000" after it; a container sets such values from
 * its environment as much as tokens. Where validation wanted a number or a boolean at a value
 * that was one reference alone, the variable's text is read as YAML would read it written there,
 * and the document is validated again. Only that case: a reference inside other text, or one at a
 * setting that takes strings, stays a string (a token of digits is still a token).
 */
import type { z } from 'zod';
import type { WholeReference } from './env-substitution.ts';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** A decimal number as a YAML plain scalar writes it (sign, fraction and exponent optional). */
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
/** YAML 1.2's booleans. */
const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
};

/** `text` as the scalar `expected` names, or undefined when it does not read as one. */
function scalarOf(text: string, expected: string): number | boolean | undefined {
  if (expected === 'number') return NUMBER.test(text) ? Number(text) : undefined;
  if (expected === 'boolean') return BOOLEANS[text];
  return undefined;
}

/** The type each invalid-type issue wanted, at its full path, also inside union alternatives. */
function wantedTypes(issues: readonly Issue[], prefix: Path = []): { path: Path; expected: string }[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_type') return [{ path, expected: issue.expected }];
    if (issue.code === 'invalid_union') return issue.errors.flatMap((branch) => wantedTypes(branch, path));
    return [];
  });
}

function samePath(a: Path, b: Path): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** The object holding the value at `path` in `document`, when every step exists. */
function holderOf(document: unknown, path: Path): Record<PropertyKey, unknown> | undefined {
  let node = document;
  for (const part of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>) : undefined;
}

/**
 * Reads as a number or a boolean each value of `document` that was one reference alone
 * (`wholes`) where validation (`issues`) wanted that type, in place. Returns whether any changed:
 * the document is then to be validated again.
 */
export function typeWholeReferences(
  document: Record<string, unknown>,
  issues: readonly Issue[],
  wholes: readonly WholeReference[],
): boolean {
  let changed = false;
  for (const { path, expected } of wantedTypes(issues)) {
    const whole = wholes.find((w) => samePath(w.path, path));
    if (whole === undefined) continue;
    const holder = holderOf(document, path);
    const key = path[path.length - 1]!;
    // A command-line flag may have set this value since.
    if (holder === undefined || holder[key] !== whole.text) continue;
    const value = scalarOf(whole.text, expected);
    if (value === undefined) continue;
    holder[key] = value;
    changed = true;
  }
  return changed;
}

/**
 * What to add to a problem at `path`, when its value came from one reference alone: the
 * variable's name (never its value, which may be a secret set in the wrong variable).
 */
export function referenceNote(path: Path, wholes: readonly WholeReference[]): string {
  const whole = wholes.find((w) => samePath(w.path, path));
  return whole === undefined ? '' : ` (from \${${whole.name}})`;
}
