/**
 * The only module that touches `@breakwater/resilience`. It turns a {@link DependencyPolicy}
 * into resilience policies per dependency and runs attempts through them, in the order
 * DESIGN.md gives: timeout (per attempt) → retry (with the dependency's retry budget) → circuit
 * breaker → bulkhead → call, then the fallback when everything failed.
 */
import type { BreakerOverride, Clock } from '@breakwater/protocol';
import {
  applyRetryAfter,
  BreakerRegistry,
  BudgetExhaustedError,
  BulkheadFullError,
  CallContext,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  Classifier,
  ExponentialBackoff,
  type ResilienceListener,
  RetryBudget,
  sleepFor,
  TimeoutError,
} from '@breakwater/resilience';
import type { Meter } from '@opentelemetry/api';
import type { AttemptContext, Guard, GuardOptions, GuardResult } from './guard-types.ts';
import type { BreakerPolicy, DependencyPolicy } from './policies.ts';
import type { BreakerFacts, Classification } from './span-attributes.ts';

/** The guard plus what `@breakwater/node` needs: fleet overrides on the breaker registry. */
export interface GuardHandle extends Guard {
  applyOverride(dependency: string, override: BreakerOverride): void;
  clearOverride(dependency: string): void;
  /** The underlying breaker registry (for snapshots and dashboards). */
  readonly breakers: BreakerRegistry;
}

/** Per dependency: the policy objects built from one {@link DependencyPolicy}. */
interface DependencyState {
  readonly policy: DependencyPolicy;
  readonly backoff: ExponentialBackoff | undefined;
  readonly budget: RetryBudget | undefined;
  inFlight: number;
  readonly waiters: Array<() => void>;
}

function breakerOptions(p: BreakerPolicy): Omit<CircuitBreakerOptions, 'dependency' | 'parent'> {
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

/** Creates the guard. `listener` receives every policy event (the `breakwater.*` metrics). */
export function createGuard(options: {
  clock: Clock;
  meter: Meter;
  listener?: ResilienceListener;
  /**
   * The policy of a dependency, for breakers created before its first call (by a fleet override):
   * without it they would keep the registry's defaults instead of the configured breaker policy.
   */
  policyFor?: (dependency: string) => DependencyPolicy;
}): GuardHandle {
  const { clock } = options;
  const classifier = new Classifier({ clock });
  const states = new Map<string, DependencyState>();
  // Breaker options come from the policy of the first call that created the breaker.
  const breakerPolicies = new Map<string, BreakerPolicy>();
  const registry = new BreakerRegistry({
    clock,
    ...(options.listener !== undefined ? { listener: options.listener } : {}),
    options: (dependency: string) => {
      let p = breakerPolicies.get(dependency);
      if (p === undefined && options.policyFor !== undefined) {
        const breaker = options.policyFor(dependency).breaker;
        if (breaker !== false) {
          p = breaker;
          breakerPolicies.set(dependency, breaker);
        }
      }
      return p === undefined ? undefined : breakerOptions(p);
    },
  });

  const classify = (error: unknown, _provider?: string, dependency?: string): Classification =>
    classifier.classify(error, dependency === undefined ? undefined : { dependency });

  function stateFor(dependency: string, policy: DependencyPolicy): DependencyState {
    let state = states.get(dependency);
    if (state === undefined || state.policy !== policy) {
      const retry = policy.retry;
      state = {
        policy,
        backoff:
          retry === false
            ? undefined
            : new ExponentialBackoff({
                initialMs: retry.baseDelayMs,
                maxMs: retry.maxDelayMs,
                jitter: retry.jitter,
              }),
        budget: retry === false ? undefined : (state?.budget ?? new RetryBudget({ dependency })),
        inFlight: state?.inFlight ?? 0,
        waiters: state?.waiters ?? [],
      };
      states.set(dependency, state);
    }
    return state;
  }

  function breakerFor(dependency: string, policy: DependencyPolicy): CircuitBreaker | undefined {
    if (policy.breaker === false) return registry.find(dependency);
    if (!breakerPolicies.has(dependency)) breakerPolicies.set(dependency, policy.breaker);
    return registry.get(dependency);
  }

  /** Bulkhead: `maxConcurrent` running, `maxQueue` waiting, the rest refused. */
  async function enter(state: DependencyState, dependency: string): Promise<void> {
    const bulkhead = state.policy.bulkhead;
    if (bulkhead === false) return;
    if (state.inFlight < bulkhead.maxConcurrent) {
      state.inFlight++;
      return;
    }
    if (state.waiters.length >= bulkhead.maxQueue) throw new BulkheadFullError(dependency, 'full');
    await new Promise<void>((resolve) => state.waiters.push(resolve));
    state.inFlight++;
  }

  function leave(state: DependencyState): void {
    if (state.policy.bulkhead === false) return;
    state.inFlight--;
    state.waiters.shift()?.();
  }

  /** Runs one attempt with the per-attempt deadline. */
  function withDeadline<T>(ctx: CallContext, ms: number | false, run: () => Promise<T>): Promise<T> {
    if (ms === false) return run();
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        const error = new TimeoutError(ctx.dependency, ms, 'attempt');
        ctx.abortAttempt(error);
        reject(error);
      }, ms);
    });
    return Promise.race([run(), deadline]).finally(() => clock.clearTimeout(timer!));
  }

  async function execute<T>(
    dependency: string,
    policy: DependencyPolicy,
    attempt: (context: AttemptContext) => Promise<T>,
    opts: GuardOptions<T>,
  ): Promise<GuardResult<T>> {
    const state = stateFor(dependency, policy);
    const breaker = breakerFor(dependency, policy);
    const ctx = new CallContext(dependency, opts.signal);
    const retry = policy.retry;
    const maxAttempts = retry === false ? 1 : Math.max(1, retry.maxAttempts);
    // Only hand the client a signal when something can abort it: no AbortController otherwise.
    const deadline = opts.deadlineInCall === true ? false : policy.timeoutMs;
    const wantsSignal = deadline !== false || opts.signal !== undefined;
    let previousDelay = 0;
    for (;;) {
      let failure: unknown;
      try {
        const permit = breaker?.admit(ctx);
        try {
          await enter(state, dependency);
        } catch (refusal) {
          if (permit !== undefined) breaker?.release(permit);
          throw refusal;
        }
        try {
          const value = await withDeadline(ctx, deadline, () =>
            attempt({ attempt: ctx.attempt, signal: wantsSignal ? ctx.signal : undefined }),
          );
          if (permit !== undefined) breaker?.onSuccess(permit);
          state.budget?.onSuccess();
          return { value };
        } catch (error) {
          const c = classifier.classify(error, { dependency });
          if (permit !== undefined) breaker?.onFailure(permit, c);
          if (c.source === 'dependency') state.budget?.onFailure();
          throw error;
        } finally {
          leave(state);
        }
      } catch (error) {
        failure = error;
      }
      const c = classifier.classify(failure, { dependency });
      const last = ctx.attempt + 1 >= maxAttempts || !c.retryable || ctx.callOver || retry === false;
      if (!last && state.budget !== undefined && !state.budget.canRetry) {
        failure = new BudgetExhaustedError(dependency, failure);
      } else if (!last && c.retryAfterMs !== undefined && c.retryAfterMs > retry.maxRetryAfterMs) {
        // The provider asked for longer than we are willing to wait: fail now, don't sleep.
      } else if (!last) {
        const delay = applyRetryAfter(
          state.backoff?.delay(ctx.attempt, previousDelay, Math.random) ?? 0,
          c.retryAfterMs,
          retry.maxRetryAfterMs,
        );
        previousDelay = delay;
        try {
          await sleepFor(clock, delay, ctx);
          ctx.nextAttempt();
          continue;
        } catch (abort) {
          failure = abort ?? failure;
        }
      }
      if (opts.fallback !== undefined) {
        return {
          value: await opts.fallback.run(failure),
          fallback: opts.fallback.name,
          fallbackCause: failure,
        };
      }
      throw failure;
    }
  }

  return {
    execute,
    classify,
    breakerFacts(dependency: string): BreakerFacts | undefined {
      const b = registry.find(dependency);
      return b === undefined ? undefined : { state: b.state, source: b.source };
    },
    applyOverride(dependency, override) {
      registry.applyOverride(dependency, override);
    },
    clearOverride(dependency) {
      registry.applyOverride(dependency, undefined);
    },
    breakers: registry,
  };
}
