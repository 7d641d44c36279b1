import type { Clock } from '@breakwater/protocol';
import { type ConnectFailure, describeFailure, isNetworkError } from './connect-failure.ts';
import { type ControlLogger, seconds } from './logger.ts';

/** How an open stream ended. */
export type StreamEnd = { how: 'ended' } | { how: 'idle'; idleMs: number } | { how: 'broke'; error: unknown };

/**
 * Tells the operator about the control stream's connection, once per thing worth knowing: a
 * failure is warned about when it starts and when its kind changes, never on every retry; the
 * connection coming back after a warning is one info line with how long it was down. A stream
 * that ends or drops and reopens at once (a proxy cutting connections, a collector deploy) stays
 * at debug: nothing changed for the application, and if reopening fails, that failure is warned.
 */
export class ConnectionLog {
  private readonly logger: ControlLogger;
  private readonly clock: Clock;
  private readonly url: string;
  private readonly hasToken: boolean;
  private everConnected = false;
  /** Monotonic time the stream went down (or the first attempt failed); undefined while up. */
  private downSince: number | undefined;
  /** The failure last warned about in this outage. */
  private warned: ConnectFailure | undefined;
  /** Whether anything was warned about since the stream was last up. */
  private incident = false;
  /** How the last stream that broke on what it sent broke: said again, it goes to debug. */
  private lastBreak: string | undefined;
  private failedAttempts = 0;

  constructor(options: { logger: ControlLogger; clock: Clock; url: URL; hasToken: boolean }) {
    this.logger = options.logger;
    this.clock = options.clock;
    // A `user:password@` a user may have put in the URL never reaches the log.
    this.url = withoutCredentials(options.url.href);
    this.hasToken = options.hasToken;
  }

  /** The stream is open. */
  connected(): void {
    const details: Record<string, unknown> = { url: this.url };
    if (!this.everConnected && this.downSince === undefined) {
      this.logger.info('breakwater control stream connected', details);
    } else {
      const downMs = this.clock.monotonic() - (this.downSince ?? this.clock.monotonic());
      Object.assign(details, { downMs, failedAttempts: this.failedAttempts });
      const verb = this.everConnected ? 'reconnected' : 'connected';
      const message = `breakwater control stream ${verb} after ${seconds(downMs)} down`;
      if (this.incident) this.logger.info(message, details);
      else this.logger.debug(message, details);
    }
    this.everConnected = true;
    this.downSince = undefined;
    this.warned = undefined;
    this.incident = false;
    this.failedAttempts = 0;
  }

  /** An open stream ended: the client reconnects. */
  lost(end: StreamEnd): void {
    this.downSince = this.clock.monotonic();
    const details = { url: this.url };
    // Any other end between two breaks makes the next break news again.
    if (end.how !== 'broke' || isNetworkError(end.error)) this.lastBreak = undefined;
    if (end.how === 'ended') {
      this.logger.debug('breakwater control stream ended by the collector, reconnecting', details);
      return;
    }
    if (end.how === 'broke' && isNetworkError(end.error)) {
      this.logger.debug('breakwater control stream dropped, reconnecting', {
        ...details,
        error: withoutCredentials(String(end.error)),
      });
      return;
    }
    if (end.how === 'broke') {
      // A stream that breaks the same way on every connection (an event too large, each time)
      // is warned about once, not once per reconnection.
      const error = withoutCredentials(String(end.error));
      if (error === this.lastBreak) {
        this.logger.debug('breakwater control stream broke again, reconnecting', { ...details, error });
        return;
      }
      this.lastBreak = error;
    }
    this.incident = true;
    if (end.how === 'idle') {
      this.logger.warn(
        `breakwater control stream idle for ${seconds(end.idleMs)} (no heartbeat), reconnecting`,
        details,
      );
    } else {
      this.logger.warn('breakwater control stream broke, reconnecting', {
        ...details,
        error: withoutCredentials(String(end.error)),
      });
    }
  }

  /** A connection attempt failed: warned about once per kind of failure, then debug. */
  attemptFailed(error: unknown): void {
    this.downSince ??= this.clock.monotonic();
    this.failedAttempts++;
    const described = describeFailure(error, this.hasToken);
    const failure = { ...described, what: withoutCredentials(described.what) };
    const details = { url: this.url, error: withoutCredentials(String(error)) };
    if (failure.kind === this.warned?.kind) {
      this.logger.debug(`breakwater control stream still cannot connect: ${failure.what}`, details);
      return;
    }
    this.warned = failure;
    this.incident = true;
    const meanwhile = failure.misconfigured
      ? 'retrying with backoff, but this needs a configuration change'
      : 'retrying with backoff';
    this.logger.warn(
      `breakwater control stream cannot connect to ${this.url}: ${failure.what}; ${meanwhile} ` +
        '(logged again only if the reason changes; local breakers decide meanwhile)',
      details,
    );
  }
}

/**
 * `text` with the `user:password@` of any URL in it removed: errors name the URL they failed on
 * (fetch refuses one with credentials, quoting it whole).
 */
export function withoutCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1');
}
