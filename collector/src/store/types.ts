/**
 * The SLO store: time-bucketed event counts per series. Narrow on purpose, so a shared store
 * (e.g. Redis, for several collector replicas) can replace the embedded one without the
 * evaluator noticing.
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
   * {@link EXAMPLES_PER_SERIES} per series, as durably as the counts.
   */
  exampleTraceIds?: readonly string[];
}

/** Recent bad-event trace ids a store keeps per series. */
export const EXAMPLES_PER_SERIES = 5;

/** One series' counts summed over each requested window. */
export interface SeriesWindows {
  slo: string;
  series: string;
  /** Same order as the requested windows. */
  windows: Counts[];
}

export interface SloStore {
  /** `memory`, `sqlite`, … (for logs and the status page). */
  readonly kind: string;
  /**
   * Adds `deltas` to the buckets holding `timeMs`, atomically: all or nothing. Resolves only once
   * the counts are durable (for a durable store), so an ingest request can then be acknowledged.
   */
  commit(timeMs: number, deltas: readonly CountDelta[]): Promise<void>;
  /**
   * Sums every series over windows ending at `nowMs`: window `w` covers every bucket that
   * overlaps `(nowMs - w, nowMs]`, so at least `w` of history and at most one bucket more (a
   * minute, or an hour for counts past a day old). Never less: a window shorter than a bucket
   * (a `30s` level window) would otherwise be empty half the time. Series with no events in the
   * longest window may be left out.
   */
  snapshot(nowMs: number, windowsMs: readonly number[]): Promise<SeriesWindows[]>;
  /**
   * The series' most recent bad-event trace ids (newest first, at most
   * {@link EXAMPLES_PER_SERIES}), from the deltas committed so far; they go with the series.
   */
  examples(slo: string, series: string): readonly string[];
  /**
   * Applies retention at `nowMs`: drops buckets older than each SLO's retention and coarsens old
   * fine buckets. Safe to call at any time.
   */
  compact(nowMs: number): Promise<void>;
  /** Releases resources; pending commits finish first. */
  close(): Promise<void>;
}

/** Per-SLO retention: how far back a store must keep counts (the SLO window plus a margin). */
export type RetentionFn = (slo: string) => number;

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
