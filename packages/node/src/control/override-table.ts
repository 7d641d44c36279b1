import type { BreakerOverride, BreakerSignal, Clock, TimerHandle } from '@breakwater/protocol';

/** What the control client drives: the breaker registry implements it. */
export interface OverrideTarget {
  /** Imposes `override` on the breaker for `dependency` until `override.expiresAt`. */
  applyOverride(dependency: string, override: BreakerOverride): void;
  /** Hands the breaker for `dependency` back to its local logic. */
  clearOverride(dependency: string): void;
}

interface Entry {
  override: BreakerOverride;
  timer: TimerHandle;
}

/** Newest signal seen per dependency, remembered while its effect lasts (ordering guard). */
interface Seen {
  issuedAt: number;
  until: number;
}

const MAX_SEEN = 10_000;

/**
 * The fleet overrides in force, each with its own expiry timer. Expiry is local receipt time
 * plus the signal's TTL, on the SDK's clock: the collector's clock can neither extend nor
 * shorten it, and with no collector every override lapses at its TTL (fail open).
 */
export class OverrideTable {
  private readonly target: OverrideTarget;
  private readonly clock: Clock;
  private readonly onTargetError: (error: unknown, dependency: string) => void;
  private readonly entries = new Map<string, Entry>();
  private readonly seen = new Map<string, Seen>();

  constructor(options: {
    target: OverrideTarget;
    clock: Clock;
    onTargetError: (error: unknown, dependency: string) => void;
  }) {
    this.target = options.target;
    this.clock = options.clock;
    this.onTargetError = options.onTargetError;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A copy of the overrides in force, by dependency. */
  snapshot(): Map<string, BreakerOverride> {
    return new Map([...this.entries].map(([dependency, e]) => [dependency, e.override]));
  }

  /**
   * Applies a validated signal: `open`/`half_open` set an override, `closed` removes it.
   * A signal issued before the one already in effect for the dependency is `stale` (replays and
   * reordering must not undo a newer decision).
   */
  apply(signal: BreakerSignal): 'applied' | 'cleared' | 'stale' {
    const now = this.clock.now();
    const seen = this.seen.get(signal.dependency);
    if (seen !== undefined && now < seen.until && signal.issuedAt < seen.issuedAt) return 'stale';
    if (this.seen.size >= MAX_SEEN && seen === undefined) this.seen.clear();
    this.seen.set(signal.dependency, { issuedAt: signal.issuedAt, until: now + signal.ttlMs });
    if (signal.state === 'closed') {
      this.clear(signal.dependency);
      return 'cleared';
    }
    const override: BreakerOverride = {
      state: signal.state,
      ...(signal.allow === undefined ? {} : { allow: signal.allow }),
      expiresAt: now + signal.ttlMs,
      source: signal.id,
    };
    const previous = this.entries.get(signal.dependency);
    if (previous !== undefined) this.clock.clearTimeout(previous.timer);
    const timer = this.clock.setTimeout(() => this.expire(signal.dependency, override), signal.ttlMs);
    this.entries.set(signal.dependency, { override, timer });
    this.call(signal.dependency, () => this.target.applyOverride(signal.dependency, override));
    return 'applied';
  }

  /** Removes the override for `dependency`, if any. */
  clear(dependency: string): void {
    const entry = this.entries.get(dependency);
    if (entry === undefined) return;
    this.clock.clearTimeout(entry.timer);
    this.entries.delete(dependency);
    this.call(dependency, () => this.target.clearOverride(dependency));
  }

  /** Removes every override whose dependency is not in `keep` (a snapshot is the whole truth). */
  retainOnly(keep: ReadonlySet<string>): void {
    for (const dependency of [...this.entries.keys()]) if (!keep.has(dependency)) this.clear(dependency);
  }

  clearAll(): void {
    for (const dependency of [...this.entries.keys()]) this.clear(dependency);
  }

  private expire(dependency: string, override: BreakerOverride): void {
    if (this.entries.get(dependency)?.override !== override) return;
    this.entries.delete(dependency);
    this.call(dependency, () => this.target.clearOverride(dependency));
  }

  /** The registry is someone else's code: its failure must not reach the app or stop us. */
  private call(dependency: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.onTargetError(error, dependency);
    }
  }
}
