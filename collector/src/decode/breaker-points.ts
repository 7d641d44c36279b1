import { ATTR, METRIC } from '@breakwater/protocol';
import type { BreakerStatePoint } from '../component.ts';
import { AttributePlan, R_INSTANCE, R_SERVICE, RESOURCE_KEYS, type ScalarValue } from './attribute-plan.ts';
import { UNKNOWN_SERVICE } from './build-record.ts';

/** Data point attributes of `breakwater.circuit_breaker.state`. */
export const POINT_KEYS = [ATTR.DEPENDENCY, ATTR.STATE] as const;
const P_DEPENDENCY = 0;
const P_STATE = 1;

/** The only metric `POST /v1/metrics` records; every other metric is ignored. */
export const BREAKER_STATE_METRIC = METRIC.BREAKER_STATE;

export const pointPlan = new AttributePlan(POINT_KEYS, new Set());
export const metricResourcePlan = new AttributePlan(RESOURCE_KEYS, new Set());

/** Result of decoding one OTLP metrics export request. */
export interface DecodedBreakerStates {
  points: BreakerStatePoint[];
}

/**
 * A breaker-state point from one gauge data point, or `undefined` when it is not the current
 * state (the gauge reports 1 for the current state and 0 for the others) or lacks its labels.
 */
export function breakerPoint(
  resource: readonly ScalarValue[],
  attributes: readonly ScalarValue[],
  value: number,
  timeMs: number,
): BreakerStatePoint | undefined {
  if (value !== 1) return undefined;
  const dependency = attributes[P_DEPENDENCY];
  const state = attributes[P_STATE];
  if (typeof dependency !== 'string' || dependency === '' || typeof state !== 'string' || state === '') {
    return undefined;
  }
  const service = resource[R_SERVICE];
  const instance = resource[R_INSTANCE];
  return {
    service: typeof service === 'string' && service !== '' ? service : UNKNOWN_SERVICE,
    instanceId: typeof instance === 'string' ? instance : undefined,
    dependency,
    state,
    timeMs,
  };
}
