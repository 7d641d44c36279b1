/**
 * The known name a mistyped one most likely meant: equal but for case, else within a typo or two
 * (at most 2 edits, a swap of neighbouring letters counting as one, and at most a third of the name's length, so short names don't match
 * everything). Undefined when none is that close. Used for "did you mean" hints on option names,
 * service names and the like.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const k = candidate.toLowerCase();
    if (k === lower) return candidate;
    const limit = Math.min(2, Math.floor(k.length / 3));
    const distance = editDistance(k, lower, limit);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit, the commonest typo
 * (optimal string alignment), or any value above `limit` once it is certain to exceed it (names
 * are short, but a gate may compare against thousands of them).
 */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let cell = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        cell = Math.min(cell, beforePrevious[j - 2]! + 1);
      row[j] = cell;
      if (cell < rowMin) rowMin = cell;
    }
    if (rowMin > limit) return limit + 1;
    beforePrevious = previous;
    previous = row;
  }
  return previous[b.length]!;
}
