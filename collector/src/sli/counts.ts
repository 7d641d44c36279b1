/**
 * What the sli stage produces: event counts per series, to add to the store.
 */

/**
 * Event counts. `extra` holds named side counters that add up like `good` and `total`:
 * `c:<category>` (bad events per error category) and `le:<ms>` (events at most that long).
 */
export interface Counts {
  good: number;
  total: number;
  extra: Record<string, number>;
}

/** Counts to add to one series. */
export interface CountDelta {
  /** SLO name (retention is per SLO). */
  slo: string;
  /** Opaque series id within the SLO (the sli stage encodes service, version and groups). */
  series: string;
  counts: Counts;
  /**
   * Trace ids of some of this delta's bad events, newest first. The store keeps the latest
   * few per series (`EXAMPLES_PER_SERIES`), as durably as the counts.
   */
  exampleTraceIds?: readonly string[];
}

/** An empty {@link Counts}. */
export function emptyCounts(): Counts {
  return { good: 0, total: 0, extra: {} };
}

/** Adds `b` into `a` (mutating `a`). */
export function addCounts(a: Counts, b: Counts): Counts {
  a.good += b.good;
  a.total += b.total;
  for (const key in b.extra) a.extra[key] = (a.extra[key] ?? 0) + b.extra[key]!;
  return a;
}

/** A deep copy. */
export function cloneCounts(c: Counts): Counts {
  return { good: c.good, total: c.total, extra: { ...c.extra } };
}
