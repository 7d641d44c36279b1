import { ATTR, DEFAULT_SLO_BAD_CATEGORIES, type ErrorCategory, type FaultSource } from '@breakwater/protocol';
import type { LatencyLevels, SloDefinition, SuccessRateLevels } from './definition.ts';
import type { Selector } from './selector-schema.ts';

/** Default threshold levels on the success rate (issue defaults: 99.5 / 99.0 / 98.5 %). */
export const DEFAULT_SUCCESS_RATE_LEVELS: SuccessRateLevels = {
  kind: 'success_rate',
  warning: 99.5,
  severe: 99.0,
  emergency: 98.5,
};

/** Default threshold levels on p95 latency (300 ms / 500 ms / 1 s). */
export const DEFAULT_LATENCY_LEVELS: LatencyLevels = {
  kind: 'latency',
  quantile: 0.95,
  warningMs: 300,
  severeMs: 500,
  emergencyMs: 1_000,
};

const DAY_MS = 86_400_000;

/** Default of `evaluation.maxSeries`: series kept per SLO before events go to the overflow series. */
export const DEFAULT_MAX_SERIES = 1_000;

/**
 * The zero-config SLO: 99.5 % of GenAI operations (spans carrying `gen_ai.operation.name`)
 * succeed over 30 days, per service and operation. Failures count when the dependency side is
 * at fault or the cause is unknown.
 */
export function defaultAvailabilitySlo(
  minEvents: number,
  maxSeries: number = DEFAULT_MAX_SERIES,
): SloDefinition {
  return {
    name: 'availability',
    description: 'GenAI operations that succeed, per service and operation',
    tier: 'business',
    sli: 'availability',
    objective: 0.995,
    windowMs: 30 * DAY_MS,
    total: [{ operation: ['*'] }],
    good: undefined,
    bad: availabilityBad(DEFAULT_BAD_EVENTS),
    groupBy: ['operation'],
    levels: DEFAULT_SUCCESS_RATE_LEVELS,
    minEvents,
    maxSeries,
    origin: 'default',
  };
}

/**
 * Built-in technical SLIs from the SDK's attributes, as SLOs in tier `technical`:
 * - `retry-recovery`: of the operations that needed a retry (`breakwater.retry.attempts` > 1),
 *   the share that still succeeded; target 95 %.
 * - `breaker-refusal`: of the SDK's operations against a dependency (`breakwater.role` =
 *   `operation`), the share *not* refused by an open breaker
 *   (`breakwater.error.category` = `circuit_open`); target 99 %, i.e. refusals under 1 %.
 * Both group per service and dependency.
 */
export function technicalSlos(minEvents: number, maxSeries: number = DEFAULT_MAX_SERIES): SloDefinition[] {
  return [
    {
      name: 'retry-recovery',
      description: 'Operations that needed a retry and still succeeded',
      tier: 'technical',
      sli: 'availability',
      objective: 0.95,
      windowMs: 30 * DAY_MS,
      total: [{ retried: true }],
      good: undefined,
      bad: [{ status: ['error'] }],
      groupBy: ['dependency'],
      levels: { kind: 'success_rate', warning: 95, severe: 90, emergency: 80 },
      minEvents,
      maxSeries,
      origin: 'technical',
    },
    {
      name: 'breaker-refusal',
      description: 'Operations not refused by an open circuit breaker (refusal rate below 1 %)',
      tier: 'technical',
      sli: 'availability',
      objective: 0.99,
      windowMs: 30 * DAY_MS,
      // The SDK's operations (LLM and tool calls), by their declared role. Not "has a dependency":
      // the decoder derives a key for any span with a provider or server address, so agent and
      // plain HTTP client spans would form groups of their own (and count a refusal twice).
      total: [{ attributes: { [ATTR.ROLE]: ['operation'] } }],
      good: undefined,
      bad: [{ errorCategory: ['circuit_open'] }],
      groupBy: ['dependency'],
      levels: { kind: 'success_rate', warning: 99, severe: 97, emergency: 95 },
      minEvents,
      maxSeries,
      origin: 'technical',
    },
  ];
}

/** Which failures an availability SLO counts as bad when its `bad` is not given. */
export const DEFAULT_BAD_EVENTS: BadEventsChoice = Object.freeze({
  sources: Object.freeze(['dependency'] as const),
  categories: DEFAULT_SLO_BAD_CATEGORIES,
  unclassified: true,
});

/** An availability SLO's choice of bad events (the native form's `bad`). */
export interface BadEventsChoice {
  readonly sources: readonly FaultSource[];
  readonly categories: readonly ErrorCategory[];
  readonly unclassified: boolean;
}

/**
 * The `bad` selectors of an availability SLO: a failed span (status error) whose fault source
 * is in `sources`, or whose category is in `categories`, or (when `unclassified`) that carries
 * neither. An empty list means no failure counts.
 */
export function availabilityBad({ sources, categories, unclassified }: BadEventsChoice): Selector[] {
  const out: Selector[] = [];
  if (sources.length > 0) out.push({ status: ['error'], errorSource: [...sources] });
  if (categories.length > 0) out.push({ status: ['error'], errorCategory: [...categories] });
  if (unclassified) out.push({ status: ['error'], classified: false });
  return out;
}
