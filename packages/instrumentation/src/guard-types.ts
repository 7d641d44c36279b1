/**
 * The narrow contract between this package and `@breakwater/resilience`. Only `guard.ts`
 * implements it against the resilience API, so a change there touches one file here.
 */
import type { DependencyPolicy } from './policies.ts';
import type { BreakerFacts, Classification } from './span-attributes.ts';

/** What one attempt is told by the pipeline. */
export interface AttemptContext {
  /** 0 for the first attempt, 1 for the first resend, and so on. */
  readonly attempt: number;
  /** Aborts when the attempt times out or the caller cancels; undefined when neither can happen. */
  readonly signal: AbortSignal | undefined;
}

/** Result of a guarded call. */
export interface GuardResult<T> {
  readonly value: T;
  /** Name of the fallback that produced `value`, when one did. */
  readonly fallback?: string | undefined;
  /** The failure the fallback replaced. */
  readonly fallbackCause?: unknown;
}

export interface GuardOptions<T> {
  /** The caller's own abort signal. */
  readonly signal?: AbortSignal | undefined;
  /** Produces a replacement value when the pipeline gives up (the policy's fallback, adapted). */
  readonly fallback?: { readonly name: string; readonly run: (error: unknown) => Promise<T> } | undefined;
  /**
   * The attempt enforces the policy's per-attempt timeout itself (LLM clients take a per-request
   * `timeout`, which they implement with the timer they already run), so the guard adds no timer
   * and no AbortController of its own.
   */
  readonly deadlineInCall?: boolean | undefined;
  /** Provider name, for provider-aware classification. */
  readonly provider?: string | undefined;
}

/** Runs calls to one dependency through its resilience pipeline. */
export interface Guard {
  execute<T>(
    dependency: string,
    policy: DependencyPolicy,
    attempt: (context: AttemptContext) => Promise<T>,
    options: GuardOptions<T>,
  ): Promise<GuardResult<T>>;
  /**
   * Classifies an error: provider-aware when `provider` is given; for `tool/…` dependencies an
   * error nothing else recognises is `tool_error`.
   */
  classify(error: unknown, provider?: string, dependency?: string): Classification;
  /** The breaker's state for `dependency` right now, when it has one. */
  breakerFacts(dependency: string): BreakerFacts | undefined;
}
