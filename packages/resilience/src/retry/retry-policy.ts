import type { Clock, ErrorCategory } from '@breakwater/protocol';
import { ERROR_CATEGORIES, showValue, systemClock } from '@breakwater/protocol';
import { z } from 'zod';
import type { Backoff } from '../backoff/backoff.ts';
import { ExponentialBackoff } from '../backoff/exponential.ts';
import { applyRetryAfter } from '../backoff/retry-after.ts';
import { cancelledIfAborted } from '../classify/cancelled.ts';
import type { Classification } from '../classify/classification.ts';
import type { Classifier } from '../classify/classifier.ts';
import { defaultClassifier } from '../classify/classifier.ts';
import { guardClassifier } from '../classify/guard-classifier.ts';
import type { CallContext, ExecuteOptions, Operation } from '../core/context.ts';
import { BudgetExhaustedError } from '../core/errors.ts';
import { guardBackoff, guardPredicate } from '../core/guarded-callbacks.ts';
import type { MutableCallContext } from '../core/mutable-context.ts';
import { ClockSchema, ObjectSchema, objectWithMethods, parseOptions } from '../core/options.ts';
import type { Next, Policy } from '../core/policy.ts';
import { executePolicy } from '../core/policy.ts';
import { sleepFor } from '../core/sleep.ts';
import { getDefaultListener } from '../telemetry/default-listener.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import { guardListener } from '../telemetry/safe.ts';
import type { AdaptiveAttemptsOptions } from './adaptive.ts';
import { AdaptiveAttempts } from './adaptive.ts';
import type { RetryBudget } from './budget.ts';

/** The most attempts a {@link RetryPolicy} allows (more is a configuration mistake, not resilience). */
export const MAX_RETRY_ATTEMPTS = 100;

/** Options of {@link RetryPolicy}. */
export interface RetryOptions {
  /** Attempts in total, the first included (default 3, at most {@link MAX_RETRY_ATTEMPTS}). */
  readonly maxAttempts?: number;
  /** Which failures to retry: categories, or a predicate (default: `classification.retryable`). */
  readonly retryOn?: readonly ErrorCategory[] | ((classification: Classification) => boolean);
  /** Delay between attempts (default exponential, 250 ms base, 30 s cap, full jitter). */
  readonly backoff?: Backoff;
  /** Longest Retry-After honoured, ms (default 60 000); a longer hint ends the retries (the call fails). */
  readonly maxRetryAfterMs?: number;
  /** Shared retry budget; an empty one fails the call with `BudgetExhaustedError`. */
  readonly budget?: RetryBudget;
  /** Adaptive attempts: `true` for defaults, options, or an instance to share. */
  readonly adaptive?: boolean | AdaptiveAttemptsOptions | AdaptiveAttempts;
  readonly classifier?: Classifier;
  readonly dependency?: string;
  readonly clock?: Clock;
  /** Random source for jitter (default `Math.random`). */
  readonly random?: () => number;
  readonly listener?: ResilienceListener;
}

// Checked for `canRetry` too: a budget without it would read as empty and refuse every retry.
const BudgetSchema = objectWithMethods('onFailure', 'onSuccess').refine(
  (v) => typeof (v as { canRetry?: unknown }).canRetry === 'boolean',
  { message: 'expected a RetryBudget { canRetry, onFailure(), onSuccess() }' },
);

const Schema = z.object({
  maxAttempts: z.number().int().min(1).max(MAX_RETRY_ATTEMPTS).default(3),
  // One message naming the categories: the union's own is a bare "Invalid input".
  retryOn: z
    .union(
      [
        z.array(z.enum(ERROR_CATEGORIES)),
        z.custom<(c: Classification) => boolean>((v) => typeof v === 'function'),
      ],
      {
        error: (issue) =>
          `expected error categories (${ERROR_CATEGORIES.join(', ')}) or a predicate (got ${showValue(issue.input)})`,
      },
    )
    .optional(),
  backoff: objectWithMethods('delay').optional(),
  maxRetryAfterMs: z.number().nonnegative().default(60_000),
  budget: BudgetSchema.optional(),
  adaptive: z.union([z.boolean(), ObjectSchema]).default(false),
  classifier: objectWithMethods('classify').optional(),
  dependency: z.string().default('unknown'),
  clock: ClockSchema.default(systemClock),
  random: z.custom<() => number>((v) => typeof v === 'function').optional(),
  listener: ObjectSchema.optional(),
});

const isRetryable = (c: Classification): boolean => c.retryable;

/** Immutable, so one serves every policy that has no back-off of its own. */
const DEFAULT_BACKOFF: Backoff = new ExponentialBackoff();

/**
 * Retries failed attempts with back-off, honouring Retry-After, a shared {@link RetryBudget} and
 * optionally {@link AdaptiveAttempts}. Back-off sleeps end early when the call is aborted.
 */
export class RetryPolicy implements Policy {
  readonly maxAttempts: number;
  readonly budget: RetryBudget | undefined;
  readonly adaptive: AdaptiveAttempts | undefined;
  readonly dependency: string;
  readonly classifier: Classifier;
  readonly clock: Clock;
  private readonly retryOn: (c: Classification) => boolean;
  private readonly backoff: Backoff;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;
  private readonly listener: ResilienceListener;

  constructor(options: RetryOptions = {}) {
    const o = parseOptions(Schema, options, 'RetryPolicy');
    this.maxAttempts = o.maxAttempts;
    this.budget = o.budget as RetryBudget | undefined;
    this.adaptive =
      o.adaptive === false
        ? undefined
        : o.adaptive instanceof AdaptiveAttempts
          ? o.adaptive
          : new AdaptiveAttempts(o.adaptive === true ? {} : (o.adaptive as AdaptiveAttemptsOptions));
    this.dependency = o.dependency;
    this.classifier =
      o.classifier === undefined ? defaultClassifier : guardClassifier(o.classifier as Classifier);
    this.clock = o.clock;
    const retryOn = o.retryOn;
    if (retryOn === undefined) this.retryOn = isRetryable;
    else if (typeof retryOn === 'function')
      this.retryOn = guardPredicate(
        retryOn,
        isRetryable,
        'Breakwater retry retryOn threw; the built-in rule (classification.retryable) decided',
      );
    else {
      const set = new Set<string>(retryOn);
      this.retryOn = (c) => set.has(c.category);
    }
    this.backoff =
      o.backoff === undefined
        ? DEFAULT_BACKOFF
        : guardBackoff(
            o.backoff as Backoff,
            DEFAULT_BACKOFF,
            'Breakwater retry backoff failed; the default back-off was used',
          );
    this.maxRetryAfterMs = o.maxRetryAfterMs;
    this.random = o.random ?? Math.random;
    this.listener = guardListener((o.listener as ResilienceListener | undefined) ?? getDefaultListener());
  }

  /** Attempts allowed right now (fewer than `maxAttempts` while adaptive retry has reduced them). */
  get attempts(): number {
    return this.adaptive === undefined ? this.maxAttempts : this.adaptive.attempts(this.maxAttempts);
  }

  /** Records a successful attempt (refills the budget). */
  onAttemptSuccess(): void {
    this.budget?.onSuccess();
  }

  /** Records the end of a logical call (drives adaptive attempts). */
  onCallEnd(success: boolean): void {
    const adaptive = this.adaptive;
    if (adaptive === undefined) return;
    if (success) adaptive.onCallSuccess();
    else adaptive.onCallFailure(this.maxAttempts);
  }

  /**
   * Records a call that failed for good, its last attempt classified `classification`. Only a
   * failure at the dependency (source `dependency`) counts against it for adaptive retry: a
   * caller's cancellation or a bad request says nothing about the dependency's health.
   */
  onCallFailure(classification: Classification): void {
    if (classification.source === 'dependency') this.onCallEnd(false);
  }

  /**
   * After attempt `ctx.attempt` failed with `classification`: the delay before the next attempt,
   * or -1 to give up. Drains the budget for dependency-side failures, and throws
   * {@link BudgetExhaustedError} (cause: `error`) when a retry is due but the budget is empty.
   */
  nextDelay(
    ctx: CallContext,
    classification: Classification,
    error: unknown,
    previousDelayMs: number,
  ): number {
    const budget = this.budget;
    if (budget !== undefined && classification.source === 'dependency') budget.onFailure();
    if (ctx.callOver || !this.retryOn(classification)) return -1;
    if (ctx.attempt + 1 >= this.attempts || ctx.attempt + 1 >= ctx.maxAttempts) return -1;
    if (budget !== undefined && !budget.canRetry) {
      const refusal = new BudgetExhaustedError(ctx.dependency, error);
      this.listener.onRejected?.(ctx, refusal);
      throw refusal;
    }
    const delay = this.backoff.delay(ctx.attempt, previousDelayMs, this.random);
    return applyRetryAfter(delay, classification.retryAfterMs, this.maxRetryAfterMs);
  }

  /** Waits `delayMs` on the policy's clock, ending early (rejecting) if the call is aborted. */
  sleep(delayMs: number, ctx: CallContext): Promise<void> {
    return sleepFor(this.clock, delayMs, ctx);
  }

  /** Policy: runs `next` once per attempt until it succeeds or retrying stops. */
  async run<T>(ctx: CallContext, next: Next<T>): Promise<T> {
    (ctx as MutableCallContext).retryDepth++;
    let previous = 0;
    try {
      for (;;) {
        try {
          const value = await next.run(ctx);
          this.onAttemptSuccess();
          this.onCallEnd(true);
          return value;
        } catch (error) {
          const classification = cancelledIfAborted(this.classifier.classify(error, ctx), ctx);
          this.listener.onAttemptFailure?.(ctx, classification);
          let delay: number;
          try {
            delay = this.nextDelay(ctx, classification, error, previous);
          } catch (refusal) {
            this.onCallFailure(classification);
            throw refusal;
          }
          if (delay < 0) {
            this.onCallFailure(classification);
            throw error;
          }
          this.listener.onRetry?.(ctx, classification, delay);
          await this.sleep(delay, ctx);
          previous = delay;
          ctx.nextAttempt();
        }
      }
    } finally {
      (ctx as MutableCallContext).retryDepth--;
    }
  }

  /** Runs `fn` with retries alone. */
  execute<T, TData = unknown>(fn: Operation<T, TData>, options?: ExecuteOptions<TData>): Promise<T> {
    return executePolicy(this, fn, options, this.dependency);
  }
}
