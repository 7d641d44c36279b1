import type { Clock } from '@breakwater/protocol';

/**
 * Lets one log line through per interval and counts the rest: a burst that drops a thousand slow
 * subscribers at once (a stalled network segment) is one warning, then one a minute with how
 * many were held back, instead of a thousand lines.
 */
export class LogInterval {
  private readonly clock: Pick<Clock, 'monotonic'>;
  private readonly intervalMs: number;
  private lastAt = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(clock: Pick<Clock, 'monotonic'>, intervalMs: number) {
    this.clock = clock;
    this.intervalMs = intervalMs;
  }

  /** `undefined`: stay quiet (the event is counted); else log, and this many were held back since. */
  take(): number | undefined {
    const now = this.clock.monotonic();
    if (now - this.lastAt < this.intervalMs) {
      this.held++;
      return undefined;
    }
    this.lastAt = now;
    const held = this.held;
    this.held = 0;
    return held;
  }
}
