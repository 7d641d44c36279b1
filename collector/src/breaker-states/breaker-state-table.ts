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
  /** Entries not refreshed for this long are dropped (an instance that went away). */
  ttlMs: number;
  /** Hard cap on entries; the least recently updated go first. */
  maxEntries: number;
}

/**
 * Latest breaker state per (service, instance, dependency), as SDKs report it on the
 * `breakwater.circuit_breaker.state` gauge. Bounded by a TTL and an entry cap, so a churning
 * fleet cannot grow it without limit.
 */
export class BreakerStateTable {
  private readonly options: BreakerStateTableOptions;
  /** Insertion order = update order (entries are re-inserted on update). */
  private readonly entries = new Map<string, FleetBreakerState>();

  constructor(options: BreakerStateTableOptions) {
    this.options = options;
  }

  record(points: readonly BreakerStatePoint[]): void {
    const now = this.options.clock.now();
    for (const point of points) {
      const key = `${point.service}\u0000${point.instanceId ?? ''}\u0000${point.dependency}`;
      const existing = this.entries.get(key);
      // A point from the future (an SDK clock ahead, a glitch) counts as sent when it arrived:
      // kept as is, it would make every later point look old until the entry expired.
      const timeMs = Math.min(point.timeMs, now);
      // Out-of-order export batches must not roll a newer state back.
      if (existing !== undefined && existing.timeMs > timeMs && timeMs !== 0) continue;
      this.entries.delete(key);
      this.entries.set(key, {
        service: point.service,
        instanceId: point.instanceId,
        dependency: point.dependency,
        state: point.state,
        timeMs,
        receivedAtMs: now,
      });
    }
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Current entries (expired ones removed), sorted by service, dependency, instance. */
  snapshot(): FleetBreakerState[] {
    this.expire();
    return [...this.entries.values()].sort(
      (a, b) =>
        a.service.localeCompare(b.service) ||
        a.dependency.localeCompare(b.dependency) ||
        (a.instanceId ?? '').localeCompare(b.instanceId ?? ''),
    );
  }

  private expire(): void {
    const cutoff = this.options.clock.now() - this.options.ttlMs;
    for (const [key, entry] of this.entries) {
      if (entry.receivedAtMs >= cutoff) break; // update order: the rest are newer
      this.entries.delete(key);
    }
  }
}
