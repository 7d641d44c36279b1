import type { Buffer } from 'node:buffer';
import { OtlpDecodeError, TooManySpansError } from '../receive/decode-error.ts';
import { AttributePlan, RESOURCE_KEYS, type ScalarValue, SPAN_KEYS } from './attribute-plan.ts';
import { buildSpanRecord, type ResourceInfo, resourceInfo, type SpanCore } from './build-record.ts';
import { spanIdHex, traceIdHex } from './hex-ids.ts';
import { readKeyValue } from './proto-attributes.ts';
import { Rejections } from './rejections.ts';
import type { DecodedTraces, SpanRecord } from './span-record.ts';
import { StringCache } from './string-cache.ts';
import { durationMs, nanosToMs } from './time.ts';
import {
  asBuffer,
  badTag,
  truncated,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  WireReader,
  wrongWireType,
} from './wire-reader.ts';

// Tags (field number << 3 | wire type) of the fields we read. Field numbers from
// opentelemetry/proto/{collector/trace,trace,resource,common}/v1.
const TAG_RESOURCE_SPANS = (1 << 3) | WIRE_LEN; // ExportTraceServiceRequest.resource_spans
const TAG_RESOURCE = (1 << 3) | WIRE_LEN; // ResourceSpans.resource
const TAG_SCOPE_SPANS = (2 << 3) | WIRE_LEN; // ResourceSpans.scope_spans
/** ResourceSpans.instrumentation_library_spans: deprecated, laid out as scope_spans (older SDKs). */
const TAG_LIBRARY_SPANS = (1000 << 3) | WIRE_LEN;
const TAG_RESOURCE_ATTRIBUTES = (1 << 3) | WIRE_LEN; // Resource.attributes
const TAG_SPANS = (2 << 3) | WIRE_LEN; // ScopeSpans.spans
const TAG_STATUS_CODE = (3 << 3) | WIRE_VARINT; // Status.code

// Span fields, with the wire type each must have.
const T_TRACE_ID = (1 << 3) | WIRE_LEN;
const T_SPAN_ID = (2 << 3) | WIRE_LEN;
const T_NAME = (5 << 3) | WIRE_LEN;
const T_KIND = (6 << 3) | WIRE_VARINT;
const T_START = (7 << 3) | WIRE_FIXED64;
const T_END = (8 << 3) | WIRE_FIXED64;
const T_ATTRIBUTES = (9 << 3) | WIRE_LEN;
const T_STATUS = (15 << 3) | WIRE_LEN;
/** Names of the span fields read above, by field number, for wrong-wire-type errors. */
const SPAN_FIELD_NAMES: readonly (string | undefined)[] = [
  undefined,
  'trace_id',
  'span_id',
  undefined,
  undefined,
  'name',
  'kind',
  'start_time_unix_nano',
  'end_time_unix_nano',
  'attributes',
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  'status',
];
// KeyValue.key, KeyValue.value, AnyValue.string_value (opentelemetry/proto/common/v1).
const TAG_KEY = (1 << 3) | WIRE_LEN;
const TAG_VALUE = (2 << 3) | WIRE_LEN;
const TAG_ANY_STRING = (1 << 3) | WIRE_LEN;

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

  /** @param maxSpans beyond this many spans, stop with a {@link TooManySpansError}. */
  decode(bytes: Uint8Array, maxSpans = Number.POSITIVE_INFINITY): DecodedTraces {
    const run = new TraceRun(bytes, this.spanPlan, this.resourcePlan, this.strings, maxSpans);
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

  private readonly maxSpans: number;

  constructor(
    bytes: Uint8Array,
    spanPlan: AttributePlan,
    resourcePlan: AttributePlan,
    strings: StringCache,
    maxSpans: number,
  ) {
    this.strings = strings;
    this.maxSpans = maxSpans;
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
    // Read only when there are no scope_spans, as receivers migrating it did: never both.
    const libraries: number[] = [];
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === TAG_RESOURCE) {
        const resourceEnd = r.lengthEnd(end);
        resource = this.resource(resourceEnd);
      } else if (tag === TAG_SCOPE_SPANS || tag === TAG_LIBRARY_SPANS) {
        const scopeEnd = r.lengthEnd(end);
        (tag === TAG_SCOPE_SPANS ? scopes : libraries).push(r.pos, scopeEnd);
        r.pos = scopeEnd;
      } else if (tag >>> 3 === 1 || tag >>> 3 === 2) {
        throw wrongWireType('ResourceSpans', tag >>> 3 === 1 ? 'resource' : 'scope_spans', tag & 7, r.pos);
      } else {
        r.skip(tag & 7, tag >>> 3, end);
      }
    }
    resource ??= resourceInfo(this.resourcePlan, []);
    const read = scopes.length > 0 ? scopes : libraries;
    for (let i = 0; i < read.length; i += 2) {
      r.pos = read[i]!;
      this.scopeSpans(read[i + 1]!, resource);
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

  /**
   * One span. The loop keeps its position in a local and reads one-byte tags and lengths (every
   * field of a span has one) inline, handing anything longer to the reader. Attributes take the
   * same fast path as {@link readKeyValue} without a call per attribute: a key compared as bytes
   * against the wanted keys, and a string value in one byte-length prefix read through the cache.
   */
  private span(end: number, resource: ResourceInfo): void {
    const r = this.r;
    const buf = this.buf;
    const view = r.view;
    const plan = this.spanPlan;
    const strings = this.strings;
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
    let pos = r.pos;
    while (pos < end) {
      let tag = buf[pos]!;
      if (tag < 0x80) pos++;
      else {
        r.pos = pos;
        tag = r.tag(end);
        pos = r.pos;
      }
      if (tag === T_ATTRIBUTES) {
        let len = pos < end ? buf[pos]! : 0x80;
        if (len < 0x80) pos++;
        else {
          r.pos = pos;
          len = r.length(end);
          pos = r.pos;
        }
        const kvEnd = pos + len;
        if (kvEnd > end) throw truncated(pos);
        // KeyValue { key = 1; value = 2 } as every SDK writes it: key first, one-byte length.
        if (buf[pos] === TAG_KEY && pos + 2 <= kvEnd) {
          const keyEnd = pos + 2 + buf[pos + 1]!;
          if (buf[pos + 1]! < 0x80 && keyEnd <= kvEnd) {
            const slot = plan.match(buf, view, pos + 2, keyEnd);
            if (slot < 0) {
              pos = kvEnd;
              continue;
            }
            // value = AnyValue { string_value = 1 } filling the rest of the KeyValue.
            if (
              keyEnd + 4 <= kvEnd &&
              buf[keyEnd] === TAG_VALUE &&
              buf[keyEnd + 1]! < 0x80 &&
              keyEnd + 2 + buf[keyEnd + 1]! === kvEnd &&
              buf[keyEnd + 2] === TAG_ANY_STRING &&
              buf[keyEnd + 3]! < 0x80 &&
              keyEnd + 4 + buf[keyEnd + 3]! === kvEnd
            ) {
              values[slot] = strings.utf8(buf, view, keyEnd + 4, kvEnd);
              pos = kvEnd;
              continue;
            }
          }
        }
        r.pos = pos;
        readKeyValue(r, buf, strings, kvEnd, plan, values);
        pos = kvEnd;
        continue;
      }
      switch (tag) {
        case T_TRACE_ID:
        case T_SPAN_ID:
        case T_NAME:
        case T_STATUS: {
          let len = pos < end ? buf[pos]! : 0x80;
          if (len < 0x80) pos++;
          else {
            r.pos = pos;
            len = r.length(end);
            pos = r.pos;
          }
          const fieldEnd = pos + len;
          if (fieldEnd > end) throw truncated(pos);
          if (tag === T_TRACE_ID) {
            traceStart = pos;
            traceEnd = fieldEnd;
          } else if (tag === T_SPAN_ID) {
            spanStart = pos;
            spanEnd = fieldEnd;
          } else if (tag === T_NAME) {
            name = strings.utf8(buf, view, pos, fieldEnd);
          } else {
            r.pos = pos;
            statusCode = this.status(fieldEnd);
          }
          pos = fieldEnd;
          break;
        }
        case T_START:
        case T_END: {
          if (pos + 8 > end) throw truncated(pos);
          const lo = view.getUint32(pos, true);
          const hi = view.getUint32(pos + 4, true);
          pos += 8;
          if (tag === T_START) {
            startHi = hi;
            startLo = lo;
          } else {
            endHi = hi;
            endLo = lo;
          }
          break;
        }
        case T_KIND:
          if (pos < end && buf[pos]! < 0x80) kind = buf[pos++]!;
          else {
            r.pos = pos;
            kind = r.uint32(end);
            pos = r.pos;
          }
          break;
        default: {
          const field = tag >>> 3;
          const wire = tag & 7;
          if (tag < 8 || wire > 5) throw badTag(tag, pos);
          const wanted = SPAN_FIELD_NAMES[field];
          if (wanted !== undefined) throw wrongWireType('Span', wanted, wire, pos);
          r.pos = pos;
          r.skip(wire, field, end);
          pos = r.pos;
        }
      }
    }
    r.pos = end;
    const problem = invalidIds(buf, traceStart, traceEnd, spanStart, spanEnd, startHi, startLo, endHi, endLo);
    if (problem !== undefined) {
      this.rejections.add(problem);
      return;
    }
    const core = this.core;
    core.traceId = traceIdHex(buf, traceStart);
    core.spanId = spanIdHex(buf, spanStart);
    core.name = name;
    core.kind = kind;
    core.endTimeMs = nanosToMs(endHi, endLo);
    core.durationMs = durationMs(startHi, startLo, endHi, endLo);
    core.statusCode = statusCode;
    if (this.spans.length >= this.maxSpans) throw new TooManySpansError(this.maxSpans);
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
  startHi: number,
  startLo: number,
  endHi: number,
  endLo: number,
): string | undefined {
  if (traceEnd - traceStart !== 16 || allZero(buf, traceStart, traceEnd)) {
    return 'invalid trace_id (must be 16 bytes, not all zero)';
  }
  if (spanEnd - spanStart !== 8 || allZero(buf, spanStart, spanEnd)) {
    return 'invalid span_id (must be 8 bytes, not all zero)';
  }
  // A missing (zero) start would make a decades-long duration, a bad event in every latency SLO.
  if (startHi === 0 && startLo === 0) return 'missing start_time_unix_nano';
  if (endHi === 0 && endLo === 0) return 'missing end_time_unix_nano';
  if (startHi > endHi || (startHi === endHi && startLo > endLo))
    return 'start_time_unix_nano is after end_time_unix_nano';
  return undefined;
}

function allZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}
