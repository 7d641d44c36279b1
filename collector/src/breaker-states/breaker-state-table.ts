import type { Clock } from '@breakwater/protocol';
import type { BreakerStatePoint } from '../component.ts';

/** The latest reported breaker state of one dependency in one SDK instance. */
export interface FleetBreakerState {
  service: string;
  instanceId: string | undefined;
  dependency: string;
  state: string;
  /** Data point time (the SDK's clock), epoch ms. */
  timeMs: number;
  /** When the collector received it (its own clock), epoch ms. */
  receivedAtMs: number;
}

export interface BreakerStateTableOptions {
  clock: Clock;
  /**
   * Entries not refreshed for this long are dropped (an instance that went away); timed on the
   * monotonic clock. Also how much older than the entry a point may be and still count as a late
   * batch: a point older than that comes from an SDK clock that stepped back, and is taken.
   */
  ttlMs: number;
  /** Hard cap on entries; the least recently updated go first. */
  maxEntries: number;
}

interface Entry {
  state: FleetBreakerState;
  /** The point's own time as sent (the SDK's clock), to order that SDK's points. */
  pointTimeMs: number;
  /** When it was received, on the monotonic clock (for the TTL). */
  receivedAt: number;
}

/**
 * Latest breaker state per (service, instance, dependency), as SDKs report it on the
 * `breakwater.circuit_breaker.state` gauge. Bounded by a TTL and an entry cap, so a churning
 * fleet cannot grow it without limit.
 */
export class BreakerStateTable {
  private readonly options: BreakerStateTableOptions;
  /** Insertion order = update order (entries are re-inserted on update). */
  private readonly entries = new Map<string, Entry>();
  private evictedCount = 0;

  constructor(options: BreakerStateTableOptions) {
    this.options = options;
  }

  record(points: readonly BreakerStatePoint[]): void {
    const now = this.options.clock.now();
    const receivedAt = this.options.clock.monotonic();
    for (const point of points) {
      const key = `${point.service}\u0000${point.instanceId ?? ''}\u0000${point.dependency}`;
      const existing = this.entries.get(key);
      // Out-of-order export batches must not roll a newer state back. Points are ordered by the
      // SDK's own clock, never against the collector's (which may step); one far older than the
      // entry is no late batch but an SDK clock stepped back (or one that was ahead), so it wins.
      const older = existing === undefined ? 0 : existing.pointTimeMs - point.timeMs;
      if (older > 0 && older < this.options.ttlMs && point.timeMs !== 0) continue;
      this.entries.delete(key);
      this.entries.set(key, {
        state: {
          service: point.service,
          instanceId: point.instanceId,
          dependency: point.dependency,
          state: point.state,
          // Shown as sent, but never later than its arrival (an SDK clock ahead, a glitch).
          timeMs: Math.min(point.timeMs, now),
          receivedAtMs: now,
        },
        pointTimeMs: point.timeMs,
        receivedAt,
      });
    }
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evictedCount++;
    }
  }

  /** Entries dropped since start because `maxEntries` were held (the least recently reported first). */
  get evicted(): number {
    return this.evictedCount;
  }

  /** Current entries (expired ones removed), sorted by service, dependency, instance. */
  snapshot(): FleetBreakerState[] {
    this.expire();
    return [...this.entries.values()]
      .map((e) => ({ ...e.state }))
      .sort(
        (a, b) =>
          a.service.localeCompare(b.service) ||
          a.dependency.localeCompare(b.dependency) ||
          (a.instanceId ?? '').localeCompare(b.instanceId ?? ''),
      );
  }

  private expire(): void {
    const cutoff = this.options.clock.monotonic() - this.options.ttlMs;
    for (const [key, entry] of this.entries) {
      if (entry.receivedAt >= cutoff) break; // update order: the rest are newer
      this.entries.delete(key);
    }
  }
}
