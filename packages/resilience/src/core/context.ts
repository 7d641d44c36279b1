import type { BreakerSource, BreakerState } from '@breakwater/protocol';
import { followSignal } from './follow-signal.ts';
import type { MutableCallContext } from './mutable-context.ts';

/**
 * Per-call context, handed to the operation on every attempt.
 *
 * One object lives for the whole logical call; `attempt` advances on each retry. The
 * `AbortSignal` is created lazily: reading {@link CallContext.signal} (or a deadline firing) is
 * what materialises an `AbortController`, so calls that never look at it and never time out pay
 * nothing for cancellation support.
 *
 * Its fields are set when the call starts or kept up to date by the policies it runs through; to
 * the operation, listeners and fallbacks they are read-only.
 */
export class CallContext<TData = unknown> {
  /** Dependency key (see `dependencyKey` in `@breakwater/protocol`). */
  readonly dependency: string;
  /** 0-based attempt number; `http.request.resend_count` equals this on each attempt. */
  readonly attempt: number = 0;
  /**
   * Attempts whose operation ran, so reached (or set out for) the dependency: not those a breaker,
   * budget or bulkhead refused, nor one that ended while it waited in a bulkhead queue.
   */
  readonly sent: number = 0;
  /** Caller's data for this call (e.g. request attributes an instrumentation wants at attempt time). */
  readonly data: TData;
  /** Breaker state when the current attempt was admitted or refused. */
  readonly breakerState: BreakerState | undefined = undefined;
  /** Whether that breaker decision was `local` or `fleet`. */
  readonly breakerSource: BreakerSource | undefined = undefined;
  /** Name of the fallback that produced the result, if one did. */
  readonly fallback: string | undefined = undefined;
  /** At most this many attempts for this call (see {@link ExecuteOptions.maxAttempts}). */
  readonly maxAttempts: number = Number.POSITIVE_INFINITY;
  /** Whether its success is reported when its result has ended (see {@link ExecuteOptions.settlesLater}). */
  readonly settlesLater: boolean = false;

  /** @internal Depth of enclosing retry loops (a timeout inside one applies per attempt). */
  readonly retryDepth: number = 0;
  /**
   * @internal Wakes a pending retry sleep or bulkhead queue wait early when the call or the
   * current attempt is aborted (a sleep pending while an attempt runs is a nested retry's, inside
   * that attempt).
   */
  readonly waker: ((reason: unknown) => void) | undefined = undefined;

  private readonly parent: AbortSignal | undefined;
  private controller: AbortController | undefined = undefined;
  private exposed: AbortSignal | undefined = undefined;
  private callAborted = false;
  private callReason: unknown = undefined;
  private attemptAborted = false;
  private attemptReason: unknown = undefined;

  constructor(dependency: string, signal?: AbortSignal, data?: TData) {
    this.dependency = dependency;
    this.parent = signal;
    this.data = data as TData;
  }

  /**
   * Signal for the current attempt. Aborts when the caller's signal aborts, when the overall
   * deadline passes, or when this attempt's deadline passes. A fresh signal is handed out for the
   * next attempt after an attempt timeout.
   */
  get signal(): AbortSignal {
    let signal = this.exposed;
    if (signal === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      const parent = this.parent;
      // The caller's reason first, as when the caller aborted before a deadline passed.
      if (parent?.aborted === true) controller.abort(parent.reason);
      else if (this.callAborted) controller.abort(this.callReason);
      else if (this.attemptAborted) controller.abort(this.attemptReason);
      // Not `AbortSignal.any`: the caller's signal must not keep each call's signal (see follow-signal.ts).
      if (parent !== undefined && !controller.signal.aborted) followSignal(parent, controller);
      signal = controller.signal;
      this.exposed = signal;
    }
    return signal;
  }

  /** The caller's own signal, if any. */
  get callerSignal(): AbortSignal | undefined {
    return this.parent;
  }

  /** True once the caller's signal, the call deadline or this attempt's deadline aborted. */
  get aborted(): boolean {
    return this.callAborted || this.attemptAborted || this.parent?.aborted === true;
  }

  /** True once the whole call is over (caller cancelled or overall deadline passed): no more attempts. */
  get callOver(): boolean {
    return this.callAborted || this.parent?.aborted === true;
  }

  /** Why the call or attempt was aborted, if it was. */
  get abortReason(): unknown {
    if (this.callAborted) return this.callReason;
    if (this.parent?.aborted) return this.parent.reason;
    if (this.attemptAborted) return this.attemptReason;
    return undefined;
  }

  /**
   * Aborts the current attempt only (a per-attempt deadline), including its wait for a bulkhead
   * slot: in a `wrap()` chain the deadline may sit outside the bulkhead, and an attempt that got
   * its slot after its deadline would run the operation for nobody.
   */
  abortAttempt(reason: unknown): void {
    if (this.attemptAborted || this.callAborted) return;
    this.attemptAborted = true;
    this.attemptReason = reason;
    this.controller?.abort(reason);
    this.wake(reason);
  }

  /** Aborts the whole call, including any retry sleep or bulkhead queue wait in progress. */
  abortCall(reason: unknown): void {
    if (this.callAborted) return;
    this.callAborted = true;
    this.callReason = reason;
    this.controller?.abort(reason);
    this.wake(reason);
  }

  private wake(reason: unknown): void {
    const waker = this.waker;
    if (waker !== undefined) {
      (this as MutableCallContext<TData>).waker = undefined;
      waker(reason);
    }
  }

  /**
   * Reports that the call failed after it had already succeeded: the operation resolved (for
   * example with a stream's response headers) and the result broke later (the stream died
   * mid-way). Only a `Pipeline` records it: the breaker counts the attempt as failed instead of
   * succeeded, and a dependency-side failure takes a token from the retry budget (a call run with
   * {@link ExecuteOptions.settlesLater} also frees its bulkhead slot). Nothing is retried.
   * Recorded at most once per call, and only after the call resolved with the operation's own
   * result (not a fallback's); returns whether it was recorded.
   */
  reportLateFailure(_error: unknown): boolean {
    return false;
  }

  /**
   * Reports that the result of a call run with {@link ExecuteOptions.settlesLater} ended well
   * (the stream was read to its end or let go, the body parsed): its bulkhead slot is free, and
   * listeners count its success now. Only a `Pipeline` records it, once, for a call run with
   * `settlesLater` that resolved with the operation's own result, and only if no late failure
   * came first; returns whether it was recorded.
   */
  reportSettled(): boolean {
    return false;
  }

  /**
   * Frees the bulkhead slot a call run with {@link ExecuteOptions.settlesLater} keeps until it
   * settles, once nothing more is awaited from the dependency before then (a response body taken
   * in whole, which the app has yet to ask for). The settling, or a late failure, is still
   * reported and counted as usual. Only a `Pipeline` frees a slot, once; returns whether it did.
   */
  releaseSlot(): boolean {
    return false;
  }

  /**
   * @internal The call's deadlines are over (a pipeline's fallback runs outside them): drops
   * their aborts, so `signal` from here on follows the caller's signal only.
   */
  endDeadlines(): void {
    if (!this.callAborted && !this.attemptAborted) return;
    this.callAborted = false;
    this.callReason = undefined;
    this.attemptAborted = false;
    this.attemptReason = undefined;
    this.controller = undefined;
    this.exposed = undefined;
  }

  /** Moves to the next attempt, dropping an attempt-scoped abort. */
  nextAttempt(): void {
    (this as MutableCallContext<TData>).attempt++;
    if (this.attemptAborted) {
      this.attemptAborted = false;
      this.attemptReason = undefined;
      if (!this.callAborted) {
        this.controller = undefined;
        this.exposed = undefined;
      }
    }
  }
}

/** Options accepted by every `execute` entry point. */
export interface ExecuteOptions<TData = unknown> {
  /** Cancels the call: no further attempts, the operation's signal aborts. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Dependency key for this call, as events and errors name it; defaults to the policy's or
   * pipeline's own. A label only: the pipeline's breaker, budget and bulkhead stay its own.
   */
  readonly dependency?: string | undefined;
  /** Caller's data, exposed as `ctx.data`. */
  readonly data?: TData | undefined;
  /**
   * At most this many attempts for this call (an integer ≥ 1): a caller may ask for fewer than
   * the retry policy allows (e.g. `1`, no retries, for a call it retries itself), never more.
   */
  readonly maxAttempts?: number | undefined;
  /**
   * The result goes on after the call resolves (a stream, a body read later), so it may still
   * fail ({@link CallContext.reportLateFailure}). The call is in flight until the caller reports
   * how it ended, that or {@link CallContext.reportSettled}: it keeps its bulkhead slot until
   * then, and listeners count its success only then (a call is counted once, as a success or as
   * a failure, never as both).
   */
  readonly settlesLater?: boolean | undefined;
}

/** The function a policy protects; runs once per attempt. */
export type Operation<T, TData = unknown> = (ctx: CallContext<TData>) => Promise<T> | T;
