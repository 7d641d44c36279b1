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

/**
 * Default success-rate levels for an objective (percent). A level above the objective would page
 * while the SLO is met (a 95 % SLO at 98.9 % success, `severe`), so an objective below 99.5 %
 * moves them down to one, two and three error budgets below 100 % (95 % → 95 / 90 / 85 %). From
 * 99.5 % up they are {@link DEFAULT_SUCCESS_RATE_LEVELS}, which are that rule at 99.5 %.
 */
export function successRateLevelsFor(objectivePercent: number): SuccessRateLevels {
  const budget = 100 - objectivePercent;
  const d = DEFAULT_SUCCESS_RATE_LEVELS;
  if (!(budget > 100 - d.warning)) return d;
  // A share is at least 0.01 %: below two-thirds objectives, three budgets pass 0 %.
  const level = (budgets: number) => Math.max(0.01, Math.round((100 - budgets * budget) * 1e6) / 1e6);
  return { kind: 'success_rate', warning: level(1), severe: level(2), emergency: level(3) };
}

/**
 * Default latency levels for a latency SLO's threshold (ms) and objective (percent). A level below
 * the threshold would page while calls meet the SLO (a 2 s SLO at a 600 ms p95), so a threshold
 * above the default warning scales them to it, in the defaults' proportions (2 s → 2 s / 3.33 s /
 * 6.67 s). An objective below 95 % lets more than 5 % of calls be slow while it is met, so a p95
 * over any of them would page a met SLO: the quantile is then the objective's (90 % → p90).
 */
export function latencyLevelsFor(thresholdMs: number | undefined, objectivePercent: number): LatencyLevels {
  const d = DEFAULT_LATENCY_LEVELS;
  // Rounded as the success-rate levels are: an OpenSLO target of 0.29 reads as 28.999999999999996 %.
  const quantile = Math.min(d.quantile, Math.round(objectivePercent * 1e4) / 1e6);
  if (thresholdMs === undefined || !(thresholdMs > d.warningMs)) return { ...d, quantile };
  const scale = thresholdMs / d.warningMs;
  return {
    kind: 'latency',
    quantile,
    warningMs: thresholdMs,
    severeMs: Math.round(d.severeMs * scale),
    emergencyMs: Math.round(d.emergencyMs * scale),
  };
}

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
