import type { BreakerStatePoint } from '../component.ts';
import type { ScalarValue } from './attribute-plan.ts';
import {
  BREAKER_STATE_METRIC,
  breakerPoint,
  type DecodedBreakerStates,
  metricResourcePlan,
  pointPlan,
} from './breaker-points.ts';
import { asBuffer, readKeyValue } from './proto-attributes.ts';
import { Rejections } from './rejections.ts';
import { StringCache } from './string-cache.ts';
import { nanosToMs } from './time.ts';
import { int64ToNumber, WIRE_FIXED64, WIRE_LEN, WireReader, wrongWireType } from './wire-reader.ts';

// Field numbers from opentelemetry/proto/{collector/metrics,metrics}/v1.
const TAG_RESOURCE_METRICS = (1 << 3) | WIRE_LEN; // ExportMetricsServiceRequest.resource_metrics
const TAG_RESOURCE = (1 << 3) | WIRE_LEN; // ResourceMetrics.resource
const TAG_SCOPE_METRICS = (2 << 3) | WIRE_LEN; // ResourceMetrics.scope_metrics
const TAG_ATTRIBUTES = (1 << 3) | WIRE_LEN; // Resource.attributes
const TAG_METRICS = (2 << 3) | WIRE_LEN; // ScopeMetrics.metrics
const TAG_NAME = (1 << 3) | WIRE_LEN; // Metric.name
const TAG_GAUGE = (5 << 3) | WIRE_LEN; // Metric.gauge
const TAG_SUM = (7 << 3) | WIRE_LEN; // Metric.sum (an UpDownCounter reports state this way)
const TAG_DATA_POINTS = (1 << 3) | WIRE_LEN; // Gauge.data_points, Sum.data_points
const TAG_POINT_TIME = (3 << 3) | WIRE_FIXED64; // NumberDataPoint.time_unix_nano
const TAG_AS_DOUBLE = (4 << 3) | WIRE_FIXED64; // NumberDataPoint.as_double
const TAG_AS_INT = (6 << 3) | WIRE_FIXED64; // NumberDataPoint.as_int (sfixed64)
const TAG_POINT_ATTRIBUTES = (7 << 3) | WIRE_LEN; // NumberDataPoint.attributes

/** Names of the fields read, by field number, for wrong-wire-type errors. */
const METRIC_FIELDS: Readonly<Record<number, string>> = { 1: 'name', 5: 'gauge', 7: 'sum' };
const POINT_FIELDS: Readonly<Record<number, string>> = {
  3: 'time_unix_nano',
  4: 'as_double',
  6: 'as_int',
  7: 'attributes',
};

const NAME_BYTES = new TextEncoder().encode(BREAKER_STATE_METRIC);

/**
 * Decodes a protobuf `ExportMetricsServiceRequest`, keeping only the data points of
 * `breakwater.circuit_breaker.state`. Other metrics are skipped without decoding. Like the
 * trace decoder, it refuses a field it reads that arrives with the wrong wire type.
 */
export class ProtoMetricsDecoder {
  private readonly strings = new StringCache();

  decode(bytes: Uint8Array): DecodedBreakerStates {
    const buf = asBuffer(bytes);
    const r = new WireReader(buf);
    const points: BreakerStatePoint[] = [];
    const rejections = new Rejections();
    const strings = this.strings;
    const end = buf.length;

    const resourceMetrics = (rmEnd: number): void => {
      let resource: ScalarValue[] = [];
      const scopes: number[] = [];
      while (r.pos < rmEnd) {
        const tag = r.tag(rmEnd);
        if (tag === TAG_RESOURCE) {
          const resEnd = r.lengthEnd(rmEnd);
          resource = new Array<ScalarValue>(metricResourcePlan.size).fill(undefined);
          while (r.pos < resEnd) {
            const t = r.tag(resEnd);
            if (t === TAG_ATTRIBUTES)
              readKeyValue(r, buf, strings, r.lengthEnd(resEnd), metricResourcePlan, resource);
            else if (t >>> 3 === 1) throw wrongWireType('Resource', 'attributes', t & 7, r.pos);
            else r.skip(t & 7, t >>> 3, resEnd);
          }
        } else if (tag === TAG_SCOPE_METRICS) {
          const scopeEnd = r.lengthEnd(rmEnd);
          scopes.push(r.pos, scopeEnd);
          r.pos = scopeEnd;
        } else if (tag >>> 3 === 1 || tag >>> 3 === 2) {
          throw wrongWireType(
            'ResourceMetrics',
            tag >>> 3 === 1 ? 'resource' : 'scope_metrics',
            tag & 7,
            r.pos,
          );
        } else {
          r.skip(tag & 7, tag >>> 3, rmEnd);
        }
      }
      for (let i = 0; i < scopes.length; i += 2) {
        r.pos = scopes[i]!;
        const scopeEnd = scopes[i + 1]!;
        while (r.pos < scopeEnd) {
          const tag = r.tag(scopeEnd);
          if (tag === TAG_METRICS) metric(r.lengthEnd(scopeEnd), resource);
          else if (tag >>> 3 === 2) throw wrongWireType('ScopeMetrics', 'metrics', tag & 7, r.pos);
          else r.skip(tag & 7, tag >>> 3, scopeEnd);
        }
      }
      r.pos = rmEnd;
    };

    const metric = (metricEnd: number, resource: readonly ScalarValue[]): void => {
      let isBreakerState = false;
      const data: number[] = [];
      while (r.pos < metricEnd) {
        const tag = r.tag(metricEnd);
        if (tag === TAG_NAME) {
          const nameEnd = r.lengthEnd(metricEnd);
          isBreakerState = sameBytes(buf, r.pos, nameEnd, NAME_BYTES);
          if (!isBreakerState) {
            r.pos = metricEnd;
            return;
          }
          r.pos = nameEnd;
        } else if (tag === TAG_GAUGE || tag === TAG_SUM) {
          const dataEnd = r.lengthEnd(metricEnd);
          data.push(r.pos, dataEnd, tag);
          r.pos = dataEnd;
        } else if (METRIC_FIELDS[tag >>> 3] !== undefined) {
          throw wrongWireType('Metric', METRIC_FIELDS[tag >>> 3]!, tag & 7, r.pos);
        } else {
          r.skip(tag & 7, tag >>> 3, metricEnd);
        }
      }
      if (!isBreakerState) return;
      for (let i = 0; i < data.length; i += 3) {
        r.pos = data[i]!;
        const dataEnd = data[i + 1]!;
        const kind = data[i + 2] === TAG_GAUGE ? 'Gauge' : 'Sum';
        while (r.pos < dataEnd) {
          const tag = r.tag(dataEnd);
          if (tag === TAG_DATA_POINTS) dataPoint(r.lengthEnd(dataEnd), resource);
          else if (tag >>> 3 === 1) throw wrongWireType(kind, 'data_points', tag & 7, r.pos);
          else r.skip(tag & 7, tag >>> 3, dataEnd);
        }
      }
      r.pos = metricEnd;
    };

    const dataPoint = (pointEnd: number, resource: readonly ScalarValue[]): void => {
      const attributes = new Array<ScalarValue>(pointPlan.size).fill(undefined);
      let value = Number.NaN;
      let timeMs = 0;
      while (r.pos < pointEnd) {
        const tag = r.tag(pointEnd);
        if (tag === TAG_POINT_ATTRIBUTES) {
          readKeyValue(r, buf, strings, r.lengthEnd(pointEnd), pointPlan, attributes);
        } else if (tag === TAG_POINT_TIME) {
          r.fixed64(pointEnd);
          timeMs = nanosToMs(r.hi, r.lo);
        } else if (tag === TAG_AS_DOUBLE) {
          value = r.double(pointEnd);
        } else if (tag === TAG_AS_INT) {
          r.fixed64(pointEnd);
          value = int64ToNumber(r.hi, r.lo);
        } else if (POINT_FIELDS[tag >>> 3] !== undefined) {
          // A known field with the wrong wire type would otherwise drop the point while the
          // export is acknowledged: refuse the request instead.
          throw wrongWireType('NumberDataPoint', POINT_FIELDS[tag >>> 3]!, tag & 7, r.pos);
        } else {
          r.skip(tag & 7, tag >>> 3, pointEnd);
        }
      }
      const point = breakerPoint(resource, attributes, value, timeMs, rejections);
      if (point !== undefined) points.push(point);
    };

    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === TAG_RESOURCE_METRICS) resourceMetrics(r.lengthEnd(end));
      else if (tag >>> 3 === 1)
        throw wrongWireType('ExportMetricsServiceRequest', 'resource_metrics', tag & 7, r.pos);
      else r.skip(tag & 7, tag >>> 3, end);
    }
    return { points, rejectedPoints: rejections.count, rejectionMessage: rejections.message('data point') };
  }
}

function sameBytes(buf: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (buf[start + i] !== expected[i]) return false;
  return true;
}
