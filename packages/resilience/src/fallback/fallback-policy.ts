import { z } from 'zod';
import { cancelledIfAborted } from '../classify/cancelled.ts';
import type { Classification } from '../classify/classification.ts';
import type { Classifier } from '../classify/classifier.ts';
import { defaultClassifier } from '../classify/classifier.ts';
import { guardClassifier } from '../classify/guard-classifier.ts';
import type { CallContext, ExecuteOptions, Operation } from '../core/context.ts';
import { guardPredicate } from '../core/guarded-callbacks.ts';
import type { MutableCallContext } from '../core/mutable-context.ts';
import { ObjectSchema, objectWithMethods, parseOptions } from '../core/options.ts';
import {
  type AnsweringPolicy,
  type answersWith,
  executePolicy,
  type Next,
  type Policy,
} from '../core/policy.ts';
import { getDefaultListener } from '../telemetry/default-listener.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import { guardListener, warnOnce } from '../telemetry/safe.ts';
import type { FallbackStrategy } from './strategies.ts';
import { NO_FALLBACK } from './strategies.ts';

/** Options of {@link FallbackPolicy}. */
export interface FallbackOptions<F> {
  readonly strategy: FallbackStrategy<F>;
  /** Which failures the fallback covers (default: all but `cancelled`). */
  readonly handle?: (classification: Classification) => boolean;
  readonly classifier?: Classifier;
  readonly dependency?: string;
  readonly listener?: ResilienceListener;
}

// A misspelt `handle` would leave the fallback covering every failure: unknown keys are refused.
const Schema = z.object({
  strategy: objectWithMethods('resolve'),
  handle: z.custom<(c: Classification) => boolean>((v) => typeof v === 'function').optional(),
  classifier: objectWithMethods('classify').optional(),
  dependency: z.string().default('unknown'),
  listener: ObjectSchema.optional(),
});

const notCancelled = (c: Classification): boolean => c.category !== 'cancelled';

const reportObserverError = warnOnce('Breakwater fallback strategy onSuccess threw');

/**
 * Replaces a failure with a fallback result. The outermost policy: it sees the final error after
 * retries, breaker refusals and deadlines. Sets `ctx.fallback` to the strategy that answered.
 */
export class FallbackPolicy<F> implements AnsweringPolicy<F> {
  declare readonly [answersWith]: F;
  readonly strategy: FallbackStrategy<F>;
  readonly dependency: string;
  private readonly handles: (c: Classification) => boolean;
  private readonly classifier: Classifier;
  private readonly listener: ResilienceListener;

  constructor(options: FallbackOptions<F>) {
    const o = parseOptions(Schema, options, 'FallbackPolicy');
    this.strategy = o.strategy as FallbackStrategy<F>;
    const handle = o.handle as ((c: Classification) => boolean) | undefined;
    // Thrown out of `recover`, a bug in `handle` would fail the call with its own error (or, in a
    // pipeline, leave the fallback out without a word): the built-in rule decides instead.
    this.handles =
      handle === undefined
        ? notCancelled
        : guardPredicate(
            handle,
            notCancelled,
            'Breakwater fallback handle threw; the built-in rule (all but cancelled) decided',
          );
    this.classifier =
      o.classifier === undefined ? defaultClassifier : guardClassifier(o.classifier as Classifier);
    this.dependency = o.dependency;
    this.listener = guardListener((o.listener as ResilienceListener | undefined) ?? getDefaultListener());
  }

  /** Whether a success needs to be shown to the strategy (only caching strategies care). */
  get observesSuccess(): boolean {
    return this.strategy.onSuccess !== undefined;
  }

  /**
   * Passes a successful result to the strategy. The call has succeeded: a strategy that throws
   * while remembering it (a cache `key()` that cannot read this call) is reported once and must
   * not turn the success into a failure.
   */
  onSuccess(ctx: CallContext, value: unknown): void {
    try {
      this.strategy.onSuccess?.(ctx, value);
    } catch (error) {
      reportObserverError(error);
    }
  }

  /**
   * The fallback result for a failed call, or a rejection with the original `error` when the
   * failure is not handled or the strategy has nothing.
   */
  async recover(ctx: CallContext, error: unknown, classification?: Classification): Promise<F> {
    // A caller's abort is cancellation whatever its reason, and the fallback never covers it.
    const c = cancelledIfAborted(classification ?? this.classifier.classify(error, ctx), ctx);
    if (!this.handles(c)) throw error;
    (ctx as MutableCallContext).fallback = this.strategy.name;
    let value: F | typeof NO_FALLBACK;
    try {
      value = await this.strategy.resolve(ctx, error, c);
    } catch (strategyError) {
      // No fallback produced the result: the call's record must not name one.
      (ctx as MutableCallContext).fallback = undefined;
      throw strategyError;
    }
    if (value === NO_FALLBACK) {
      (ctx as MutableCallContext).fallback = undefined;
      throw error;
    }
    this.listener.onFallback?.(ctx, ctx.fallback ?? this.strategy.name, c);
    return value;
  }

  /** Policy: runs `next`, recovering failures. */
  async run<T>(ctx: CallContext, next: Next<T>): Promise<T | F> {
    try {
      const value = await next.run(ctx);
      this.onSuccess(ctx, value);
      return value;
    } catch (error) {
      return this.recover(ctx, error);
    }
  }

  /** Runs `fn` with this fallback alone. */
  execute<T, TData = unknown>(fn: Operation<T, TData>, options?: ExecuteOptions<TData>): Promise<T | F> {
    return executePolicy<T | F, TData>(this as Policy, fn, options, this.dependency);
  }
}
