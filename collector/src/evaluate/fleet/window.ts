import { InstanceBudget } from './instance-budget.ts';

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
  /** Created on the first failure of the second, so quiet seconds allocate nothing. */
  errorTypes: Map<string, number> | undefined;
}

/** The latest second an instance reported a call, and a failure (-1: none in the ring). */
interface Seen {
  reporting: number;
  failing: number;
}

/**
 * Distinct instances one window remembers: bounds memory against a flood of made-up ids. Past
 * it, instance counts are lower bounds (far above any quorum).
 */
const MAX_INSTANCES_PER_WINDOW = 1_000;
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
  /**
   * Each instance once, with the latest seconds it was seen: "seen in any second of a window"
   * is "seen last at or after the window's first second", so distinct counts need no set per
   * second (which held the same ids up to twice per second of the ring).
   */
  private readonly instances = new Map<string, Seen>();
  private readonly budget: InstanceBudget;
  /** The second stale instances were last dropped in (at most once a second). */
  private prunedAt = -1;

  /**
   * @param spanMs the longest window that will be asked for.
   * @param budget shared with the other windows of the fleet breaker (a private one by default).
   */
  constructor(spanMs: number, budget: InstanceBudget = new InstanceBudget()) {
    const size = Math.ceil(spanMs / 1_000) + 1;
    this.budget = budget;
    this.buckets = Array.from({ length: size }, () => ({
      second: -1,
      calls: 0,
      failures: 0,
      errorTypes: undefined,
    }));
  }

  /** Records one call at `nowMs` (monotonic). */
  add(nowMs: number, failed: boolean, instance: string, errorType: string | undefined): void {
    const second = Math.floor(nowMs / 1_000);
    const bucket = this.bucketAt(second);
    if (bucket === undefined) return;
    bucket.calls++;
    const seen = this.seen(instance, second);
    if (seen !== undefined) {
      seen.reporting = Math.max(seen.reporting, second);
      if (failed) seen.failing = Math.max(seen.failing, second);
    }
    if (!failed) return;
    bucket.failures++;
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
    const types = new Map<string, number>();
    for (const b of this.buckets) {
      if (b.second < from || b.second > now) continue;
      calls += b.calls;
      failures += b.failures;
      if (b.errorTypes) for (const [t, c] of b.errorTypes) types.set(t, (types.get(t) ?? 0) + c);
    }
    // Evaluations run every tick: ids that left the ring give their places back to the other
    // windows, also where this window never needs room for new ones.
    this.prune(now);
    let failingInstances = 0;
    let reportingInstances = 0;
    for (const seen of this.instances.values()) {
      if (seen.reporting >= from && seen.reporting <= now) reportingInstances++;
      if (seen.failing >= from && seen.failing <= now) failingInstances++;
    }
    return {
      calls,
      failures,
      ratio: calls === 0 ? 0 : failures / calls,
      failingInstances,
      reportingInstances,
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

  /** Gives every remembered instance back to the shared budget (the window is dropped). */
  release(): void {
    this.budget.give(this.instances.size);
    this.instances.clear();
  }

  /**
   * The record of `instance`, created if there is room; `undefined` when this window or the
   * shared budget is full, also after pruning.
   */
  private seen(instance: string, second: number): Seen | undefined {
    const known = this.instances.get(instance);
    if (known !== undefined) return known;
    if (this.instances.size >= MAX_INSTANCES_PER_WINDOW || !this.budget.take()) {
      if (!this.prune(second)) return undefined;
      if (this.instances.size >= MAX_INSTANCES_PER_WINDOW || !this.budget.take()) return undefined;
    }
    const seen = { reporting: -1, failing: -1 };
    this.instances.set(instance, seen);
    return seen;
  }

  /**
   * Forgets the instances last seen before the ring that ends at `second`, giving their places
   * back; at most once a second (false when it ran in this second already).
   */
  private prune(second: number): boolean {
    if (this.prunedAt === second) return false;
    this.prunedAt = second;
    const oldest = second - this.buckets.length + 1;
    let dropped = 0;
    for (const [id, seen] of this.instances) {
      if (seen.reporting >= oldest) continue;
      this.instances.delete(id);
      dropped++;
    }
    this.budget.give(dropped);
    return true;
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
    }
    return bucket;
  }
}
