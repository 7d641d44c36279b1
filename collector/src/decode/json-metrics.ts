import type { BreakerStatePoint } from '../component.ts';
import type { ScalarValue } from './attribute-plan.ts';
import {
  BREAKER_STATE_METRIC,
  breakerPoint,
  type DecodedBreakerStates,
  metricResourcePlan,
  pointPlan,
} from './breaker-points.ts';
import { arrayField, field, objectAt, parseJsonBody, uint64Field } from './json-shape.ts';
import { jsonDouble, readJsonAttributes } from './json-values.ts';
import { Rejections } from './rejections.ts';
import { nanosToMs, parseUint64, type Uint64Parts } from './time.ts';

/**
 * Decodes an OTLP/JSON `ExportMetricsServiceRequest`, keeping only the data points of
 * `breakwater.circuit_breaker.state` (gauge, or a non-monotonic sum).
 */
export function decodeMetricsJson(body: Uint8Array | string): DecodedBreakerStates {
  const root = parseJsonBody(body);
  const points: BreakerStatePoint[] = [];
  const rejections = new Rejections();
  const time: Uint64Parts = { hi: 0, lo: 0 };
  const resourceMetrics = arrayField(root, 'request', 'resourceMetrics', 'resource_metrics');
  for (let i = 0; i < resourceMetrics.length; i++) {
    const path = `resourceMetrics[${i}]`;
    const rm = objectAt(resourceMetrics[i], path);
    if (rm === undefined) continue;
    const resource = new Array<ScalarValue>(metricResourcePlan.size).fill(undefined);
    const res = objectAt(rm.resource, `${path}.resource`);
    if (res !== undefined) {
      readJsonAttributes(
        arrayField(res, `${path}.resource`, 'attributes'),
        `${path}.resource.attributes`,
        metricResourcePlan,
        resource,
      );
    }
    const scopes = arrayField(rm, path, 'scopeMetrics', 'scope_metrics');
    for (let j = 0; j < scopes.length; j++) {
      const scopePath = `${path}.scopeMetrics[${j}]`;
      const scope = objectAt(scopes[j], scopePath);
      if (scope === undefined) continue;
      const metrics = arrayField(scope, scopePath, 'metrics');
      for (let k = 0; k < metrics.length; k++) {
        const metricPath = `${scopePath}.metrics[${k}]`;
        const metric = objectAt(metrics[k], metricPath);
        if (metric === undefined || metric.name !== BREAKER_STATE_METRIC) continue;
        const data =
          objectAt(metric.gauge, `${metricPath}.gauge`) ?? objectAt(metric.sum, `${metricPath}.sum`);
        if (data === undefined) continue;
        const list = arrayField(data, metricPath, 'dataPoints', 'data_points');
        for (let p = 0; p < list.length; p++) {
          const pointPath = `${metricPath}.dataPoints[${p}]`;
          const point = objectAt(list[p], pointPath);
          if (point === undefined) continue;
          const attributes = new Array<ScalarValue>(pointPlan.size).fill(undefined);
          readJsonAttributes(
            arrayField(point, pointPath, 'attributes'),
            `${pointPath}.attributes`,
            pointPlan,
            attributes,
          );
          if (!parseUint64(uint64Field(point, pointPath, 'timeUnixNano', 'time_unix_nano') ?? 0, time)) {
            rejections.add(`${pointPath}.timeUnixNano is not a uint64`);
            continue;
          }
          const timeMs = nanosToMs(time.hi, time.lo);
          const decoded = breakerPoint(resource, attributes, pointValue(point), timeMs, rejections);
          if (decoded !== undefined) points.push(decoded);
        }
      }
    }
  }
  return { points, rejectedPoints: rejections.count, rejectionMessage: rejections.message('data point') };
}

function pointValue(point: Record<string, unknown>): number {
  const double = jsonDouble(field(point, 'asDouble', 'as_double'));
  if (double !== undefined) return double;
  const int = field(point, 'asInt', 'as_int');
  if (typeof int === 'number') return int;
  if (typeof int === 'string' && /^-?\d+$/.test(int)) return Number(int);
  return Number.NaN;
}
