/** A problem in the shape of a parsed YAML document, at a document path. */
export interface StructureProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Problems no schema can see in a parsed YAML document, found before anything else reads it:
 * - a `__proto__` key. The YAML parser keeps it as an own key, but any copy made with
 *   `copy[key] = value` sets the copy's prototype instead, and a schema drops it from records:
 *   its keys would apply unvalidated as inherited values (`__proto__: { listen: … }` moved the
 *   listener without a word), or vanish silently.
 * - an alias inside the node it refers to (`a: &a [*a]`): the parser builds a cyclic value, and
 *   every reader after it (substitution, validation) would recurse until the stack overflows.
 */
export function structureProblems(document: unknown): StructureProblem[] {
  const problems: StructureProblem[] = [];
  walk(document, [], new Set(), problems);
  return problems;
}

function walk(
  value: unknown,
  path: (string | number)[],
  ancestors: Set<object>,
  problems: StructureProblem[],
): void {
  if (typeof value !== 'object' || value === null) return;
  if (ancestors.has(value)) {
    problems.push({
      path,
      message: 'a YAML alias inside the node it refers to makes an endless document',
    });
    return;
  }
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, [...path, i], ancestors, problems);
  } else {
    for (const [key, item] of Object.entries(value)) {
      if (key === '__proto__') {
        problems.push({
          path: [...path, key],
          message: '"__proto__" cannot be a key (JavaScript reads it as an object\'s prototype)',
        });
        continue;
      }
      walk(item, [...path, key], ancestors, problems);
    }
  }
  // Only ancestors: the same node under two aliases side by side is no cycle.
  ancestors.delete(value);
}
