/**
 * The SLO store: time-bucketed event counts per series. Narrow on purpose, so a shared store
 * (e.g. Redis, for several collector replicas) can replace the embedded one without the
 * evaluator noticing.
 */

import type { CountDelta, Counts } from '../sli/counts.ts';

// The sli stage's counts are what the store keeps; re-exported for the stages after it.
export { addCounts, type CountDelta, type Counts, cloneCounts, emptyCounts } from '../sli/counts.ts';

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
   * Adds `deltas` to the buckets holding `timeMs` (the store's time, see `StoreClock`), atomically: all or nothing. Resolves only once
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
   * fine buckets, counting age from `nowMs` or the newest bucket held, whichever is earlier (a
   * clock far ahead must not delete history). Safe to call at any time.
   */
  compact(nowMs: number): Promise<void>;
  /**
   * Folds series into others, atomically (all or nothing, and durably for a durable store): for
   * each {@link SeriesFold} whose `from` holds no bucket ending after `quietSinceMs` (checked
   * after the commits pending now are applied, so a series that took events meanwhile is left
   * as it is), every bucket of `from` is added to `to`'s bucket of the same time, and `from` and
   * its example trace ids go. Sums over any set of series holding both are unchanged. Resolves
   * to the folds done.
   */
  fold(folds: readonly SeriesFold[]): Promise<SeriesFold[]>;
  /**
   * Start of the newest bucket held (`-Infinity` when empty): no count was committed earlier
   * than this. A restarted collector must not count time from before it (see `StoreClock`).
   */
  latestBucketStart(): number;
  /**
   * Records the configured SLOs' windows (name → ms) and returns, with them, the windows that SLOs
   * no longer configured last had while the store still holds their counts (a memory store
   * holds none). Retention keeps an SLO dropped from the configuration by mistake for its own
   * window, not the longest one still configured.
   */
  rememberWindows(configured: ReadonlyMap<string, number>): ReadonlyMap<string, number>;
  /**
   * Records which events each configured SLO counts (name → key, see `countedEventsKey`). Call it
   * once at start, before {@link rememberWindows}. The counts of an SLO whose key changed since
   * they were stored are set aside, not deleted: they are kept for the window the SLO had, read
   * by no SLO, and come back if the SLO gets that key again (an edit undone). Counts set aside
   * under the new key come back likewise. A durable store only; a memory store holds none.
   */
  adoptDefinitions(configured: ReadonlyMap<string, string>): DefinitionChanges;
  /** Releases resources; pending commits finish first. */
  close(): Promise<void>;
}

/** One series to fold into another (see {@link SloStore.fold}). */
export interface SeriesFold {
  slo: string;
  from: string;
  to: string;
  /** Fold only if `from` took no event since (store time, ms). */
  quietSinceMs: number;
}

/** What {@link SloStore.adoptDefinitions} did, by SLO name. */
export interface DefinitionChanges {
  /** SLOs whose stored counts were set aside: they were counted under another definition. */
  setAside: string[];
  /** SLOs whose counts set aside under this very definition were brought back. */
  restored: string[];
}

/** Per-SLO retention: how far back a store must keep counts (the SLO window plus a margin). */
export type RetentionFn = (slo: string) => number;
