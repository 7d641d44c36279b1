import type { Clock, ErrorCategory } from '@breakwater/protocol';
import { ERROR_CATEGORIES, systemClock } from '@breakwater/protocol';
import { z } from 'zod';
import type { Classification } from '../classify/classification.ts';
import { ClockSchema, parseOptions } from '../core/options.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import { guardListener } from '../telemetry/safe.ts';

/** Options of {@link ErrorAggregator}. */
export interface ErrorAggregatorOptions {
  /** Name reported with pattern events. */
  readonly name?: string;
  /** Sliding window, ms (default 60 000). */
  readonly windowMs?: number;
  /** Buckets the window is split into (default 12). */
  readonly buckets?: number;
  /** Failures of one category within the window that make a pattern (default 5). */
  readonly patternThreshold?: number;
  readonly clock?: Clock;
  /** Receives `onPattern` when a category crosses the threshold. */
  readonly listener?: ResilienceListener;
}

const Schema = z.object({
  name: z.string().default('errors'),
  windowMs: z.number().positive().default(60_000),
  buckets: z.number().int().min(1).max(600).default(12),
  patternThreshold: z.number().int().min(1).default(5),
  clock: ClockSchema.default(systemClock),
  listener: z.custom<ResilienceListener>((v) => typeof v === 'object' && v !== null).optional(),
});

/** What the window holds right now. */
export interface AggregateSnapshot {
  readonly total: number;
  readonly errors: number;
  /** errors / total, 0 when there were no calls. */
  readonly errorRate: number;
  readonly byCategory: Partial<Record<ErrorCategory, number>>;
  /** Categories at or above the pattern threshold, most frequent first. */
  readonly patterns: readonly { readonly category: ErrorCategory; readonly count: number }[];
}

const CATEGORY_INDEX = new Map<ErrorCategory, number>(ERROR_CATEGORIES.map((c, i) => [c, i]));

/**
 * Errors over a sliding time window: error rate, counts by category, and detection of an emerging
 * pattern (N failures of one category inside the window). Used by adaptive policies and available
 * to users. O(1) per record; snapshots cost O(buckets × categories). The window runs on the
 * clock's monotonic time, so a wall-clock step neither empties it nor keeps old failures in it.
 */
export class ErrorAggregator {
  private readonly o: z.output<typeof Schema>;
  private readonly bucketMs: number;
  private readonly epochs: Float64Array;
  private readonly totals: Uint32Array;
  /** buckets × categories counts. */
  private readonly counts: Uint32Array;
  private readonly reported = new Set<ErrorCategory>();
  /** The listener, wrapped so that a throw never reaches the caller recording a failure. */
  private readonly listener: ResilienceListener | undefined;

  constructor(options: ErrorAggregatorOptions = {}) {
    this.o = parseOptions(Schema, options, 'ErrorAggregator');
    this.listener = this.o.listener === undefined ? undefined : guardListener(this.o.listener);
    this.bucketMs = this.o.windowMs / this.o.buckets;
    // Empty buckets hold -Infinity: a monotonic origin is arbitrary, so epochs may be negative.
    this.epochs = new Float64Array(this.o.buckets).fill(Number.NEGATIVE_INFINITY);
    this.totals = new Uint32Array(this.o.buckets);
    this.counts = new Uint32Array(this.o.buckets * ERROR_CATEGORIES.length);
  }

  /** Records a successful call. */
  recordSuccess(): void {
    this.bucket(this.o.clock.monotonic());
  }

  /** Records a failed call by classification or category; reports a new pattern once per episode. */
  recordFailure(failure: Classification | ErrorCategory): void {
    const category = typeof failure === 'string' ? failure : failure.category;
    const index = CATEGORY_INDEX.get(category);
    if (index === undefined) throw new TypeError(`unknown error category: ${String(category)}`);
    const now = this.o.clock.monotonic();
    const b = this.bucket(now);
    this.counts[b * ERROR_CATEGORIES.length + index]!++;
    const count = this.count(category, now);
    if (count < this.o.patternThreshold) {
      this.reported.delete(category);
    } else if (!this.reported.has(category)) {
      this.reported.add(category);
      this.listener?.onPattern?.({
        name: this.o.name,
        category,
        count,
        windowMs: this.o.windowMs,
        at: this.o.clock.now(),
      });
    }
  }

  /** Failures of `category` in the window; `now` is a reading of the clock's `monotonic()`. */
  count(category: ErrorCategory, now = this.o.clock.monotonic()): number {
    const index = CATEGORY_INDEX.get(category) ?? -1;
    let n = 0;
    this.forLive(now, (b) => {
      n += this.counts[b * ERROR_CATEGORIES.length + index]!;
    });
    return n;
  }

  snapshot(): AggregateSnapshot {
    const now = this.o.clock.monotonic();
    let total = 0;
    const byIndex = new Array<number>(ERROR_CATEGORIES.length).fill(0);
    this.forLive(now, (b) => {
      total += this.totals[b]!;
      for (let c = 0; c < ERROR_CATEGORIES.length; c++)
        byIndex[c]! += this.counts[b * ERROR_CATEGORIES.length + c]!;
    });
    const byCategory: Partial<Record<ErrorCategory, number>> = {};
    const patterns: { category: ErrorCategory; count: number }[] = [];
    let errors = 0;
    for (let c = 0; c < ERROR_CATEGORIES.length; c++) {
      const n = byIndex[c]!;
      if (n === 0) continue;
      const category = ERROR_CATEGORIES[c]!;
      byCategory[category] = n;
      errors += n;
      if (n >= this.o.patternThreshold) patterns.push({ category, count: n });
    }
    // A category that fell below the threshold may be reported again when it re-emerges.
    for (const category of this.reported)
      if ((byCategory[category] ?? 0) < this.o.patternThreshold) this.reported.delete(category);
    patterns.sort((a, b) => b.count - a.count);
    return { total, errors, errorRate: total === 0 ? 0 : errors / total, byCategory, patterns };
  }

  private bucket(now: number): number {
    const epoch = Math.floor(now / this.bucketMs);
    const n = this.epochs.length;
    const b = ((epoch % n) + n) % n;
    if (this.epochs[b] !== epoch) {
      this.epochs[b] = epoch;
      this.totals[b] = 0;
      this.counts.fill(0, b * ERROR_CATEGORIES.length, (b + 1) * ERROR_CATEGORIES.length);
    }
    this.totals[b]!++;
    return b;
  }

  private forLive(now: number, fn: (bucket: number) => void): void {
    const current = Math.floor(now / this.bucketMs);
    for (let b = 0; b < this.epochs.length; b++) {
      const epoch = this.epochs[b]!;
      if (epoch > current - this.epochs.length && epoch <= current) fn(b);
    }
  }
}
