/**
 * `@breakwater/resilience`: resilience policies for LLM and tool calls — classification, retry
 * with budgets, circuit breakers, timeouts, bulkheads, fallbacks — reporting through
 * OpenTelemetry.
 * @packageDocumentation
 */
// Types from @breakwater/protocol that this package's signatures use, so they import from here.
export type {
  BreakerOverride,
  BreakerSource,
  BreakerState,
  CallOutcome,
  Clock,
  ErrorCategory,
  ErrorSeverity,
  FaultSource,
} from '@breakwater/protocol';
export * from './aggregate/error-aggregator.ts';
export * from './backoff/backoff.ts';
export * from './backoff/exponential.ts';
export * from './backoff/retry-after.ts';
export * from './breaker/circuit-breaker.ts';
export * from './breaker/failure-window.ts';
export * from './breaker/options.ts';
export { BreakerPermit, CLOSED_PERMIT } from './breaker/permit.ts';
export * from './breaker/registry.ts';
export * from './breaker/snapshot.ts';
export * from './bulkhead/bulkhead.ts';
export { cancelledIfAborted } from './classify/cancelled.ts';
export * from './classify/classification.ts';
export * from './classify/classifier.ts';
export { readHeader, retryAfterFromHeaders, shouldRetryHeader } from './classify/headers.ts';
export { validateClassifierRules } from './classify/rule-validation.ts';
export * from './core/context.ts';
export * from './core/errors.ts';
export * from './core/fraction-gate.ts';
export * from './core/policy.ts';
export { markRefused, refusalOf } from './core/refusal-of.ts';
export { sleepFor } from './core/sleep.ts';
export * from './fallback/degradation-manager.ts';
export * from './fallback/fallback-policy.ts';
export * from './fallback/strategies.ts';
export * from './pipeline/options.ts';
export * from './pipeline/pipeline.ts';
export * from './recovery/health-monitor.ts';
export * from './recovery/traffic-ramp.ts';
export * from './retry/adaptive.ts';
export * from './retry/budget.ts';
export * from './retry/retry-policy.ts';
export * from './telemetry/default-listener.ts';
export * from './telemetry/listener.ts';
export * from './telemetry/otel-listener.ts';
export { guardListener } from './telemetry/safe.ts';
export { Deadline, DeadlineQueue } from './timeout/deadline-queue.ts';
export * from './timeout/timeout-policy.ts';
