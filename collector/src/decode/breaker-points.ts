import { ATTR, BREAKER_STATES, METRIC, SEMCONV } from '@breakwater/protocol';
import type { BreakerStatePoint } from '../component.ts';
import { AttributePlan, R_INSTANCE, R_SERVICE, RESOURCE_KEYS, type ScalarValue } from './attribute-plan.ts';
import { UNKNOWN_SERVICE } from './build-record.ts';
import { capChars, MAX_DEPENDENCY_CHARS, MAX_LABEL_CHARS, MAX_SERVICE_CHARS } from './identity.ts';
import type { Rejections } from './rejections.ts';

/** Data point attributes of `breakwater.circuit_breaker.state`. */
export const POINT_KEYS = [ATTR.DEPENDENCY, ATTR.STATE, SEMCONV.OTEL_METRIC_OVERFLOW] as const;
const P_DEPENDENCY = 0;
const P_STATE = 1;
const P_OVERFLOW = 2;

/**
 * Why the SDK's overflow series is rejected: it stands for the breakers past the SDK's
 * cardinality limit, whose states are then not reported. Said as such (not as a point without a
 * dependency), so the partial success the SDK gets names the fix.
 */
const OVERFLOW_REASON =
  `${SEMCONV.OTEL_METRIC_OVERFLOW}: the SDK's cardinality limit of ${METRIC.BREAKER_STATE} was reached; ` +
  "raise it (a View with aggregationCardinalityLimit, or the reader's cardinalityLimits) or lower " +
  'limits.maxDependencies: the states of the breakers past it are not reported';

/** The only metric `POST /v1/metrics` records; every other metric is ignored. */
export const BREAKER_STATE_METRIC = METRIC.BREAKER_STATE;

export const pointPlan = new AttributePlan(POINT_KEYS, new Set());
export const metricResourcePlan = new AttributePlan(RESOURCE_KEYS, new Set());

/** Result of decoding one OTLP metrics export request. */
export interface DecodedBreakerStates {
  points: BreakerStatePoint[];
  /** Data points of the breaker-state metric dropped as invalid (OTLP `rejected_data_points`). */
  rejectedPoints: number;
  /** Why, for the OTLP `partial_success.error_message`: the count and the first reason. */
  rejectionMessage: string | undefined;
}

const STATES: ReadonlySet<string> = new Set(BREAKER_STATES);

/**
 * A breaker-state point from one gauge data point, or `undefined` when it is not the current
 * state (the gauge reports 1 for the current state and 0 for the others, whatever they are) or is
 * invalid: the SDK's overflow series, no dependency label, a current state that is not a breaker
 * state, or a value other than 0 or 1.
 * Invalid points are counted in `rejections` (the exporter is told, through partial success),
 * never recorded: a state the fleet cannot read must not replace one it can.
 */
export function breakerPoint(
  resource: readonly ScalarValue[],
  attributes: readonly ScalarValue[],
  value: number,
  timeMs: number,
  rejections: Rejections,
): BreakerStatePoint | undefined {
  const dependency = attributes[P_DEPENDENCY];
  const state = attributes[P_STATE];
  if (attributes[P_OVERFLOW] === true) {
    rejections.add(OVERFLOW_REASON);
    return undefined;
  }
  if (typeof dependency !== 'string' || dependency === '') {
    rejections.add(`no ${ATTR.DEPENDENCY} attribute`);
    return undefined;
  }
  // A zero says the breaker is not in that state: nothing to record, whatever the state. Checked
  // before the state, as a newer SDK reports a zero for every state it knows, some of them
  // unknown here: rejected, they would fail part of its every export.
  if (value === 0) return undefined;
  if (typeof state !== 'string' || !STATES.has(state)) {
    rejections.add(`${ATTR.STATE} must be one of ${BREAKER_STATES.join(', ')}`);
    return undefined;
  }
  if (value !== 1) {
    rejections.add(
      Number.isNaN(value) ? 'no numeric value (as_double or as_int)' : `value must be 0 or 1, not ${value}`,
    );
    return undefined;
  }
  const service = resource[R_SERVICE];
  const instance = resource[R_INSTANCE];
  // Capped like the same values on spans (see identity.ts).
  return {
    service:
      typeof service === 'string' && service !== '' ? capChars(service, MAX_SERVICE_CHARS) : UNKNOWN_SERVICE,
    instanceId: typeof instance === 'string' ? capChars(instance, MAX_LABEL_CHARS) : undefined,
    dependency: capChars(dependency, MAX_DEPENDENCY_CHARS),
    state,
    timeMs,
  };
}
