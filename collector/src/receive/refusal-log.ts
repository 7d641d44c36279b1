import type { Clock } from '@breakwater/protocol';
import type { Logger } from '../component.ts';

/** Least time between two warnings about refused credentials. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * Warns about requests refused for their credentials (401, 403): the first at once, then at
 * most one line a minute with how many were refused meanwhile. A token rotated on the collector
 * but not on a fleet of SDKs otherwise looks like traffic stopping; one line per request would
 * flood the log.
 */
export class RefusalLog {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private lastAt = Number.NEGATIVE_INFINITY;
  private pending = 0;

  constructor(logger: Logger, clock: Clock) {
    this.logger = logger;
    this.clock = clock;
  }

  /** A request to `route` was refused with `status` for `reason` (the message it was sent). */
  refused(route: string, status: number, reason: string): void {
    this.pending++;
    const now = this.clock.monotonic();
    if (now - this.lastAt < REFUSAL_LOG_INTERVAL_MS) return;
    this.logger.warn(
      { refused: this.pending, route, status, reason },
      'refused requests for their credentials (counted in breakwater_http_responses_total; this says so at most once a minute)',
    );
    this.lastAt = now;
    this.pending = 0;
  }
}
