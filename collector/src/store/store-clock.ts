import type { Clock } from '@breakwater/protocol';

/**
 * The SLO store's time: epoch milliseconds, as bucket keys are persisted and must keep their
 * meaning across a restart, but advanced by the monotonic clock within a run. Commits, window
 * snapshots and compactions all read it, so a step of the wall clock (NTP, a VM resumed) can
 * neither put counts "in the future" of the windows nor age them early; only the next run picks
 * up the corrected wall clock.
 *
 * A run starts at the wall clock's now, or at the newest bucket already stored if that is later
 * (the previous run's time was ahead, or the wall clock stepped back while the collector was
 * down): counts acknowledged before the restart then never lie ahead of the windows, which would
 * hold them in the shortest window for as long as the difference.
 */
export class StoreClock {
  private readonly clock: Clock;
  /** Store time minus monotonic time, fixed for the run. */
  private readonly offset: number;
  /** How far the run started ahead of the wall clock (0 normally). */
  readonly aheadOfWallMs: number;

  /** @param latestBucketStart `SloStore.latestBucketStart()` of the store as opened. */
  constructor(clock: Clock, latestBucketStart: number) {
    this.clock = clock;
    const wall = clock.now();
    const start = Math.max(wall, latestBucketStart);
    this.aheadOfWallMs = start - wall;
    this.offset = start - clock.monotonic();
  }

  now(): number {
    return this.offset + this.clock.monotonic();
  }
}
