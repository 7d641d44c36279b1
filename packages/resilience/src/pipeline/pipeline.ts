import type { Clock } from '@breakwater/protocol';
import { checkFor, isObject, showValue, systemClock } from '@breakwater/protocol';
import { breakerStamp, CircuitBreaker } from '../breaker/circuit-breaker.ts';
import type { BreakerPermit } from '../breaker/permit.ts';
import { Bulkhead } from '../bulkhead/bulkhead.ts';
import { cancelledIfAborted } from '../classify/cancelled.ts';
import type { Classification } from '../classify/classification.ts';
import { Classifier, defaultClassifier } from '../classify/classifier.ts';
import { guardClassifier } from '../classify/guard-classifier.ts';
import { attemptLimit } from '../core/attempt-limit.ts';
import type { ExecuteOptions, Operation } from '../core/context.ts';
import { CallContext } from '../core/context.ts';
import { ResilienceError } from '../core/errors.ts';
import type { MutableCallContext } from '../core/mutable-context.ts';
import { objectWithMethods, unknownOptions } from '../core/options.ts';
import { FallbackPolicy } from '../fallback/fallback-policy.ts';
import { RetryPolicy } from '../retry/retry-policy.ts';
import { getDefaultListener } from '../telemetry/default-listener.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import { guardListener } from '../telemetry/safe.ts';
import type { Deadline } from '../timeout/deadline-queue.ts';
import { TimeoutPolicy } from '../timeout/timeout-policy.ts';
import type { PipelineOptions, TimeoutInput } from './options.ts';

/**
 * The resilience pipeline for one dependency, in this fixed order (outermost first):
 *
 *   fallback ∘ timeout(call) ∘ retry(+budget) ∘ breaker ∘ bulkhead ∘ timeout(attempt) ∘ operation
 *
 * `execute(fn)` runs `fn(ctx)` once per attempt with the per-call {@link CallContext}, so an
 * instrumentation can open one CLIENT span per attempt inside `fn`.
 *
 * The whole composition runs in ONE async frame: policies contribute synchronous hooks (admit,
 * record, acquire, release, begin/end deadline) and only the operation itself, a queued bulkhead
 * wait and a retry back-off are awaited. On the success path nothing allocates beyond the
 * context and (with a timeout) one deadline node.
 */
export class Pipeline<F = never, TData = unknown> {
  readonly dependency: string;
  readonly timeout: TimeoutPolicy | undefined;
  readonly attemptTimeout: TimeoutPolicy | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly bulkhead: Bulkhead | undefined;
  readonly fallback: FallbackPolicy<F> | undefined;
  readonly classifier: Classifier;
  private readonly clock: Clock;
  private readonly listener: ResilienceListener;
  private readonly observeSuccess: boolean;

  constructor(options: PipelineOptions<F>) {
    if (typeof options?.dependency !== 'string' || options.dependency === '') {
      throw new TypeError('Pipeline: invalid options: dependency must be a non-empty string');
    }
    checkPipelineOptions(options);
    const dependency = options.dependency;
    this.dependency = dependency;
    this.clock = options.clock ?? systemClock;
    // The default classifier reads an HTTP-date Retry-After on the system clock: with a clock of
    // its own, the pipeline classifies on that one.
    this.classifier =
      options.classifier === undefined
        ? options.clock === undefined
          ? defaultClassifier
          : new Classifier({ clock: options.clock })
        : guardClassifier(options.classifier);
    const listener = options.listener ?? getDefaultListener();
    this.listener = guardListener(listener);
    const shared = { dependency, clock: this.clock, listener };
    this.timeout = toTimeout(options.timeout, shared);
    this.attemptTimeout = toTimeout(options.attemptTimeout, shared);
    this.retry =
      options.retry === undefined
        ? undefined
        : options.retry instanceof RetryPolicy
          ? options.retry
          : new RetryPolicy({ ...shared, classifier: this.classifier, ...options.retry });
    this.breaker =
      options.breaker instanceof CircuitBreaker
        ? options.breaker
        : options.breaker !== undefined
          ? new CircuitBreaker({ ...shared, classifier: this.classifier, ...options.breaker })
          : options.breakers?.get(dependency);
    this.bulkhead =
      options.bulkhead === undefined
        ? undefined
        : options.bulkhead instanceof Bulkhead
          ? options.bulkhead
          : new Bulkhead({ ...shared, ...options.bulkhead });
    this.fallback =
      options.fallback === undefined
        ? undefined
        : options.fallback instanceof FallbackPolicy
          ? options.fallback
          : new FallbackPolicy({
              strategy: options.fallback,
              dependency,
              listener,
              classifier: this.classifier,
            });
    this.observeSuccess = this.fallback?.observesSuccess ?? false;
  }

  /**
   * Runs `fn` through the pipeline. Resolves with its result (or a fallback's); rejects with the
   * final error: the operation's own, or a {@link ResilienceError} when a policy refused or a
   * deadline passed.
   */
  async execute<T>(fn: Operation<T, TData>, options?: ExecuteOptions<TData>): Promise<T | F> {
    const ctx = new PipelineContext<TData>(
      this,
      options?.dependency ?? this.dependency,
      options?.signal,
      options?.data,
    );
    const maxAttempts = options?.maxAttempts;
    if (maxAttempts !== undefined)
      (ctx as MutableCallContext<TData>).maxAttempts = attemptLimit(maxAttempts, 'Pipeline.execute');
    if (options?.settlesLater === true) (ctx as MutableCallContext<TData>).settlesLater = true;
    if (this.timeout !== undefined) ctx.callDeadline = this.timeout.begin(ctx, 'call');
    // Fast path: one await, three live locals. Everything after a failure is in `recover`.
    let value: T;
    try {
      value = await this.attempt(ctx, fn);
    } catch (error) {
      return this.recover(ctx, fn, error);
    }
    const late = this.lateError(ctx);
    if (late !== undefined) return this.recover(ctx, fn, late);
    this.succeeded(ctx, value);
    return value;
  }

  /** Admission and the operation call for one attempt; the returned promise settles with it. */
  private attempt<T>(ctx: PipelineContext<TData>, fn: Operation<T, TData>): Promise<T> | T {
    if (ctx.callOver) throw ctx.abortReason;
    const { breaker, bulkhead } = this;
    if (breaker !== undefined) {
      ctx.admittedAt = breakerStamp();
      ctx.permit = breaker.admit(ctx);
    }
    if (bulkhead !== undefined) {
      if (!bulkhead.tryAcquire()) return this.queuedAttempt(ctx, fn, bulkhead);
      ctx.acquired = true;
    }
    return this.call(ctx, fn);
  }

  /**
   * An attempt that waits for a bulkhead slot. The call deadline and the caller's signal end the
   * wait (the bulkhead listens to both), and a call that ended just as the slot was handed over
   * gives it back instead of starting the operation. Either way the attempt is `unsent`.
   */
  private async queuedAttempt<T>(
    ctx: PipelineContext<TData>,
    fn: Operation<T, TData>,
    bulkhead: Bulkhead,
  ): Promise<T> {
    try {
      await bulkhead.acquire(ctx);
    } catch (error) {
      this.unadmit(ctx);
      // A full queue or a queue timeout is the bulkhead's own refusal, not the call's end.
      if (ctx.callOver) ctx.unsent = true;
      throw error;
    }
    ctx.acquired = true;
    if (ctx.callOver) {
      this.unadmit(ctx);
      ctx.unsent = true;
      throw ctx.abortReason;
    }
    if (ctx.permit !== undefined) {
      // The breaker may have opened during the wait: a call it admitted before must not be sent
      // to the dependency it now shields.
      try {
        // Sent only now: the breaker's news from the wait is not this call's.
        ctx.admittedAt = breakerStamp();
        ctx.permit = this.breaker!.readmit(ctx.permit, ctx);
      } catch (error) {
        ctx.permit = undefined;
        ctx.unsent = true;
        throw error;
      }
      // The wait was local queueing: the slow-call clock starts with the operation.
      this.breaker!.onStart(ctx.permit);
    }
    return this.call(ctx, fn);
  }

  /**
   * The attempt never reached the dependency: give the breaker permit back (a half-open probe
   * slot included) rather than count its outcome against the dependency's health.
   */
  private unadmit(ctx: PipelineContext<TData>): void {
    const permit = ctx.permit;
    if (permit === undefined) return;
    ctx.permit = undefined;
    this.breaker!.release(permit);
  }

  private call<T>(ctx: PipelineContext<TData>, fn: Operation<T, TData>): Promise<T> | T {
    const { timeout, attemptTimeout } = this;
    let attemptDeadline: Deadline | undefined;
    if (attemptTimeout !== undefined)
      ctx.attemptDeadline = attemptDeadline = attemptTimeout.begin(ctx, 'attempt');
    (ctx as MutableCallContext<TData>).sent++;
    let pending = fn(ctx);
    const aggressiveAttempt = attemptDeadline !== undefined && attemptTimeout!.mode === 'aggressive';
    const callDeadline = ctx.callDeadline;
    const aggressiveCall = callDeadline !== undefined && timeout!.mode === 'aggressive';
    if (aggressiveAttempt || aggressiveCall) {
      // Kept so that a deadline that abandons the operation can still hold its bulkhead slot.
      pending = ctx.running = Promise.resolve(pending);
      if (aggressiveAttempt) pending = attemptTimeout!.race(pending, attemptDeadline!);
      if (aggressiveCall) pending = timeout!.race(pending, callDeadline!);
    }
    return pending;
  }

  /** A result that arrived after a cooperative deadline passed is still a timeout. */
  private lateError(ctx: PipelineContext<TData>): unknown {
    if (ctx.attemptDeadline?.expired) return ctx.attemptDeadline.error;
    if (ctx.callDeadline?.expired) return ctx.callDeadline.error;
    return undefined;
  }

  /** Success bookkeeping, synchronous. */
  private succeeded(ctx: PipelineContext<TData>, value: unknown): void {
    ctx.lateFailure = LATE_ALLOWED;
    const attemptDeadline = ctx.attemptDeadline;
    if (attemptDeadline !== undefined) this.attemptTimeout!.end(attemptDeadline, 'attempt');
    const callDeadline = ctx.callDeadline;
    if (callDeadline !== undefined) this.timeout!.end(callDeadline, 'call');
    // A result that goes on (a stream) keeps its slot until it ends (`freeSlot`), so
    // `maxConcurrent` bounds the streams open at once, not only the waits for their headers.
    if (!ctx.settlesLater) this.freeSlot(ctx);
    const permit = ctx.permit;
    if (permit !== undefined) ctx.succeededIn = this.breaker!.onSuccess(permit, ctx.admittedAt);
    const retry = this.retry;
    if (retry !== undefined) {
      retry.onAttemptSuccess();
      retry.onCallEnd(true);
    }
    if (this.observeSuccess) this.fallback!.onSuccess(ctx, value);
    this.listener.onCallEnd?.(ctx, 'success', undefined);
  }

  /**
   * Failure bookkeeping for the attempt that just ended: releases what it held, records the
   * outcome, and returns the error to report with its classification.
   */
  private attemptFailed(
    ctx: PipelineContext<TData>,
    caught: unknown,
  ): { error: unknown; classification: Classification } {
    let error = caught;
    let expired = false;
    const attemptDeadline = ctx.attemptDeadline;
    if (attemptDeadline !== undefined) {
      ctx.attemptDeadline = undefined;
      this.attemptTimeout!.end(attemptDeadline, 'attempt');
      if (attemptDeadline.expired) {
        error = attemptDeadline.error;
        expired = true;
      }
    }
    if (ctx.callDeadline?.expired) {
      error = ctx.callDeadline.error;
      expired = true;
    }
    const running = ctx.running;
    ctx.running = undefined;
    if (ctx.acquired) {
      ctx.acquired = false;
      if (expired && running !== undefined) this.releaseWhenSettled(running);
      else this.bulkhead!.release();
    }
    const classification = this.classify(error, ctx);
    const permit = ctx.permit;
    if (permit !== undefined) {
      ctx.permit = undefined;
      this.breaker!.onFailure(permit, classification, ctx.admittedAt);
    }
    this.listener.onAttemptFailure?.(ctx, classification);
    return { error, classification };
  }

  /**
   * An aggressive deadline abandoned the operation, which may still be running: its bulkhead slot
   * stays taken until it settles, so abandoned work (a hung tool) cannot pile up beyond
   * `maxConcurrent`. A retry queues for a slot like any other attempt.
   */
  private releaseWhenSettled(running: Promise<unknown>): void {
    const bulkhead = this.bulkhead!;
    const release = (): void => bulkhead.release();
    running.then(release, release);
  }

  /** Slow path: retries after a failed attempt, then fallback; owns the call deadline from here. */
  private async recover<T>(
    ctx: PipelineContext<TData>,
    fn: Operation<T, TData>,
    caught: unknown,
  ): Promise<T | F> {
    const { retry, timeout, listener } = this;
    const callDeadline = ctx.callDeadline;
    let failure = this.attemptFailed(ctx, caught);
    // Adaptive retry hears of the call's end only for a failure at the dependency: the last sent
    // attempt's, not a budget refusal that replaced it (see `RetryPolicy.onCallFailure`), nor an
    // attempt that never left the bulkhead queue (local congestion says nothing of the dependency).
    let sentFailure = ctx.unsent ? undefined : failure.classification;
    let previousDelay = 0;
    try {
      for (;;) {
        let delay = -1;
        // An unsent attempt tells the budget nothing about the dependency, and the call is over.
        if (retry !== undefined && !ctx.unsent) {
          try {
            delay = retry.nextDelay(ctx, failure.classification, failure.error, previousDelay);
          } catch (refusal) {
            failure = { error: refusal, classification: this.classify(refusal, ctx) };
          }
          // Do not sleep past the call deadline: fail now with the real error instead. The time
          // left is a lower bound, so a back-off that may not finish in time is not attempted.
          if (delay >= 0 && callDeadline !== undefined && delay >= timeout!.remainingMs(callDeadline, 'call'))
            delay = -1;
        }
        if (delay < 0) {
          if (sentFailure !== undefined) retry?.onCallFailure(sentFailure);
          return await this.finalFailure(ctx, failure.error, failure.classification);
        }
        listener.onRetry?.(ctx, failure.classification, delay);
        try {
          await retry!.sleep(delay, ctx);
        } catch (aborted) {
          const classification = this.classify(aborted, ctx);
          retry!.onCallFailure(classification);
          return await this.finalFailure(ctx, aborted, classification);
        }
        previousDelay = delay;
        ctx.nextAttempt();
        let value: T;
        try {
          value = await this.attempt(ctx, fn);
        } catch (error) {
          failure = this.attemptFailed(ctx, error);
          if (!ctx.unsent) sentFailure = failure.classification;
          continue;
        }
        const late = this.lateError(ctx);
        if (late !== undefined) {
          failure = this.attemptFailed(ctx, late);
          sentFailure = failure.classification;
          continue;
        }
        this.succeeded(ctx, value);
        return value;
      }
    } finally {
      // A fallback has already ended the deadline (and cleared it) before it ran.
      const deadline = ctx.callDeadline;
      if (deadline !== undefined) timeout!.end(deadline, 'call');
    }
  }

  /** The call failed for good: fallback if one applies, otherwise the error. */
  private async finalFailure(
    ctx: PipelineContext<TData>,
    error: unknown,
    classification: Classification,
  ): Promise<F> {
    const fallback = this.fallback;
    if (fallback !== undefined) {
      // The fallback is outside the call timeout: end the call deadline first, and let the
      // fallback's signal follow only the caller's own (not a deadline that has already ended).
      const callDeadline = ctx.callDeadline;
      if (callDeadline !== undefined) {
        ctx.callDeadline = undefined;
        this.timeout!.end(callDeadline, 'call');
      }
      ctx.endDeadlines();
      let recovered: F;
      try {
        recovered = await fallback.recover(ctx, error, classification);
      } catch {
        this.listener.onCallEnd?.(ctx, outcomeOf(classification), classification);
        throw error;
      }
      this.listener.onCallEnd?.(ctx, 'fallback', classification);
      return recovered;
    }
    this.listener.onCallEnd?.(ctx, outcomeOf(classification), classification);
    throw error;
  }

  /**
   * A call that succeeded failed afterwards (see `CallContext.reportLateFailure`): the breaker
   * counts it as failed, a dependency-side failure drains the retry budget. Once per call.
   * @internal
   */
  recordLateFailure(ctx: PipelineContext<TData>, error: unknown): boolean {
    if (ctx.lateFailure !== LATE_ALLOWED) return false;
    ctx.lateFailure = LATE_RECORDED;
    this.freeSlot(ctx);
    const classification = this.classify(error, ctx);
    // The permit tells the breaker whether this call was a half-open probe.
    this.breaker?.onLateFailure(classification, ctx.permit, ctx.succeededIn);
    if (classification.source === 'dependency') this.retry?.budget?.onFailure();
    this.listener.onLateFailure?.(ctx, classification);
    return true;
  }

  /**
   * The result of a call that succeeded ended well (see `CallContext.reportSettled`); after it, a
   * late failure is no longer recorded. Once per call.
   * @internal
   */
  recordSettled(ctx: PipelineContext<TData>): boolean {
    if (!ctx.settlesLater || ctx.lateFailure !== LATE_ALLOWED) return false;
    ctx.lateFailure = LATE_RECORDED;
    this.freeSlot(ctx);
    this.listener.onCallSettled?.(ctx);
    return true;
  }

  /**
   * A `settlesLater` call that succeeded needs nothing more of the dependency (see
   * `CallContext.releaseSlot`): the bulkhead slot it kept is free before it settles.
   * @internal
   */
  releaseSlot(ctx: PipelineContext<TData>): boolean {
    return ctx.lateFailure === LATE_ALLOWED && this.freeSlot(ctx);
  }

  /** The call's bulkhead slot is free (once): at its success, or when a `settlesLater` result ended. */
  private freeSlot(ctx: PipelineContext<TData>): boolean {
    if (!ctx.acquired) return false;
    ctx.acquired = false;
    this.bulkhead!.release();
    return true;
  }

  private classify(error: unknown, ctx: CallContext): Classification {
    const classification = ownClassification(error) ?? this.classifier.classify(error, ctx);
    return cancelledIfAborted(classification, ctx);
  }
}

const LATE_NOT_YET = 0;
const LATE_ALLOWED = 1;
const LATE_RECORDED = 2;

/** The pipeline's per-call state beside what the operation sees. */
class PipelineContext<TData> extends CallContext<TData> {
  /** The current attempt's breaker permit; kept after a success for `recordLateFailure`. */
  permit: BreakerPermit | undefined = undefined;
  /** The breaker's generation when it recorded the success (for `recordLateFailure`). */
  succeededIn: number | undefined = undefined;
  /** {@link breakerStamp} when the current attempt was admitted (stale failures are ignored). */
  admittedAt: number | undefined = undefined;
  acquired = false;
  attemptDeadline: Deadline | undefined = undefined;
  callDeadline: Deadline | undefined = undefined;
  /**
   * The call ended (deadline or caller's signal) while its attempt waited for a bulkhead slot:
   * the operation never ran, so, as the breaker gets its permit back, the retry budget takes no
   * token for it. Set only on that path; the call makes no further attempt.
   */
  unsent = false;
  /** The current attempt's operation, kept only under an aggressive deadline (see `call`). */
  running: Promise<unknown> | undefined = undefined;
  /** Whether a late failure (or the settling) may still be recorded: once, and only after a success. */
  lateFailure = LATE_NOT_YET;
  private readonly pipeline: Pipeline<never, TData>;

  constructor(pipeline: Pipeline<unknown, TData>, dependency: string, signal?: AbortSignal, data?: TData) {
    super(dependency, signal, data);
    this.pipeline = pipeline as Pipeline<never, TData>;
  }

  override reportLateFailure(error: unknown): boolean {
    return this.pipeline.recordLateFailure(this, error);
  }

  override reportSettled(): boolean {
    return this.pipeline.recordSettled(this);
  }

  override releaseSlot(): boolean {
    return this.pipeline.releaseSlot(this);
  }
}

/**
 * Every key {@link PipelineOptions} has: any other is a misspelling, which would be ignored. (A
 * record over its keys: an option added without its key here does not compile.)
 */
const PIPELINE_KEYS: Readonly<Record<keyof PipelineOptions<unknown>, true>> = {
  dependency: true,
  timeout: true,
  attemptTimeout: true,
  retry: true,
  breaker: true,
  breakers: true,
  bulkhead: true,
  fallback: true,
  classifier: true,
  clock: true,
  listener: true,
};

/** Policies given as options must be objects (or the policy itself): `retry: 3` says nothing. */
const OBJECT_KEYS = ['retry', 'breaker', 'bulkhead', 'fallback', 'classifier', 'breakers', 'listener'];

const CLASSIFIER = objectWithMethods('classify');

/** Timeouts are milliseconds, options or a policy: a string (`'2s'`) spread as options said nothing clear. */
const TIMEOUT_KEYS = ['timeout', 'attemptTimeout'];

function checkPipelineOptions(options: object): void {
  const problems = unknownOptions(options, (key) => checkFor(PIPELINE_KEYS, key) !== undefined);
  for (const key of OBJECT_KEYS) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && (typeof value !== 'object' || value === null))
      problems.push(`✖ ${key}: expected an object, got ${value === null ? 'null' : typeof value}`);
  }
  // Called on every failure: one without `classify()` would turn each failing call into a
  // TypeError of its own. Checked as the breaker and the fallback check theirs.
  const classifier = (options as { classifier?: unknown }).classifier;
  if (typeof classifier === 'object' && classifier !== null) {
    const checked = CLASSIFIER.safeParse(classifier);
    if (!checked.success) problems.push(`✖ classifier: ${checked.error.issues[0]!.message}`);
  }
  for (const key of TIMEOUT_KEYS) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined || typeof value === 'number') continue;
    if (!isObject(value))
      problems.push(
        `✖ ${key}: expected milliseconds or timeout options { ms, mode? } (got ${showValue(value)})`,
      );
  }
  if (problems.length > 0) throw new TypeError(`Pipeline: invalid options\n${problems.join('\n')}`);
}

/**
 * A policy's own error classifies itself. `instanceof` reads the prototype, which throws for a
 * revoked Proxy: such a value is left to the classifier, which classifies what it cannot read.
 */
function ownClassification(error: unknown): Classification | undefined {
  try {
    return error instanceof ResilienceError ? error.classification : undefined;
  } catch {
    return undefined;
  }
}

function outcomeOf(c: Classification): 'rejected' | 'failure' {
  return c.source === 'policy' ? 'rejected' : 'failure';
}

function toTimeout(
  input: TimeoutInput | undefined,
  shared: { dependency: string; clock: Clock; listener: ResilienceListener },
): TimeoutPolicy | undefined {
  if (input === undefined) return undefined;
  if (input instanceof TimeoutPolicy) return input;
  return new TimeoutPolicy(typeof input === 'number' ? { ...shared, ms: input } : { ...shared, ...input });
}

/** Builds a {@link Pipeline}. */
export function pipeline<F = never, TData = unknown>(options: PipelineOptions<F>): Pipeline<F, TData> {
  return new Pipeline<F, TData>(options);
}
