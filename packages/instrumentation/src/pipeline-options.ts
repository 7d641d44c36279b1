/**
 * Translates a {@link DependencyPolicy} into options for `@breakwater/resilience`'s `Pipeline`.
 * Pure mapping: which resilience policy each field of ours becomes, nothing else.
 */

import type { Clock } from '@breakwater/protocol';
import {
  type Bulkhead,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type Classifier,
  ExponentialBackoff,
  type FallbackStrategy,
  getDefaultListener,
  NO_FALLBACK,
  type PipelineOptions,
  type ResilienceListener,
  type RetryBudget,
} from '@breakwater/resilience';
import { type AttemptObserver, observingAttempts } from './abandoned-attempts.ts';
import type { BreakerSettings, DependencyPolicy, FallbackSettings } from './policies.ts';

/** What an instrumented call hands its pipeline as `ctx.data`. */
export interface CallData {
  /** The call's input (request body, tool arguments), given to the policy's fallback. */
  readonly input: unknown;
  /**
   * Turns the fallback's value into the operation's result (an LLM body into a response the
   * client parses). Absent: no fallback for this call (streams).
   */
  readonly adaptFallback: ((value: unknown) => unknown) | undefined;
  /**
   * The failure the fallback replaced (set as the fallback starts: from then on every attempt of
   * the call is over, which `toolSignal()` reads).
   */
  fallbackCause?: unknown;
  /** Told when the pipeline gives up on an attempt (aggressive deadlines; see abandoned-attempts.ts). */
  readonly attempts?: AttemptObserver;
}

/** How an attempt's deadline is enforced. */
export type AttemptDeadline =
  /** By the client's own per-request `timeout` (LLM clients): the pipeline adds nothing. */
  | 'client'
  /** By the pipeline, abandoning the attempt at the deadline (tools cannot be cancelled). */
  | 'pipeline';

/** The per-dependency objects a pipeline shares with other pipelines of the same dependency. */
export interface SharedPolicies {
  readonly clock: Clock;
  readonly classifier: Classifier;
  /** The dependency's breaker, if it has one (the guard decides: see its uncached pipelines). */
  readonly breaker: CircuitBreaker | undefined;
  readonly budget: RetryBudget | undefined;
  readonly bulkhead: Bulkhead | undefined;
  /** Where policy events and `breakwater.*` metrics go; the resilience default when undefined. */
  readonly listener: ResilienceListener | undefined;
}

/** Breaker options for one {@link BreakerSettings}: consecutive failures, or a failure ratio. */
export function breakerOptions(p: BreakerSettings): Omit<CircuitBreakerOptions, 'dependency' | 'parent'> {
  return {
    trip:
      p.minimumCalls <= 1
        ? { kind: 'consecutive', threshold: p.consecutiveFailures }
        : {
            kind: 'time',
            windowMs: p.windowMs,
            minimumThroughput: p.minimumCalls,
            failureRatio: p.failureRatio,
          },
    openDurationMs: p.openMs,
  };
}

/** The fallback strategy: the policy's fallback, adapted per call through {@link CallData}. */
function fallbackStrategy(dependency: string, fallback: FallbackSettings): FallbackStrategy<unknown> {
  return {
    name: fallback.name,
    async resolve(ctx, error) {
      const data = ctx.data as CallData | undefined;
      const adapt = data?.adaptFallback;
      if (adapt === undefined) return NO_FALLBACK;
      data!.fallbackCause = error;
      return adapt(await fallback.run({ error, dependency, input: data!.input }));
    },
  };
}

/** Pipeline options for `dependency` under `policy`. */
export function pipelineOptions(
  dependency: string,
  policy: DependencyPolicy,
  deadline: AttemptDeadline,
  shared: SharedPolicies,
): PipelineOptions<unknown> {
  const retry = policy.retry;
  const breaker = shared.breaker;
  return {
    dependency,
    clock: shared.clock,
    classifier: shared.classifier,
    ...(policy.timeoutMs !== false && deadline === 'pipeline'
      ? {
          attemptTimeout: { ms: policy.timeoutMs, mode: 'aggressive' as const },
          // Abandoned attempts end their spans at the deadline (see abandoned-attempts.ts).
          listener: observingAttempts(shared.listener ?? getDefaultListener()),
        }
      : shared.listener === undefined
        ? {}
        : { listener: shared.listener }),
    ...(retry === false
      ? {}
      : {
          retry: {
            maxAttempts: retry.maxAttempts,
            backoff: new ExponentialBackoff({
              initialMs: retry.baseDelayMs,
              // Rules set the two apart (`baseDelayMs: 10000` under the 8 s default cap): the
              // delay asked for wins over a cap that was never meant to undercut it.
              maxMs: Math.max(retry.maxDelayMs, retry.baseDelayMs),
              jitter: retry.jitter,
            }),
            maxRetryAfterMs: retry.maxRetryAfterMs,
            ...(shared.budget === undefined ? {} : { budget: shared.budget }),
          },
        }),
    ...(breaker === undefined ? {} : { breaker }),
    ...(shared.bulkhead === undefined ? {} : { bulkhead: shared.bulkhead }),
    ...(policy.fallback === false ? {} : { fallback: fallbackStrategy(dependency, policy.fallback) }),
  };
}
