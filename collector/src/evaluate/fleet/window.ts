/** What a window saw, over the seconds asked for. */
export interface WindowStats {
  /** Calls that reached the dependency. */
  calls: number;
  /** Of those, dependency-side failures. */
  failures: number;
  /** failures / calls (0 when there were no calls). */
  ratio: number;
  /** Distinct instances reporting dependency-side failures. */
  failingInstances: number;
  /** Distinct instances reporting any call. */
  reportingInstances: number;
  /** Most frequent `error.type`s of the failures, most frequent first (at most 10). */
  topErrorTypes: { type: string; count: number }[];
}

interface Bucket {
  second: number;
  calls: number;
  failures: number;
  /** Created on the first failure / call of the second, so quiet seconds allocate nothing. */
  errorTypes: Map<string, number> | undefined;
  failing: Set<string> | undefined;
  reporting: Set<string> | undefined;
}

/** Distinct instances remembered per second: bounds memory against a flood of made-up ids. */
const MAX_INSTANCES_PER_BUCKET = 1_000;
/** Distinct error types remembered per second. */
const MAX_TYPES_PER_BUCKET = 64;
const TOP_TYPES = 10;

/**
 * Per-second buckets in a ring covering the longest window. Time is the collector's receipt
 * time on its monotonic clock (`Clock.monotonic`): the reporting hosts' clocks are not trusted,
 * with an export interval of a second or so receipt time lags the span's end by no more than
 * that, and a step of the wall clock can neither drop new calls nor keep old ones in a window.
 */
export class SlidingWindow {
  private readonly buckets: Bucket[];

  /** @param spanMs the longest window that will be asked for. */
  constructor(spanMs: number) {
    const size = Math.ceil(spanMs / 1_000) + 1;
    this.buckets = Array.from({ length: size }, () => ({
      second: -1,
      calls: 0,
      failures: 0,
      errorTypes: undefined,
      failing: undefined,
      reporting: undefined,
    }));
  }

  /** Records one call at `nowMs` (monotonic). */
  add(nowMs: number, failed: boolean, instance: string, errorType: string | undefined): void {
    const bucket = this.bucketAt(Math.floor(nowMs / 1_000));
    if (bucket === undefined) return;
    bucket.calls++;
    bucket.reporting = addBounded(bucket.reporting, instance);
    if (!failed) return;
    bucket.failures++;
    bucket.failing = addBounded(bucket.failing, instance);
    const type = errorType ?? '_OTHER';
    bucket.errorTypes ??= new Map();
    const types = bucket.errorTypes;
    const count = types.get(type);
    if (count !== undefined) types.set(type, count + 1);
    else if (types.size < MAX_TYPES_PER_BUCKET) types.set(type, 1);
  }

  /**
   * Totals over the last `windowMs` (whole seconds, the current one included), counting only
   * seconds that began at or after `sinceMs` so that data from before a state change cannot
   * re-trigger it. The second the change fell in is left out whole: its calls may precede it.
   */
  stats(nowMs: number, windowMs: number, sinceMs = 0): WindowStats {
    const now = Math.floor(nowMs / 1_000);
    const from = Math.max(now - Math.ceil(windowMs / 1_000) + 1, Math.ceil(sinceMs / 1_000));
    let calls = 0;
    let failures = 0;
    const failing = new Set<string>();
    const reporting = new Set<string>();
    const types = new Map<string, number>();
    for (const b of this.buckets) {
      if (b.second < from || b.second > now) continue;
      calls += b.calls;
      failures += b.failures;
      if (b.failing) for (const i of b.failing) failing.add(i);
      if (b.reporting) for (const i of b.reporting) reporting.add(i);
      if (b.errorTypes) for (const [t, c] of b.errorTypes) types.set(t, (types.get(t) ?? 0) + c);
    }
    return {
      calls,
      failures,
      ratio: calls === 0 ? 0 : failures / calls,
      failingInstances: failing.size,
      reportingInstances: reporting.size,
      topErrorTypes: [...types]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, TOP_TYPES)
        .map(([type, count]) => ({ type, count })),
    };
  }

  /** Monotonic ms of the newest call recorded, or -1. */
  lastActivityMs(): number {
    let last = -1;
    for (const b of this.buckets) if (b.calls > 0 && b.second > last) last = b.second;
    return last < 0 ? -1 : last * 1_000 + 999;
  }

  /** The bucket for `second`, recycled if stale; `undefined` if `second` fell out of the ring. */
  private bucketAt(second: number): Bucket | undefined {
    const bucket = this.buckets[second % this.buckets.length]!;
    if (bucket.second > second) return undefined;
    if (bucket.second !== second) {
      bucket.second = second;
      bucket.calls = 0;
      bucket.failures = 0;
      bucket.errorTypes?.clear();
      bucket.failing?.clear();
      bucket.reporting?.clear();
    }
    return bucket;
  }
}

function addBounded(set: Set<string> | undefined, value: string): Set<string> {
  const target = set ?? new Set<string>();
  if (target.size < MAX_INSTANCES_PER_BUCKET) target.add(value);
  return target;
}
