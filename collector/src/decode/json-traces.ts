import { TooManySpansError } from '../receive/decode-error.ts';
import { AttributePlan, RESOURCE_KEYS, type ScalarValue, SPAN_KEYS } from './attribute-plan.ts';
import { buildSpanRecord, type ResourceInfo, resourceInfo, type SpanCore } from './build-record.ts';
import {
  arrayField,
  enumField,
  type JsonObject,
  objectAt,
  parseJsonBody,
  stringField,
  uint64Field,
} from './json-shape.ts';
import { readJsonAttributes } from './json-values.ts';
import { Rejections } from './rejections.ts';
import type { DecodedTraces, SpanRecord } from './span-record.ts';
import { durationMs, nanosToMs, parseUint64, type Uint64Parts } from './time.ts';

const SPAN_KIND_NAMES: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODE_NAMES: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

const TRACE_ID = /^[0-9a-fA-F]{32}$/;
const SPAN_ID = /^[0-9a-fA-F]{16}$/;
const ZERO_ID = /^0+$/;

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` into the same {@link SpanRecord}s as the
 * protobuf decoder: hex ids (lowercased), int64 timestamps as strings or numbers, integer enums,
 * unknown fields ignored. A body of the wrong shape throws `OtlpDecodeError`; spans with invalid
 * ids or no end time, and `null` entries of a `spans` array, are dropped and counted.
 */
export class JsonTraceDecoder {
  private readonly spanPlan: AttributePlan;
  private readonly resourcePlan: AttributePlan;

  /** @param extraKeys attribute keys to copy into `SpanRecord.extra` (from the selectors). */
  constructor(extraKeys: ReadonlySet<string> = new Set()) {
    this.spanPlan = new AttributePlan(SPAN_KEYS, extraKeys);
    this.resourcePlan = new AttributePlan(RESOURCE_KEYS, extraKeys);
  }

  /** @param maxSpans beyond this many spans, stop with a {@link TooManySpansError}. */
  decode(body: Uint8Array | string, maxSpans = Number.POSITIVE_INFINITY): DecodedTraces {
    const root = parseJsonBody(body);
    const spans: SpanRecord[] = [];
    const rejections = new Rejections();
    const resourceSpans = arrayField(root, 'request', 'resourceSpans', 'resource_spans');
    for (let i = 0; i < resourceSpans.length; i++) {
      const path = `resourceSpans[${i}]`;
      const rs = objectAt(resourceSpans[i], path);
      if (rs === undefined) continue;
      const resource = this.resource(objectAt(rs.resource, `${path}.resource`), `${path}.resource`);
      let scopes = arrayField(rs, path, 'scopeSpans', 'scope_spans');
      // The deprecated name older SDKs send, laid out the same; read only without scopeSpans.
      if (scopes.length === 0)
        scopes = arrayField(rs, path, 'instrumentationLibrarySpans', 'instrumentation_library_spans');
      for (let j = 0; j < scopes.length; j++) {
        const scopePath = `${path}.scopeSpans[${j}]`;
        const scope = objectAt(scopes[j], scopePath);
        if (scope === undefined) continue;
        const list = arrayField(scope, scopePath, 'spans');
        for (let k = 0; k < list.length; k++) {
          const spanPath = `${scopePath}.spans[${k}]`;
          const span = objectAt(list[k], spanPath);
          if (span === undefined) {
            // A null entry stands for a span the client meant to send: count it, so the
            // client learns from partialSuccess that something was dropped.
            rejections.add(`${spanPath} is null, expected a span object`);
            continue;
          }
          const record = this.span(span, spanPath, resource, rejections);
          if (record === undefined) continue;
          if (spans.length >= maxSpans) throw new TooManySpansError(maxSpans);
          spans.push(record);
        }
      }
    }
    return { spans, rejectedSpans: rejections.count, rejectionMessage: rejections.message('span') };
  }

  private resource(resource: JsonObject | undefined, path: string): ResourceInfo {
    const values = new Array<ScalarValue>(this.resourcePlan.size).fill(undefined);
    if (resource !== undefined) {
      readJsonAttributes(
        arrayField(resource, path, 'attributes'),
        `${path}.attributes`,
        this.resourcePlan,
        values,
      );
    }
    return resourceInfo(this.resourcePlan, values);
  }

  private span(
    span: JsonObject,
    path: string,
    resource: ResourceInfo,
    rejections: Rejections,
  ): SpanRecord | undefined {
    const values = new Array<ScalarValue>(this.spanPlan.size).fill(undefined);
    const traceId = stringField(span, path, 'traceId', 'trace_id');
    const spanId = stringField(span, path, 'spanId', 'span_id');
    const name = stringField(span, path, 'name');
    const kind = enumField(span, path, 'kind', SPAN_KIND_NAMES);
    const status = objectAt(span.status, `${path}.status`);
    const statusCode =
      status === undefined ? 0 : enumField(status, `${path}.status`, 'code', STATUS_CODE_NAMES);
    readJsonAttributes(arrayField(span, path, 'attributes'), `${path}.attributes`, this.spanPlan, values);

    if (!TRACE_ID.test(traceId) || ZERO_ID.test(traceId)) {
      rejections.add('invalid traceId (must be 32 hex characters, not all zero)');
      return undefined;
    }
    if (!SPAN_ID.test(spanId) || ZERO_ID.test(spanId)) {
      rejections.add('invalid spanId (must be 16 hex characters, not all zero)');
      return undefined;
    }
    const start: Uint64Parts = { hi: 0, lo: 0 };
    const end: Uint64Parts = { hi: 0, lo: 0 };
    const startRaw = uint64Field(span, path, 'startTimeUnixNano', 'start_time_unix_nano');
    const endRaw = uint64Field(span, path, 'endTimeUnixNano', 'end_time_unix_nano');
    // A missing (zero) start would make a decades-long duration, a bad event in every latency SLO.
    if (
      !parseUint64(startRaw, start) ||
      !parseUint64(endRaw, end) ||
      (start.hi === 0 && start.lo === 0) ||
      (end.hi === 0 && end.lo === 0)
    ) {
      rejections.add('invalid or missing startTimeUnixNano/endTimeUnixNano');
      return undefined;
    }
    if (start.hi > end.hi || (start.hi === end.hi && start.lo > end.lo)) {
      rejections.add('startTimeUnixNano is after endTimeUnixNano');
      return undefined;
    }
    const core: SpanCore = {
      traceId: traceId.toLowerCase(),
      spanId: spanId.toLowerCase(),
      name,
      kind,
      endTimeMs: nanosToMs(end.hi, end.lo),
      durationMs: durationMs(start.hi, start.lo, end.hi, end.lo),
      statusCode,
    };
    return buildSpanRecord(core, resource, this.spanPlan, values);
  }
}
