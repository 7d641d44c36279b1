import type { Clock } from '@breakwater/protocol';
import type { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import type { CircuitBreakerOptions } from '../breaker/options.ts';
import type { BreakerRegistry } from '../breaker/registry.ts';
import type { Bulkhead, BulkheadOptions } from '../bulkhead/bulkhead.ts';
import type { Classifier } from '../classify/classifier.ts';
import type { FallbackPolicy } from '../fallback/fallback-policy.ts';
import type { FallbackStrategy } from '../fallback/strategies.ts';
import type { RetryOptions, RetryPolicy } from '../retry/retry-policy.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import type { TimeoutMode, TimeoutPolicy } from '../timeout/timeout-policy.ts';

/** A timeout given as milliseconds, options, or a policy instance. */
export type TimeoutInput = number | { readonly ms: number; readonly mode?: TimeoutMode } | TimeoutPolicy;

/**
 * Options of {@link Pipeline}. Each policy may be given as an instance (to share it, e.g. one
 * breaker per dependency from a registry) or as options (the pipeline builds it with its own
 * dependency, clock, classifier and listener). Leave a policy out to skip it.
 */
export interface PipelineOptions<F = never> {
  /** Dependency key (see `dependencyKey` in `@breakwater/protocol`). */
  readonly dependency: string;
  /** Deadline for the whole call, retries and back-off included. */
  readonly timeout?: TimeoutInput;
  /** Deadline for each attempt. */
  readonly attemptTimeout?: TimeoutInput;
  readonly retry?: RetryPolicy | RetryOptions;
  /** The dependency's breaker; or give `breakers` to take it from a registry. */
  readonly breaker?: CircuitBreaker | CircuitBreakerOptions;
  /** Registry to take the breaker from (`breakers.get(dependency)`) when `breaker` is absent. */
  readonly breakers?: BreakerRegistry;
  readonly bulkhead?: Bulkhead | BulkheadOptions;
  /** Outermost: replaces the final failure with a fallback result. */
  readonly fallback?: FallbackPolicy<F> | FallbackStrategy<F>;
  readonly classifier?: Classifier;
  readonly clock?: Clock;
  readonly listener?: ResilienceListener;
}
