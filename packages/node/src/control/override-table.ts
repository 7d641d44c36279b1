import type { BreakerOverride, BreakerSignal, Clock, TimerHandle } from '@breakwater/protocol';
import type { LiftCause, OverrideChange } from './override-change.ts';
import { publishedBefore, type SignalPosition, signalPosition } from './signal-order.ts';

/** What the control client drives: the breaker registry implements it. */
export interface OverrideTarget {
  /** Imposes `override` on the breaker for `dependency` until `override.expiresAt`. */
  applyOverride(dependency: string, override: BreakerOverride): void;
  /** Hands the breaker for `dependency` back to its local logic. */
  clearOverride(dependency: string): void;
  /**
   * Most overrides to hold at once: the runtime's `limits.maxDependencies` (default
   * {@link DEFAULT_MAX_OVERRIDES}). Each override keeps a breaker that is never evicted, even past
   * the cap: without this one a collector, or anyone its fleet quorum trusts, could make the SDK
   * hold any number.
   */
  readonly maxOverrides?: number;
  /** Whether the target already has a breaker for `dependency`: its signals apply at the cap. */
  has?(dependency: string): boolean;
}

/** What {@link OverrideTable.apply} did with a signal. */
export type ApplyResult = 'applied' | 'cleared' | 'stale' | 'over_limit';

interface Entry {
  override: BreakerOverride;
  ttlMs: number;
  timer: TimerHandle;
}

/** Newest signal seen per dependency, remembered while its effect lasts (ordering guard). */
interface Seen {
  position: SignalPosition | undefined;
  /** Monotonic time. */
  until: number;
}

const MAX_SEEN = 10_000;

/**
 * Cap of a target that states none: the instrumentation's default `limits.maxDependencies`
 * (`DEFAULT_MAX_DEPENDENCIES`, not imported: the control client stays free of the instrumentation).
 */
export const DEFAULT_MAX_OVERRIDES = 400;

/**
 * The fleet overrides in force, each with its own expiry timer. Expiry is local receipt time
 * plus the signal's TTL, on the SDK's monotonic clock: neither the collector's clock nor a step
 * of the local wall clock can extend or shorten it, and with no collector every override lapses
 * at its TTL (fail open).
 */
export class OverrideTable {
  private readonly target: OverrideTarget;
  private readonly clock: Clock;
  private readonly maxOverrides: number;
  private readonly onTargetError: (error: unknown, dependency: string) => void;
  private readonly onChange: (change: OverrideChange) => void;
  private readonly entries = new Map<string, Entry>();
  private readonly seen = new Map<string, Seen>();

  constructor(options: {
    target: OverrideTarget;
    clock: Clock;
    onTargetError: (error: unknown, dependency: string) => void;
    /** Told what each apply, clear and expiry did to the overrides in force (for the log). */
    onChange?: (change: OverrideChange) => void;
  }) {
    this.target = options.target;
    this.clock = options.clock;
    this.maxOverrides = options.target.maxOverrides ?? DEFAULT_MAX_OVERRIDES;
    this.onTargetError = options.onTargetError;
    this.onChange = options.onChange ?? (() => {});
  }

  get size(): number {
    return this.entries.size;
  }

  /** The most overrides held at once (see {@link OverrideTarget.maxOverrides}). */
  get limit(): number {
    return this.maxOverrides;
  }

  /** A copy of the overrides in force, by dependency. */
  snapshot(): Map<string, BreakerOverride> {
    return new Map([...this.entries].map(([dependency, e]) => [dependency, e.override]));
  }

  /**
   * Applies a validated signal, carried by the SSE event `eventId`: `open`/`half_open` set an
   * override, `closed` removes it. A signal published before the one already in effect for the
   * dependency by the same collector run is `stale` (replays and reordering must not undo a
   * newer decision; see signal-order.ts). At the cap, an `open`/`half_open` signal for a
   * dependency with neither an override nor a breaker is `over_limit`. Neither changes anything.
   */
  apply(signal: BreakerSignal, eventId?: string): ApplyResult {
    const now = this.clock.monotonic();
    const { dependency } = signal;
    const position = signalPosition(eventId);
    const seen = this.seen.get(dependency);
    if (seen !== undefined && now < seen.until && publishedBefore(position, seen.position)) return 'stale';
    if (signal.state !== 'closed' && this.full(dependency)) return 'over_limit';
    if (this.seen.size >= MAX_SEEN && seen === undefined) this.forgetSeen(now);
    this.seen.set(dependency, { position, until: now + signal.ttlMs });
    if (signal.state === 'closed') {
      this.clear(dependency, 'closed');
      return 'cleared';
    }
    const override: BreakerOverride = {
      state: signal.state,
      ...(signal.allow === undefined ? {} : { allow: signal.allow }),
      // The breaker counts the time left on its monotonic clock (see `applyOverride`).
      expiresAt: this.clock.now() + signal.ttlMs,
      source: signal.id,
    };
    const previous = this.entries.get(dependency);
    if (previous !== undefined) this.clock.clearTimeout(previous.timer);
    const timer = this.clock.setTimeout(() => this.expire(dependency, override), signal.ttlMs);
    this.entries.set(dependency, { override, ttlMs: signal.ttlMs, timer });
    this.call(dependency, () => this.target.applyOverride(dependency, override));
    this.onChange(
      previous === undefined
        ? { kind: 'applied', dependency, override, signal }
        : sameEffect(previous.override, override)
          ? { kind: 'refreshed', dependency, override, signal }
          : { kind: 'changed', dependency, override, previous: previous.override, signal },
    );
    return 'applied';
  }

  /** Removes the override for `dependency`, if any; `cause` says why, for the log. */
  clear(dependency: string, cause: LiftCause = 'closed'): void {
    const entry = this.entries.get(dependency);
    if (entry === undefined) return;
    this.clock.clearTimeout(entry.timer);
    this.entries.delete(dependency);
    this.call(dependency, () => this.target.clearOverride(dependency));
    this.onChange({ kind: 'lifted', dependency, previous: entry.override, ttlMs: entry.ttlMs, cause });
  }

  /** Removes every override whose dependency is not in `keep` (a snapshot is the whole truth). */
  retainOnly(keep: ReadonlySet<string>): void {
    for (const dependency of [...this.entries.keys()]) {
      if (!keep.has(dependency)) this.clear(dependency, 'snapshot');
    }
  }

  /** Removes every override (the client is closing). */
  clearAll(): void {
    for (const dependency of [...this.entries.keys()]) this.clear(dependency, 'shutdown');
  }

  /**
   * Makes room in the ordering guard (at its cap, on a new dependency only): drops the entries
   * whose effect is over, which guard nothing; all of them only if every one still counts.
   * Cleared at once, the entries of signals still in effect would go too, and a replay of an
   * earlier signal for one of them would undo the newer decision.
   */
  private forgetSeen(now: number): void {
    for (const [dependency, entry] of this.seen) if (now >= entry.until) this.seen.delete(dependency);
    if (this.seen.size >= MAX_SEEN) this.seen.clear();
  }

  /** Whether an override for `dependency` would take the table past its cap. */
  private full(dependency: string): boolean {
    if (this.entries.size < this.maxOverrides || this.entries.has(dependency)) return false;
    try {
      return this.target.has?.(dependency) !== true;
    } catch (error) {
      this.onTargetError(error, dependency);
      return true;
    }
  }

  private expire(dependency: string, override: BreakerOverride): void {
    const entry = this.entries.get(dependency);
    if (entry?.override !== override) return;
    this.entries.delete(dependency);
    this.call(dependency, () => this.target.clearOverride(dependency));
    this.onChange({ kind: 'lifted', dependency, previous: override, ttlMs: entry.ttlMs, cause: 'expired' });
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

/** Whether two overrides make the breaker do the same (a re-issue only moves expiry and source). */
function sameEffect(a: BreakerOverride, b: BreakerOverride): boolean {
  return a.state === b.state && a.allow === b.allow;
}
