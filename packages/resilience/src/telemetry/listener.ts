import type { BreakerSource, BreakerState, CallOutcome, ErrorCategory } from '@breakwater/protocol';
import type { Classification } from '../classify/classification.ts';
import type { CallContext } from '../core/context.ts';
import type { ResilienceError, TimeoutError } from '../core/errors.ts';

/** A breaker changed state. */
export interface BreakerTransitionEvent {
  readonly dependency: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** `fleet` when an external override caused (or ended) the change. */
  readonly source: BreakerSource;
  /** Epoch ms on the breaker's clock. */
  readonly at: number;
}

/** An error aggregator saw `count` failures of one category inside its window. */
export interface PatternEvent {
  readonly name: string;
  readonly category: ErrorCategory;
  readonly count: number;
  readonly windowMs: number;
  /** Epoch ms on the aggregator's clock. */
  readonly at: number;
}

/** Something whose state a gauge can observe. */
export interface ObservableBreaker {
  readonly dependency: string;
  readonly state: BreakerState;
}
export interface ObservableBudget {
  readonly dependency: string;
  readonly tokens: number;
}
export interface ObservableBulkhead {
  readonly dependency: string;
  readonly inFlight: number;
  readonly queued: number;
}

/**
 * The one place policies report to (Polly's telemetry listener). Every method is optional and
 * must not throw; callers guard anyway, since telemetry must never fail a call. Methods receive
 * existing objects and primitives so the success path allocates nothing for telemetry.
 */
export interface ResilienceListener {
  /**
   * A logical call finished (reported by pipelines, once per call). A success with
   * `ctx.settlesLater` is not over yet: {@link onCallSettled} or {@link onLateFailure} follows.
   */
  onCallEnd?(ctx: CallContext, outcome: CallOutcome, classification: Classification | undefined): void;
  /** An attempt failed (before the retry decision). */
  onAttemptFailure?(ctx: CallContext, classification: Classification): void;
  /** A retry is about to wait `delayMs`. `ctx.attempt` is the attempt that failed. */
  onRetry?(ctx: CallContext, classification: Classification, delayMs: number): void;
  /** A policy refused the call (open breaker, empty budget, full bulkhead). */
  onRejected?(ctx: CallContext | undefined, error: ResilienceError): void;
  /** A deadline passed. */
  onTimeout?(ctx: CallContext, error: TimeoutError): void;
  /**
   * A call that had succeeded failed afterwards (a stream broke mid-way), reported through
   * `CallContext.reportLateFailure`; the breaker and budget have counted it as a failure.
   */
  onLateFailure?(ctx: CallContext, classification: Classification): void;
  /**
   * The result of a successful call run with `settlesLater` ended well, reported through
   * `CallContext.reportSettled` (at most one of this and {@link onLateFailure} per call).
   */
  onCallSettled?(ctx: CallContext): void;
  /** A fallback produced the result. */
  onFallback?(ctx: CallContext, name: string, classification: Classification): void;
  onBreakerTransition?(event: BreakerTransitionEvent): void;
  onPattern?(event: PatternEvent): void;
  /** Registration, so gauges can observe state without per-call work. */
  onBreakerCreated?(breaker: ObservableBreaker): void;
  onBudgetCreated?(budget: ObservableBudget): void;
  onBulkheadCreated?(bulkhead: ObservableBulkhead): void;
}

/** Reports nothing. */
export const noopListener: ResilienceListener = Object.freeze({});
