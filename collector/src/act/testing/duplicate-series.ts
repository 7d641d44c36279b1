/**
 * Series that occur more than once in a Prometheus text exposition, as Prometheus sees them:
 * a label with an empty value is the same as no label, and label order does not matter.
 * `promtool check metrics` (2.42) only rejects a family declared twice, not a repeated series,
 * so tests check this themselves.
 */
export function duplicateSeries(text: string): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (match === null) continue;
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .filter((l) => l[2] !== '')
      .map((l) => `${l[1]}=${l[2]}`)
      .sort();
    const key = `${match[1]}{${labels.join(',')}}`;
    if (seen.has(key)) duplicates.push(key);
    else seen.add(key);
  }
  return duplicates;
}
