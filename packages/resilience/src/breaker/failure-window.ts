import type { ClockReading } from './snapshot.ts';

/**
 * How a closed breaker decides to trip. Each window records outcomes in O(1) without allocating
 * and answers whether the trip condition holds.
 */
export interface FailureWindow {
  /** True when `record` needs the current time (time windows). */
  readonly needsTime: boolean;
  /** Records an outcome; returns whether the trip condition is worth evaluating now. */
  record(failed: boolean, slow: boolean, now: number): boolean;
  /**
   * Turns the most recent recorded success into a failure (a late failure: a streamed body that
   * died after its attempt was recorded as a success). Records a failure when no success is left
   * to amend. Returns whether the trip condition is worth evaluating now.
   */
  amend(now: number): boolean;
  /** Whether the breaker should open now. */
  shouldTrip(now: number): boolean;
  reset(): void;
  /** `at`: the clock now, to turn the window's monotonic times into the snapshot's wall times. */
  toJSON(at: ClockReading): WindowSnapshot;
  /** `at`: the clock now, to turn the snapshot's wall times back into monotonic ones. */
  restore(snapshot: WindowSnapshot, at: ClockReading): void;
}

/** Serialised window state. */
export type WindowSnapshot =
  | { readonly kind: 'consecutive'; readonly failures: number }
  | { readonly kind: 'count'; readonly outcomes: number[] }
  | {
      readonly kind: 'time';
      readonly buckets: { epoch: number; total: number; failures: number; slow: number }[];
    };

/** Ratio thresholds shared by the count and time windows. */
export interface RatioThresholds {
  readonly minimumThroughput: number;
  readonly failureRatio: number;
  /** Trip when this share of calls were slow; `undefined` disables slow-call tripping. */
  readonly slowCallRatio: number | undefined;
}

function ratioTrips(total: number, failures: number, slow: number, t: RatioThresholds): boolean {
  if (total < t.minimumThroughput || total === 0) return false;
  if (failures / total >= t.failureRatio) return true;
  return t.slowCallRatio !== undefined && slow / total >= t.slowCallRatio;
}

/**
 * Trips after `threshold` consecutive failures; any success resets the count. With slow-call
 * detection on, a slow success counts as a failure here.
 */
export class ConsecutiveFailures implements FailureWindow {
  readonly needsTime = false;
  private readonly threshold: number;
  private failures = 0;
  /** The streak the most recent success reset, so a late failure can restore it. */
  private resetStreak = 0;

  constructor(threshold: number) {
    this.threshold = threshold;
  }
  record(failed: boolean, slow: boolean): boolean {
    if (failed || slow) {
      this.failures++;
      return true;
    }
    this.resetStreak = this.failures;
    this.failures = 0;
    return false;
  }
  amend(): boolean {
    // The success that reset the streak was really a failure: the streak continues through it.
    this.failures += this.resetStreak + 1;
    this.resetStreak = 0;
    return true;
  }
  shouldTrip(): boolean {
    return this.failures >= this.threshold;
  }
  reset(): void {
    this.failures = 0;
    this.resetStreak = 0;
  }
  toJSON(): WindowSnapshot {
    return { kind: 'consecutive', failures: this.failures };
  }
  restore(s: WindowSnapshot): void {
    if (s.kind === 'consecutive') this.failures = s.failures;
  }
}

const FAILED = 1;
const SLOW = 2;

/** Failure (and slow-call) ratio over the last `size` calls, in a ring buffer. */
export class CountWindow implements FailureWindow {
  readonly needsTime = false;
  private readonly ring: Uint8Array;
  private readonly thresholds: RatioThresholds;
  private next = 0;
  private total = 0;
  private failures = 0;
  private slow = 0;

  constructor(size: number, thresholds: RatioThresholds) {
    this.ring = new Uint8Array(size);
    this.thresholds = thresholds;
  }
  record(failed: boolean, slow: boolean): boolean {
    const ring = this.ring;
    if (this.total === ring.length) {
      const old = ring[this.next]!;
      if (old & FAILED) this.failures--;
      if (old & SLOW) this.slow--;
    } else {
      this.total++;
    }
    ring[this.next] = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    if (failed) this.failures++;
    if (slow) this.slow++;
    this.next = this.next + 1 === ring.length ? 0 : this.next + 1;
    // Ratios only rise on a failure or slow call, or when the minimum throughput is first reached.
    return failed || slow || this.total === this.thresholds.minimumThroughput;
  }
  amend(): boolean {
    const ring = this.ring;
    const n = ring.length;
    // Newest first: the late failure belongs to a recent call. O(size), only on late failures.
    for (let k = 1; k <= this.total; k++) {
      const i = (this.next - k + n) % n;
      if ((ring[i]! & FAILED) === 0) {
        ring[i] = ring[i]! | FAILED;
        this.failures++;
        return true;
      }
    }
    return this.record(true, false);
  }
  shouldTrip(): boolean {
    return ratioTrips(this.total, this.failures, this.slow, this.thresholds);
  }
  reset(): void {
    this.ring.fill(0);
    this.next = 0;
    this.total = 0;
    this.failures = 0;
    this.slow = 0;
  }
  toJSON(): WindowSnapshot {
    // Oldest first, so restore can replay them.
    const outcomes: number[] = [];
    const start = this.total === this.ring.length ? this.next : 0;
    for (let i = 0; i < this.total; i++) outcomes.push(this.ring[(start + i) % this.ring.length]!);
    return { kind: 'count', outcomes };
  }
  restore(s: WindowSnapshot): void {
    if (s.kind !== 'count') return;
    this.reset();
    for (const o of s.outcomes.slice(-this.ring.length)) this.record((o & FAILED) !== 0, (o & SLOW) !== 0);
  }
}

/** Marks a bucket that holds nothing (restored epochs may be negative: before the monotonic origin). */
const EMPTY = Number.NEGATIVE_INFINITY;

/** `epoch` modulo `n`, non-negative also for a negative epoch. */
function slot(epoch: number, n: number): number {
  return ((epoch % n) + n) % n;
}

/**
 * Failure (and slow-call) ratio over the last `windowMs`, in `buckets` time buckets. Times are
 * monotonic; a snapshot's bucket epochs are wall time, each bucket as many buckets before the
 * current one as it was.
 */
export class TimeWindow implements FailureWindow {
  readonly needsTime = true;
  private readonly bucketMs: number;
  private readonly epochs: Float64Array;
  private readonly totals: Uint32Array;
  private readonly fails: Uint32Array;
  private readonly slows: Uint32Array;
  private readonly thresholds: RatioThresholds;

  constructor(windowMs: number, buckets: number, thresholds: RatioThresholds) {
    this.bucketMs = windowMs / buckets;
    this.epochs = new Float64Array(buckets).fill(EMPTY);
    this.totals = new Uint32Array(buckets);
    this.fails = new Uint32Array(buckets);
    this.slows = new Uint32Array(buckets);
    this.thresholds = thresholds;
  }
  record(failed: boolean, slow: boolean, now: number): boolean {
    const epoch = Math.floor(now / this.bucketMs);
    const i = slot(epoch, this.epochs.length);
    if (this.epochs[i] !== epoch) {
      this.epochs[i] = epoch;
      this.totals[i] = 0;
      this.fails[i] = 0;
      this.slows[i] = 0;
    }
    this.totals[i]!++;
    if (failed) this.fails[i]!++;
    if (slow) this.slows[i]!++;
    return true;
  }
  amend(now: number): boolean {
    const current = Math.floor(now / this.bucketMs);
    const n = this.epochs.length;
    // Newest bucket first that still holds a success inside the window.
    for (let back = 0; back < n; back++) {
      const i = slot(current - back, n);
      if (this.epochs[i] === current - back && this.fails[i]! < this.totals[i]!) {
        this.fails[i]!++;
        return true;
      }
    }
    return this.record(true, false, now);
  }
  shouldTrip(now: number): boolean {
    const current = Math.floor(now / this.bucketMs);
    const n = this.epochs.length;
    let total = 0;
    let failures = 0;
    let slow = 0;
    for (let i = 0; i < n; i++) {
      const epoch = this.epochs[i]!;
      if (epoch <= current - n || epoch > current) continue;
      total += this.totals[i]!;
      failures += this.fails[i]!;
      slow += this.slows[i]!;
    }
    return ratioTrips(total, failures, slow, this.thresholds);
  }
  reset(): void {
    this.epochs.fill(EMPTY);
    this.totals.fill(0);
    this.fails.fill(0);
    this.slows.fill(0);
  }
  toJSON(at: ClockReading): WindowSnapshot {
    const shift = this.shift(at);
    const buckets: { epoch: number; total: number; failures: number; slow: number }[] = [];
    for (let i = 0; i < this.epochs.length; i++) {
      if (this.epochs[i] === EMPTY) continue;
      buckets.push({
        epoch: this.epochs[i]! + shift,
        total: this.totals[i]!,
        failures: this.fails[i]!,
        slow: this.slows[i]!,
      });
    }
    return { kind: 'time', buckets };
  }
  restore(s: WindowSnapshot, at: ClockReading): void {
    if (s.kind !== 'time') return;
    this.reset();
    const shift = this.shift(at);
    for (const b of s.buckets) {
      const epoch = b.epoch - shift;
      const i = slot(epoch, this.epochs.length);
      if (this.epochs[i]! > epoch) continue;
      this.epochs[i] = epoch;
      this.totals[i] = b.total;
      this.fails[i] = b.failures;
      this.slows[i] = b.slow;
    }
  }

  /**
   * Wall epoch minus monotonic epoch of the current bucket. Counting from the current bucket on
   * both sides keeps each bucket's age, so a restored bucket is never in the future (and a
   * snapshot restored at once round-trips exactly).
   */
  private shift(at: ClockReading): number {
    return Math.floor(at.wall / this.bucketMs) - Math.floor(at.monotonic / this.bucketMs);
  }
}
