/** A problem in the shape of a parsed YAML document, at a document path. */
export interface StructureProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Problems no schema can see in a parsed YAML document, found before anything else reads it:
 * a `__proto__` key. The YAML parser keeps it as an own key, but any copy made with
 * `copy[key] = value` sets the copy's prototype instead, and a schema drops it from records: its
 * keys would apply unvalidated as inherited values (`__proto__: { listen: … }` moved the
 * listener without a word), or vanish silently.
 */
export function structureProblems(document: unknown): StructureProblem[] {
  const problems: StructureProblem[] = [];
  walk(document, [], problems);
  return problems;
}

function walk(value: unknown, path: (string | number)[], problems: StructureProblem[]): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, [...path, i], problems);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__') {
      problems.push({
        path: [...path, key],
        message: '"__proto__" cannot be a key (JavaScript reads it as an object\'s prototype)',
      });
      continue;
    }
    walk(item, [...path, key], problems);
  }
}
