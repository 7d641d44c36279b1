import type { Clock, TimerHandle } from '@breakwater/protocol';
import type { Logger } from '../component.ts';

/** Least time between two warnings about refused credentials. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * Warns about requests refused for their credentials (401, 403): the first at once, then at
 * most one line a minute with how many were refused meanwhile. A token rotated on the collector
 * but not on a fleet of SDKs otherwise looks like traffic stopping; one line per request would
 * flood the log. Refusals held back are reported when their minute is over, even if no other
 * refusal comes: a burst that then stops is still counted in full.
 */
export class RefusalLog {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private lastAt = Number.NEGATIVE_INFINITY;
  private pending = 0;
  /** The most recent refusal held back: what the summary names. */
  private latest = { route: '', status: 0, reason: '' };
  private timer: TimerHandle | undefined;

  constructor(logger: Logger, clock: Clock) {
    this.logger = logger;
    this.clock = clock;
  }

  /** A request to `route` was refused with `status` for `reason` (the message it was sent). */
  refused(route: string, status: number, reason: string): void {
    this.pending++;
    this.latest = { route, status, reason };
    const now = this.clock.monotonic();
    const wait = this.lastAt + REFUSAL_LOG_INTERVAL_MS - now;
    if (wait <= 0) this.flush(now);
    else this.timer ??= this.clock.setTimeout(() => this.flush(this.clock.monotonic()), wait);
  }

  /** Logs what is held back now (the collector stops): no refusal goes untold. */
  close(): void {
    this.flush(this.clock.monotonic());
  }

  private flush(now: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === 0) return;
    this.logger.warn(
      { refused: this.pending, ...this.latest },
      'refused requests for their credentials (counted in breakwater_http_responses_total; this says so at most once a minute)',
    );
    this.lastAt = now;
    this.pending = 0;
  }
}
