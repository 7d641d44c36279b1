import { createHash } from 'node:crypto';
import type { SloDefinition } from '../config/slo/definition.ts';

/**
 * A short key for what an SLO's stored counts mean: which spans are events and which of them
 * are good (`sli`, the `total`, `good` and `bad` selectors, so a latency threshold too). Counts
 * stored under another key were judged by other rules and must not be read as this
 * definition's. What only changes how counts are read (objective, window, levels, `minEvents`,
 * `maxSeries`, tier, description) is left out, and so is `groupBy`, which the series ids carry.
 *
 * Selector lists and their values are sets (any one matches), so their order is not part of the
 * key: reordering a list in the YAML keeps the history.
 */
export function countedEventsKey(def: SloDefinition): string {
  const canonical = canonicalJson({ sli: def.sli, total: def.total, good: def.good, bad: def.bad });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted and arrays sorted by their items' own canonical JSON. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).sort().join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
