import type { Logger } from '../component.ts';
import type { LabeledCounter } from '../exposition/prometheus-text.ts';

/**
 * Failures to record accepted OTLP data (the SLO store refusing a commit: disk full, I/O error).
 * Each is counted; the log says when a run of them starts, with the error, and when recording
 * works again, with how many failed: a full disk would otherwise write one error with a stack per
 * export request, burying the one line that says what is wrong.
 */
export class RecordFailures {
  private readonly counter: LabeledCounter;
  private readonly logger: Logger;
  /** Failures since the last success; 0 while recording works. */
  private run = 0;

  constructor(counter: LabeledCounter, logger: Logger) {
    this.counter = counter;
    this.logger = logger;
  }

  /** A request of `signal` could not be recorded (it is answered 503, nothing acknowledged). */
  failed(signal: string, error: unknown): void {
    this.counter.add([signal]);
    if (this.run++ === 0) {
      this.logger.error(
        { signal, err: error },
        'failed to record OTLP request; refusing exports with 503 until recording works again (counted in breakwater_ingest_record_failures_total)',
      );
    } else this.logger.debug({ signal, err: (error as Error)?.message }, 'failed to record OTLP request');
  }

  /** A request was recorded. */
  succeeded(): void {
    if (this.run === 0) return;
    this.logger.info({ failed: this.run }, 'recording OTLP requests again');
    this.run = 0;
  }
}
