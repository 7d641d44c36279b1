import type { Buffer } from 'node:buffer';
import { AttributePlan, RESOURCE_KEYS, type ScalarValue, SPAN_KEYS } from './attribute-plan.ts';
import { buildSpanRecord, type ResourceInfo, resourceInfo, type SpanCore } from './build-record.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { asBuffer, readKeyValue } from './proto-attributes.ts';
import { Rejections } from './rejections.ts';
import type { DecodedTraces, SpanRecord } from './span-record.ts';
import { StringCache } from './string-cache.ts';
import { durationMs, nanosToMs } from './time.ts';
import { WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireReader, wrongWireType } from './wire-reader.ts';

// Tags (field number << 3 | wire type) of the fields we read. Field numbers from
// opentelemetry/proto/{collector/trace,trace,resource,common}/v1.
const TAG_RESOURCE_SPANS = (1 << 3) | WIRE_LEN; // ExportTraceServiceRequest.resource_spans
const TAG_RESOURCE = (1 << 3) | WIRE_LEN; // ResourceSpans.resource
const TAG_SCOPE_SPANS = (2 << 3) | WIRE_LEN; // ResourceSpans.scope_spans
const TAG_RESOURCE_ATTRIBUTES = (1 << 3) | WIRE_LEN; // Resource.attributes
const TAG_SPANS = (2 << 3) | WIRE_LEN; // ScopeSpans.spans
const TAG_STATUS_CODE = (3 << 3) | WIRE_VARINT; // Status.code

// Span fields.
const SPAN_TRACE_ID = 1;
const SPAN_SPAN_ID = 2;
const SPAN_NAME = 5;
const SPAN_KIND = 6;
const SPAN_START = 7;
const SPAN_END = 8;
const SPAN_ATTRIBUTES = 9;
const SPAN_STATUS = 15;

/**
 * Decodes a protobuf `ExportTraceServiceRequest` into {@link SpanRecord}s, reading only the
 * fields the pipeline uses. Attribute keys are matched on their raw bytes; values are decoded
 * only for matched keys. Throws {@link OtlpDecodeError} for malformed input (bad tags, wrong
 * wire types on the fields it reads, truncation); spans with invalid ids are dropped and counted.
 */
export class ProtoTraceDecoder {
  private readonly spanPlan: AttributePlan;
  private readonly resourcePlan: AttributePlan;
  /** Kept across requests: the same labels arrive in every batch. */
  private readonly strings = new StringCache();

  /** @param extraKeys attribute keys to copy into `SpanRecord.extra` (from the selectors). */
  constructor(extraKeys: ReadonlySet<string> = new Set()) {
    this.spanPlan = new AttributePlan(SPAN_KEYS, extraKeys);
    this.resourcePlan = new AttributePlan(RESOURCE_KEYS, extraKeys);
  }

  decode(bytes: Uint8Array): DecodedTraces {
    const run = new TraceRun(bytes, this.spanPlan, this.resourcePlan, this.strings);
    run.request();
    return {
      spans: run.spans,
      rejectedSpans: run.rejections.count,
      rejectionMessage: run.rejections.message('span'),
    };
  }
}

/** State of one decode call. */
class TraceRun {
  readonly spans: SpanRecord[] = [];
  readonly rejections = new Rejections();
  private readonly r: WireReader;
  private readonly buf: Buffer;
  private readonly spanPlan: AttributePlan;
  private readonly resourcePlan: AttributePlan;
  private readonly values: ScalarValue[];
  private readonly strings: StringCache;
  private readonly core: SpanCore = {
    traceId: '',
    spanId: '',
    name: '',
    kind: 0,
    endTimeMs: 0,
    durationMs: 0,
    statusCode: 0,
  };

  constructor(bytes: Uint8Array, spanPlan: AttributePlan, resourcePlan: AttributePlan, strings: StringCache) {
    this.strings = strings;
    this.buf = asBuffer(bytes);
    this.r = new WireReader(this.buf);
    this.spanPlan = spanPlan;
    this.resourcePlan = resourcePlan;
    this.values = new Array<ScalarValue>(spanPlan.size).fill(undefined);
  }

  request(): void {
    const r = this.r;
    const end = this.buf.length;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === TAG_RESOURCE_SPANS) this.resourceSpans(r.lengthEnd(end));
      else if (tag >>> 3 === 1)
        throw wrongWireType('ExportTraceServiceRequest', 'resource_spans', tag & 7, r.pos);
      else r.skip(tag & 7, tag >>> 3, end);
    }
  }

  private resourceSpans(end: number): void {
    const r = this.r;
    // The resource may follow its spans on the wire: note where the spans are, read them after.
    let resource: ResourceInfo | undefined;
    const scopes: number[] = [];
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === TAG_RESOURCE) {
        const resourceEnd = r.lengthEnd(end);
        resource = this.resource(resourceEnd);
      } else if (tag === TAG_SCOPE_SPANS) {
        const scopeEnd = r.lengthEnd(end);
        scopes.push(r.pos, scopeEnd);
        r.pos = scopeEnd;
      } else if (tag >>> 3 === 1 || tag >>> 3 === 2) {
        throw wrongWireType('ResourceSpans', tag >>> 3 === 1 ? 'resource' : 'scope_spans', tag & 7, r.pos);
      } else {
        r.skip(tag & 7, tag >>> 3, end);
      }
    }
    resource ??= resourceInfo(this.resourcePlan, []);
    for (let i = 0; i < scopes.length; i += 2) {
      r.pos = scopes[i]!;
      this.scopeSpans(scopes[i + 1]!, resource);
    }
    r.pos = end;
  }

  private resource(end: number): ResourceInfo {
    const r = this.r;
    const values = new Array<ScalarValue>(this.resourcePlan.size).fill(undefined);
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === TAG_RESOURCE_ATTRIBUTES)
        readKeyValue(r, this.buf, this.strings, r.lengthEnd(end), this.resourcePlan, values);
      else if (tag >>> 3 === 1) throw wrongWireType('Resource', 'attributes', tag & 7, r.pos);
      else r.skip(tag & 7, tag >>> 3, end);
    }
    return resourceInfo(this.resourcePlan, values);
  }

  private scopeSpans(end: number, resource: ResourceInfo): void {
    const r = this.r;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === TAG_SPANS) this.span(r.lengthEnd(end), resource);
      else if (tag >>> 3 === 2) throw wrongWireType('ScopeSpans', 'spans', tag & 7, r.pos);
      else r.skip(tag & 7, tag >>> 3, end);
    }
  }

  private span(end: number, resource: ResourceInfo): void {
    const r = this.r;
    const buf = this.buf;
    const values = this.values;
    values.fill(undefined);
    let traceStart = -1;
    let traceEnd = -1;
    let spanStart = -1;
    let spanEnd = -1;
    let name = '';
    let kind = 0;
    let statusCode = 0;
    let startHi = 0;
    let startLo = 0;
    let endHi = 0;
    let endLo = 0;
    while (r.pos < end) {
      const tag = r.tag(end);
      const field = tag >>> 3;
      const wire = tag & 7;
      switch (field) {
        case SPAN_TRACE_ID:
          if (wire !== WIRE_LEN) throw wrongWireType('Span', 'trace_id', wire, r.pos);
          traceEnd = r.lengthEnd(end);
          traceStart = r.pos;
          r.pos = traceEnd;
          break;
        case SPAN_SPAN_ID:
          if (wire !== WIRE_LEN) throw wrongWireType('Span', 'span_id', wire, r.pos);
          spanEnd = r.lengthEnd(end);
          spanStart = r.pos;
          r.pos = spanEnd;
          break;
        case SPAN_NAME: {
          if (wire !== WIRE_LEN) throw wrongWireType('Span', 'name', wire, r.pos);
          const nameEnd = r.lengthEnd(end);
          name = this.strings.utf8(buf, r.pos, nameEnd);
          r.pos = nameEnd;
          break;
        }
        case SPAN_KIND:
          if (wire !== WIRE_VARINT) throw wrongWireType('Span', 'kind', wire, r.pos);
          kind = r.uint32(end);
          break;
        case SPAN_START:
          if (wire !== WIRE_FIXED64) throw wrongWireType('Span', 'start_time_unix_nano', wire, r.pos);
          r.fixed64(end);
          startHi = r.hi;
          startLo = r.lo;
          break;
        case SPAN_END:
          if (wire !== WIRE_FIXED64) throw wrongWireType('Span', 'end_time_unix_nano', wire, r.pos);
          r.fixed64(end);
          endHi = r.hi;
          endLo = r.lo;
          break;
        case SPAN_ATTRIBUTES:
          if (wire !== WIRE_LEN) throw wrongWireType('Span', 'attributes', wire, r.pos);
          readKeyValue(r, buf, this.strings, r.lengthEnd(end), this.spanPlan, values);
          break;
        case SPAN_STATUS:
          if (wire !== WIRE_LEN) throw wrongWireType('Span', 'status', wire, r.pos);
          statusCode = this.status(r.lengthEnd(end));
          break;
        default:
          r.skip(wire, field, end);
      }
    }
    const problem = invalidIds(buf, traceStart, traceEnd, spanStart, spanEnd, endHi, endLo);
    if (problem !== undefined) {
      this.rejections.add(problem);
      return;
    }
    const core = this.core;
    if (spanStart === traceEnd + 2) {
      // SDKs write trace_id and span_id back to back: one native hex call for both (the tag
      // and length bytes in between are sliced away; slices of a flat string copy nothing).
      const both = buf.toString('hex', traceStart, spanEnd);
      core.traceId = both.slice(0, 32);
      core.spanId = both.slice(36);
    } else {
      core.traceId = buf.toString('hex', traceStart, traceEnd);
      core.spanId = buf.toString('hex', spanStart, spanEnd);
    }
    core.name = name;
    core.kind = kind;
    core.endTimeMs = nanosToMs(endHi, endLo);
    core.durationMs = durationMs(startHi, startLo, endHi, endLo);
    core.statusCode = statusCode;
    this.spans.push(buildSpanRecord(core, resource, this.spanPlan, values));
  }

  private status(end: number): number {
    const r = this.r;
    let code = 0;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === TAG_STATUS_CODE) code = r.uint32(end);
      else if (tag >>> 3 === 3) throw wrongWireType('Status', 'code', tag & 7, r.pos);
      else r.skip(tag & 7, tag >>> 3, end);
    }
    return code;
  }
}

/** Why a span's ids or times make it unusable, or `undefined` when they are fine. */
function invalidIds(
  buf: Uint8Array,
  traceStart: number,
  traceEnd: number,
  spanStart: number,
  spanEnd: number,
  endHi: number,
  endLo: number,
): string | undefined {
  if (traceEnd - traceStart !== 16 || allZero(buf, traceStart, traceEnd)) {
    return 'invalid trace_id (must be 16 bytes, not all zero)';
  }
  if (spanEnd - spanStart !== 8 || allZero(buf, spanStart, spanEnd)) {
    return 'invalid span_id (must be 8 bytes, not all zero)';
  }
  if (endHi === 0 && endLo === 0) return 'missing end_time_unix_nano';
  return undefined;
}

function allZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}
