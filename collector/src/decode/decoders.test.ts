import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTR, METRIC, SEMCONV } from '@breakwater/protocol';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import protobuf from 'protobufjs';
import { makeGenAiSpans } from '../../bench/genai-spans.ts';
import { OtlpDecodeError } from '../receive/decode-error.ts';
import {
  capChars,
  MAX_DEPENDENCY_CHARS,
  MAX_ERROR_TYPE_CHARS,
  MAX_LABEL_CHARS,
  MAX_SERVICE_CHARS,
  MAX_VERSION_CHARS,
} from './identity.ts';
import { decodeMetricsJson } from './json-metrics.ts';
import { JsonTraceDecoder } from './json-traces.ts';
import { ProtoMetricsDecoder } from './proto-metrics.ts';
import { ProtoTraceDecoder } from './proto-traces.ts';
import { parseUint64 } from './time.ts';
import { int64ToNumber, WireReader } from './wire-reader.ts';

const root = protobuf.loadSync(new URL('../../bench/otlp-trace.proto', import.meta.url).pathname);
const Request = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

const kv = (key: string, value: Record<string, unknown>) => ({ key, value });

/** One span with every field the decoders read, as a plain OTLP/JSON-shaped object. */
function jsonRequest(overrides: Record<string, unknown> = {}) {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            kv(SEMCONV.SERVICE_NAME, { stringValue: 'checkout' }),
            kv(SEMCONV.SERVICE_VERSION, { stringValue: '2.1.0' }),
            kv('k8s.namespace.name', { stringValue: 'shop' }),
            kv('tenant', { stringValue: 'from-resource' }),
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'x' },
            spans: [
              {
                traceId: TRACE.toUpperCase(),
                spanId: SPAN,
                name: 'chat gpt-4o',
                kind: 3,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000250000000',
                attributes: [
                  kv(SEMCONV.GEN_AI_PROVIDER_NAME, { stringValue: 'openai' }),
                  kv(SEMCONV.GEN_AI_REQUEST_MODEL, { stringValue: 'gpt-4o' }),
                  kv(ATTR.RETRY_ATTEMPTS, { intValue: '3' }),
                  kv(ATTR.ERROR_RETRYABLE, { boolValue: true }),
                  kv(ATTR.ERROR_CATEGORY, { stringValue: 'overloaded' }),
                  kv(ATTR.ROLE, { stringValue: 'not-a-role' }),
                  kv('tenant', { stringValue: 'acme' }),
                  kv('weight', { doubleValue: 0.5 }),
                  kv('unknown.ignored', { arrayValue: { values: [{ stringValue: 'a' }] } }),
                ],
                status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                ...overrides,
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('trace decoders', () => {
  const extras = new Set(['tenant', 'k8s.namespace.name', 'weight']);

  it('protobuf and JSON give the same record, with extras and typed fields', () => {
    const json = jsonRequest();
    const fromJson = new JsonTraceDecoder(extras).decode(JSON.stringify(json));
    const message = Request.fromObject({
      resourceSpans: [
        {
          ...json.resourceSpans[0],
          scopeSpans: [
            {
              spans: [
                {
                  ...json.resourceSpans[0]!.scopeSpans[0]!.spans[0],
                  traceId: Buffer.from(TRACE, 'hex'),
                  spanId: Buffer.from(SPAN, 'hex'),
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000250000000',
                  attributes: json.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes.map((a) => ({
                    key: a.key,
                    value: {
                      ...a.value,
                      intValue: a.value.intValue === undefined ? undefined : Number(a.value.intValue),
                    },
                  })),
                  status: { code: 2 },
                },
              ],
            },
          ],
        },
      ],
    });
    const fromProto = new ProtoTraceDecoder(extras).decode(Request.encode(message).finish());
    assert.deepEqual(fromProto, fromJson);
    const [span] = fromJson.spans;
    assert.deepEqual(span, {
      traceId: TRACE,
      spanId: SPAN,
      name: 'chat gpt-4o',
      kind: 3,
      endTimeMs: 1700000000250,
      durationMs: 250,
      statusCode: 2,
      service: 'checkout',
      serviceVersion: '2.1.0',
      instanceId: undefined,
      operationName: undefined,
      provider: 'openai',
      requestModel: 'gpt-4o',
      toolName: undefined,
      serverAddress: undefined,
      errorType: undefined,
      dependency: 'openai/gpt-4o',
      role: undefined,
      errorCategory: 'overloaded',
      errorSource: undefined,
      errorRetryable: true,
      retryAttempts: 3,
      breakerState: undefined,
      breakerSource: undefined,
      fallback: undefined,
      extra: { 'k8s.namespace.name': 'shop', tenant: 'acme', weight: 0.5 },
    });
  });

  it('no extra keys requested: extra is undefined', async () => {
    const spans = await makeGenAiSpans({ spans: 5, services: 1 });
    const decoded = new ProtoTraceDecoder().decode(ProtobufTraceSerializer.serializeRequest(spans)!);
    assert.ok(decoded.spans.every((s) => s.extra === undefined));
  });

  it('real serializers: protobuf and JSON agree on 300 GenAI spans', async () => {
    const spans = await makeGenAiSpans({ spans: 300, services: 3 });
    const proto = new ProtoTraceDecoder(new Set(['host.name'])).decode(
      ProtobufTraceSerializer.serializeRequest(spans)!,
    );
    const json = new JsonTraceDecoder(new Set(['host.name'])).decode(
      JsonTraceSerializer.serializeRequest(spans)!,
    );
    assert.equal(proto.spans.length, 300);
    assert.deepEqual(proto, json);
    assert.ok(proto.spans.every((s) => typeof s.extra?.['host.name'] === 'string'));
  });

  it('stops at maxSpans in both encodings (the receiver passes what its memory budget holds)', async () => {
    const spans = await makeGenAiSpans({ spans: 10, services: 1 });
    const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
    const json = JsonTraceSerializer.serializeRequest(spans)!;
    assert.equal(new ProtoTraceDecoder().decode(proto, 10).spans.length, 10);
    assert.equal(new JsonTraceDecoder().decode(json, 10).spans.length, 10);
    const tooMany = {
      name: 'TooManySpansError',
      maxSpans: 9,
      message: 'the request holds more than 9 spans',
    };
    assert.throws(() => new ProtoTraceDecoder().decode(proto, 9), tooMany);
    assert.throws(() => new JsonTraceDecoder().decode(json, 9), tooMany);
  });

  it('reads a resource that follows its spans, and skips unknown fields of every wire type', () => {
    // ResourceSpans body = [resource][scope_spans]; rewrite as [unknowns][scope_spans][resource].
    const { resource, scopeSpans: rest } = resourceSpansParts();
    const unknown = Uint8Array.of(
      (10 << 3) | 0,
      0x96,
      0x01, // varint
      (11 << 3) | 1,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // fixed64
      (12 << 3) | 5,
      1,
      2,
      3,
      4, // fixed32
      (13 << 3) | 3,
      (1 << 3) | 0,
      5,
      (13 << 3) | 4, // group with a varint inside
    );
    const body = Buffer.concat([unknown, rest, resource]);
    const reordered = Buffer.concat([Uint8Array.of(0x0a, ...varint(body.length)), body]);
    const decoded = new ProtoTraceDecoder().decode(reordered);
    assert.equal(decoded.spans.length, 1);
    assert.equal(decoded.spans[0]!.service, 'checkout');
  });

  it('reads the deprecated instrumentation_library_spans of older SDKs, only where there are no scope_spans', () => {
    // ResourceSpans body = [resource][scope_spans]: send the scope_spans as field 1000 instead.
    const { resource, scopeSpans } = resourceSpansParts();
    assert.equal(scopeSpans[0], (2 << 3) | 2);
    const asLibrary = Buffer.concat([Uint8Array.of(0xc2, 0x3e), scopeSpans.subarray(1)]); // tag (1000 << 3) | 2
    const wrap = (body: Uint8Array) => Buffer.concat([Uint8Array.of(0x0a, ...varint(body.length)), body]);
    const legacy = new ProtoTraceDecoder().decode(wrap(Buffer.concat([resource, asLibrary])));
    assert.equal(legacy.spans.length, 1);
    assert.equal(legacy.spans[0]!.service, 'checkout');
    // Both (a sender in transition): the current field only, never the spans twice.
    const both = new ProtoTraceDecoder().decode(wrap(Buffer.concat([resource, scopeSpans, asLibrary])));
    assert.equal(both.spans.length, 1);

    const json = jsonRequest();
    const rs = json.resourceSpans[0]! as Record<string, unknown>;
    const jsonLegacy = {
      resourceSpans: [{ resource: rs.resource, instrumentationLibrarySpans: rs.scopeSpans }],
    };
    assert.equal(new JsonTraceDecoder().decode(JSON.stringify(jsonLegacy)).spans.length, 1);
    const jsonBoth = { resourceSpans: [{ ...rs, instrumentationLibrarySpans: rs.scopeSpans }] };
    assert.equal(new JsonTraceDecoder().decode(JSON.stringify(jsonBoth)).spans.length, 1);
  });

  it('rejects malformed protobuf with a clear message', () => {
    const decoder = new ProtoTraceDecoder();
    const good = Request.encode(Request.fromObject(jsonRequestForProto())).finish();
    for (let cut = 1; cut < good.length; cut += 7) {
      assert.throws(() => decoder.decode(good.subarray(0, cut)), OtlpDecodeError);
    }
    // Span.name (field 5) sent as a varint.
    const badName = Buffer.from(good);
    const nameAt = badName.indexOf(Buffer.from('chat gpt-4o')) - 2;
    assert.equal(badName[nameAt], (5 << 3) | 2);
    badName[nameAt] = (5 << 3) | 0;
    assert.throws(() => decoder.decode(badName), /Span\.name has wire type 0/);
    assert.throws(() => decoder.decode(Uint8Array.of(0x0a, 0x05, 0x00)), /truncated|bad field tag/);
    assert.throws(() => decoder.decode(Uint8Array.of(0x00)), /bad field tag 0/);
    assert.throws(() => decoder.decode(Uint8Array.of(0x10, ...new Array(11).fill(0xff))), /varint longer/);
    // A length or a tag beyond 32 bits is malformed, not its low 32 bits (2^32 read as 0, 2^32 + 10
    // as resource_spans); a padded varint with the high bits clear is still fine.
    const beyond32 = [0x80, 0x80, 0x80, 0x80, 0x10];
    assert.throws(() => decoder.decode(Uint8Array.of(0x0a, ...beyond32)), /exceeds 32 bits/);
    assert.throws(() => decoder.decode(Uint8Array.of(0x8a, ...beyond32.slice(1), 0x00)), /exceeds 32 bits/);
    assert.equal(decoder.decode(Uint8Array.of(0x8a, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00)).spans.length, 0);
  });

  it('skips unknown groups nested up to 100 deep, and refuses deeper ones', () => {
    const decoder = new ProtoTraceDecoder();
    const good = Request.encode(Request.fromObject(jsonRequestForProto())).finish();
    const nested = (depth: number) =>
      Buffer.concat([
        Buffer.alloc(depth, (2 << 3) | 3),
        Uint8Array.of((1 << 3) | 0, 7), // a varint in the innermost group
        Buffer.alloc(depth, (2 << 3) | 4),
        good,
      ]);
    assert.equal(decoder.decode(nested(100)).spans.length, 1);
    assert.throws(() => decoder.decode(nested(101)), /groups nested deeper than 100/);
    assert.throws(
      () => decoder.decode(Uint8Array.of((2 << 3) | 3, (3 << 3) | 3, (2 << 3) | 4)),
      /mismatched end group/,
    );
  });

  it('counts spans with bad ids or no end time as rejected', () => {
    const decoder = new JsonTraceDecoder();
    for (const [override, reason] of [
      [{ traceId: 'zz' }, /invalid traceId/],
      [{ traceId: '0'.repeat(32) }, /invalid traceId/],
      [{ spanId: '123' }, /invalid spanId/],
      [{ endTimeUnixNano: undefined }, /endTimeUnixNano/],
      [{ endTimeUnixNano: '-1' }, /endTimeUnixNano/],
    ] as const) {
      const decoded = decoder.decode(JSON.stringify(jsonRequest(override)));
      assert.equal(decoded.spans.length, 0);
      assert.equal(decoded.rejectedSpans, 1);
      assert.match(decoded.rejectionMessage!, reason);
    }
  });

  it('counts a null entry of a spans array as a rejected span, keeping the others', () => {
    const request = jsonRequest();
    const scope = request.resourceSpans[0]!.scopeSpans[0]!;
    (scope as { spans: unknown[] }).spans = [null, scope.spans[0], null];
    const decoded = new JsonTraceDecoder().decode(JSON.stringify(request));
    assert.equal(decoded.spans.length, 1);
    assert.equal(decoded.rejectedSpans, 2);
    assert.match(
      decoded.rejectionMessage!,
      /^2 spans rejected; first: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\] is null/,
    );
  });

  it('rejects spans with no (or a zero) start time, or a start after the end, in both encodings', () => {
    const cases: [start: string | undefined, end: string, json: RegExp, proto: RegExp][] = [
      [undefined, '1700000000250000000', /startTimeUnixNano/, /missing start_time_unix_nano/],
      ['0', '1700000000250000000', /startTimeUnixNano/, /missing start_time_unix_nano/],
      ['1700000000250000001', '1700000000250000000', /after endTimeUnixNano/, /after end_time_unix_nano/],
    ];
    for (const [start, end, jsonReason, protoReason] of cases) {
      const fromJson = new JsonTraceDecoder().decode(
        JSON.stringify(jsonRequest({ startTimeUnixNano: start, endTimeUnixNano: end })),
      );
      assert.equal(fromJson.spans.length, 0, `JSON start ${start}`);
      assert.equal(fromJson.rejectedSpans, 1);
      assert.match(fromJson.rejectionMessage!, jsonReason);
      const request = jsonRequestForProto();
      const span: Record<string, unknown> = request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
      if (start === undefined) delete span.startTimeUnixNano;
      else span.startTimeUnixNano = start;
      span.endTimeUnixNano = end;
      const fromProto = new ProtoTraceDecoder().decode(Request.encode(Request.fromObject(request)).finish());
      assert.equal(fromProto.spans.length, 0, `protobuf start ${start}`);
      assert.equal(fromProto.rejectedSpans, 1);
      assert.match(fromProto.rejectionMessage!, protoReason);
    }
    // Start equal to end is a zero-length span, not an error.
    const instant = new JsonTraceDecoder().decode(
      JSON.stringify(jsonRequest({ startTimeUnixNano: '1700000000250000000' })),
    );
    assert.equal(instant.spans[0]!.durationMs, 0);
  });

  /** Both decoders' record of `jsonRequest(overrides)` with these resource attributes; asserts they agree. */
  function decodeBoth(resource: ReturnType<typeof kv>[], overrides: Record<string, unknown> = {}) {
    const json = jsonRequest(overrides);
    json.resourceSpans[0]!.resource.attributes = resource;
    const fromJson = new JsonTraceDecoder(extras).decode(JSON.stringify(json));
    const forProto = structuredClone(json) as typeof json & Record<string, never>;
    const span = forProto.resourceSpans[0]!.scopeSpans[0]!.spans[0]! as Record<string, unknown>;
    span.traceId = Buffer.from(TRACE, 'hex');
    span.spanId = Buffer.from(SPAN, 'hex');
    span.status = { code: 2 };
    span.attributes = (span.attributes as { key: string; value: Record<string, unknown> }[]).map((a) => ({
      key: a.key,
      value: { ...a.value, intValue: a.value.intValue === undefined ? undefined : Number(a.value.intValue) },
    }));
    const fromProto = new ProtoTraceDecoder(extras).decode(
      Request.encode(Request.fromObject(forProto)).finish(),
    );
    assert.deepEqual(fromProto, fromJson);
    return fromJson.spans[0]!;
  }

  it('reads the provider from the deprecated gen_ai.system when gen_ai.provider.name is absent (Python’s instrumentation)', () => {
    const resource = [kv(SEMCONV.SERVICE_NAME, { stringValue: 'py-agent' })];
    const spanWith = (attributes: ReturnType<typeof kv>[]) =>
      decodeBoth(resource, {
        attributes: [kv(SEMCONV.GEN_AI_REQUEST_MODEL, { stringValue: 'gpt-4o' }), ...attributes],
      });
    const python = spanWith([
      kv(SEMCONV.GEN_AI_SYSTEM, { stringValue: 'openai' }),
      kv(SEMCONV.SERVER_ADDRESS, { stringValue: 'api.openai.com' }),
    ]);
    assert.equal(python.provider, 'openai');
    assert.equal(python.dependency, 'openai/gpt-4o', 'the key a Node replica of the same call has');
    assert.equal(
      spanWith([kv(SEMCONV.GEN_AI_SYSTEM, { stringValue: 'az.ai.openai' })]).provider,
      'azure.ai.openai',
    );
    // The current attribute wins.
    const both = spanWith([
      kv(SEMCONV.GEN_AI_SYSTEM, { stringValue: 'az.ai.openai' }),
      kv(SEMCONV.GEN_AI_PROVIDER_NAME, { stringValue: 'openai' }),
    ]);
    assert.equal(both.provider, 'openai');
  });

  it('caps identity strings at the protocol lengths, keeping long values apart', () => {
    const long = (c: string, n: number) => c.repeat(n);
    const record = decodeBoth(
      [
        kv(SEMCONV.SERVICE_NAME, { stringValue: long('s', 1 << 20) }),
        kv(SEMCONV.SERVICE_VERSION, { stringValue: long('v', 300) }),
        kv(SEMCONV.SERVICE_INSTANCE_ID, { stringValue: long('i', 600) }),
        kv('tenant', { stringValue: long('t', 5000) }),
      ],
      {
        name: long('n', 1000),
        attributes: [
          kv(SEMCONV.GEN_AI_PROVIDER_NAME, { stringValue: long('p', 600) }),
          kv(SEMCONV.GEN_AI_REQUEST_MODEL, { stringValue: 'gpt-4o' }),
          kv(SEMCONV.ERROR_TYPE, { stringValue: long('e', 300) }),
          kv(SEMCONV.GEN_AI_OPERATION_NAME, { stringValue: long('o', 513) }),
        ],
      },
    );
    const capped = (value: string | number | boolean | undefined, c: string, max: number) => {
      assert.equal(typeof value, 'string');
      assert.equal((value as string).length, max);
      assert.match(value as string, new RegExp(`^${c}{${max - 9}}…[0-9a-f]{8}$`));
    };
    capped(record.service, 's', MAX_SERVICE_CHARS);
    capped(record.serviceVersion, 'v', MAX_VERSION_CHARS);
    capped(record.instanceId, 'i', MAX_LABEL_CHARS);
    capped(record.extra?.tenant, 't', MAX_LABEL_CHARS);
    capped(record.name, 'n', MAX_LABEL_CHARS);
    capped(record.provider, 'p', MAX_LABEL_CHARS);
    capped(record.errorType, 'e', MAX_ERROR_TYPE_CHARS);
    capped(record.operationName, 'o', MAX_LABEL_CHARS);
    assert.equal(record.requestModel, 'gpt-4o');
    // Derived from the attributes as sent (as the SDK derives it), then capped.
    assert.equal(record.dependency, capChars(`${long('p', 600)}/gpt-4o`, MAX_DEPENDENCY_CHARS));
    assert.equal(record.dependency!.length, MAX_DEPENDENCY_CHARS);
    // Values at the cap are kept as they are.
    const exact = decodeBoth([kv(SEMCONV.SERVICE_NAME, { stringValue: long('s', MAX_SERVICE_CHARS) })]);
    assert.equal(exact.service, long('s', MAX_SERVICE_CHARS));
    // Long values with the same head stay apart; the same value always caps the same.
    const a = capChars(`${long('x', 300)}a`, MAX_SERVICE_CHARS);
    const b = capChars(`${long('x', 300)}b`, MAX_SERVICE_CHARS);
    assert.notEqual(a, b);
    assert.equal(a, capChars(`${long('x', 300)}a`, MAX_SERVICE_CHARS));
    // A cut never splits a surrogate pair.
    const emoji = capChars('😀'.repeat(300), MAX_SERVICE_CHARS);
    assert.ok(emoji.length <= MAX_SERVICE_CHARS);
    assert.equal(Buffer.from(emoji, 'utf8').toString('utf8'), emoji, 'well-formed UTF-16');
  });

  it('reads a service.version of "(unset)" as none: it renders as the same series', () => {
    const unset = decodeBoth([
      kv(SEMCONV.SERVICE_NAME, { stringValue: 'checkout' }),
      kv(SEMCONV.SERVICE_VERSION, { stringValue: '(unset)' }),
    ]);
    assert.equal(unset.serviceVersion, undefined);
    const other = decodeBoth([
      kv(SEMCONV.SERVICE_NAME, { stringValue: 'checkout' }),
      kv(SEMCONV.SERVICE_VERSION, { stringValue: '(unset)x' }),
    ]);
    assert.equal(other.serviceVersion, '(unset)x');
  });

  it('JSON accepts proto field names and enum names; rejects bad shapes', () => {
    const decoded = new JsonTraceDecoder().decode(
      JSON.stringify({
        resource_spans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { string_value: 'checkout' } }] },
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: TRACE,
                    span_id: SPAN,
                    kind: 'SPAN_KIND_SERVER',
                    start_time_unix_nano: 1,
                    end_time_unix_nano: '2000001',
                    attributes: [
                      { key: 'gen_ai.provider.name', value: { string_value: 'openai' } },
                      { key: 'breakwater.error.retryable', value: { bool_value: true } },
                      { key: 'breakwater.retry.attempts', value: { int_value: '3' } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    assert.equal(decoded.spans[0]!.kind, 2);
    assert.equal(decoded.spans[0]!.durationMs, 2);
    // Attribute values by their proto field names too, not dropped (the spans would fall out of every SLO).
    assert.equal(decoded.spans[0]!.service, 'checkout');
    assert.equal(decoded.spans[0]!.provider, 'openai');
    assert.equal(decoded.spans[0]!.errorRetryable, true);
    assert.equal(decoded.spans[0]!.retryAttempts, 3);
    // A null under the camelCase name is absent: the proto name beside it is read.
    const both = new JsonTraceDecoder().decode(
      JSON.stringify({
        resourceSpans: null,
        resource_spans: [
          {
            scopeSpans: null,
            scope_spans: [
              { spans: [{ trace_id: TRACE, span_id: SPAN, start_time_unix_nano: 1, end_time_unix_nano: 2 }] },
            ],
          },
        ],
      }),
    );
    assert.equal(both.spans.length, 1);
    const decoder = new JsonTraceDecoder();
    assert.throws(() => decoder.decode('[]'), /must be a JSON object/);
    assert.throws(() => decoder.decode('{"resourceSpans":[1]}'), /resourceSpans\[0\] must be an object/);
    assert.throws(
      () => decoder.decode(JSON.stringify(jsonRequest({ kind: 1.5 }))),
      /kind must be an integer enum/,
    );
    // Names of Object.prototype's members are no enum names (the kind was a function).
    for (const name of ['constructor', 'toString', '__proto__']) {
      assert.throws(
        () => decoder.decode(JSON.stringify(jsonRequest({ kind: name }))),
        /kind must be an integer enum/,
      );
      assert.throws(
        () => decoder.decode(JSON.stringify(jsonRequest({ status: { code: name } }))),
        /status\.code must be an integer enum/,
      );
    }
    assert.throws(
      () => decoder.decode(JSON.stringify(jsonRequest({ attributes: [{ key: 5 }] }))),
      /key must be a string/,
    );
    // A null under the camelCase name reads the proto name's value.
    const nulled = decoder.decode(
      JSON.stringify(jsonRequest({ startTimeUnixNano: null, start_time_unix_nano: '1700000000000000000' })),
    );
    assert.equal(nulled.spans.length, 1);
    // A timestamp of another JSON type is a malformed request, not one bad span.
    assert.throws(
      () => decoder.decode(JSON.stringify(jsonRequest({ startTimeUnixNano: { seconds: 1 } }))),
      /spans\[0\]\.startTimeUnixNano must be a decimal string or an integer/,
    );
    assert.throws(
      () =>
        decoder.decode(JSON.stringify(jsonRequest({ end_time_unix_nano: true, endTimeUnixNano: undefined }))),
      /endTimeUnixNano must be a decimal string or an integer/,
    );
  });
});

/** The two fields of the one ResourceSpans of the one-span protobuf request, as encoded. */
function resourceSpansParts(): { resource: Uint8Array; scopeSpans: Uint8Array } {
  const message = Request.encode(Request.fromObject(jsonRequestForProto())).finish();
  const r = new WireReader(message);
  r.tag(message.length);
  const rsEnd = r.lengthEnd(message.length);
  const inner = message.subarray(r.pos, rsEnd);
  const ir = new WireReader(inner);
  ir.tag(inner.length);
  const resEnd = ir.lengthEnd(inner.length);
  return { resource: inner.subarray(0, resEnd), scopeSpans: inner.subarray(resEnd) };
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** `jsonRequest()` with protobuf-ready ids. */
function jsonRequestForProto() {
  const json = jsonRequest();
  const span = json.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  return {
    resourceSpans: [
      {
        resource: json.resourceSpans[0]!.resource,
        scopeSpans: [
          {
            spans: [
              {
                traceId: Buffer.from(TRACE, 'hex'),
                spanId: Buffer.from(SPAN, 'hex'),
                name: span.name,
                kind: 3,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000250000000',
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('metrics decoders', () => {
  const MetricsRoot = protobuf.parse(`syntax = "proto3";
    message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
    message KeyValue { string key = 1; AnyValue value = 2; }
    message Resource { repeated KeyValue attributes = 1; }
    message NumberDataPoint { repeated KeyValue attributes = 7; fixed64 time_unix_nano = 3; double as_double = 4; sfixed64 as_int = 6; }
    message Gauge { repeated NumberDataPoint data_points = 1; }
    message Metric { string name = 1; Gauge gauge = 5; }
    message ScopeMetrics { repeated Metric metrics = 2; }
    message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
    message Req { repeated ResourceMetrics resource_metrics = 1; }`).root;
  const Req = MetricsRoot.lookupType('Req');
  const point = (state: string, value: Record<string, number>) => ({
    attributes: [kv(ATTR.DEPENDENCY, { stringValue: 'tool/search' }), kv(ATTR.STATE, { stringValue: state })],
    timeUnixNano: '1700000000000000000',
    ...value,
  });
  const request = {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            kv(SEMCONV.SERVICE_NAME, { stringValue: 'agent' }),
            kv(SEMCONV.SERVICE_INSTANCE_ID, { stringValue: 'i-1' }),
          ],
        },
        scopeMetrics: [
          {
            metrics: [
              { name: 'other', gauge: { dataPoints: [point('open', { asInt: 1 })] } },
              {
                name: METRIC.BREAKER_STATE,
                gauge: { dataPoints: [point('open', { asInt: 1 }), point('closed', { asDouble: 0 })] },
              },
            ],
          },
        ],
      },
    ],
  };
  const expected = [
    { service: 'agent', instanceId: 'i-1', dependency: 'tool/search', state: 'open', timeMs: 1700000000000 },
  ];

  it('protobuf: only the current state of breakwater.circuit_breaker.state', () => {
    const bytes = Req.encode(Req.fromObject(request)).finish();
    assert.deepEqual(new ProtoMetricsDecoder().decode(bytes).points, expected);
  });

  it('JSON: the same', () => {
    assert.deepEqual(decodeMetricsJson(JSON.stringify(request)).points, expected);
    assert.throws(() => decodeMetricsJson('{"resourceMetrics": 5}'), OtlpDecodeError);
  });

  it('JSON: a value sent as a decimal string, which proto3 JSON allows for a double', () => {
    const body = structuredClone(request);
    body.resourceMetrics[0]!.scopeMetrics[0]!.metrics[1]!.gauge.dataPoints = [
      { ...point('open', {}), asDouble: '1' },
      { ...point('closed', {}), asDouble: '0.0' },
    ] as never;
    const decoded = decodeMetricsJson(JSON.stringify(body));
    assert.deepEqual(decoded.points, expected);
    assert.equal(decoded.rejectedPoints, 0);
  });

  it('caps service, instance and dependency of breaker states like those of spans', () => {
    const body = structuredClone(request);
    body.resourceMetrics[0]!.resource.attributes = [
      kv(SEMCONV.SERVICE_NAME, { stringValue: 's'.repeat(1 << 20) }),
      kv(SEMCONV.SERVICE_INSTANCE_ID, { stringValue: 'i'.repeat(1000) }),
    ];
    body.resourceMetrics[0]!.scopeMetrics[0]!.metrics[1]!.gauge.dataPoints = [
      {
        attributes: [
          kv(ATTR.DEPENDENCY, { stringValue: 'd'.repeat(1000) }),
          kv(ATTR.STATE, { stringValue: 'open' }),
        ],
        timeUnixNano: '1700000000000000000',
        asInt: 1,
      },
    ] as never;
    const fromJson = decodeMetricsJson(JSON.stringify(body)).points;
    const fromProto = new ProtoMetricsDecoder().decode(Req.encode(Req.fromObject(body)).finish()).points;
    assert.deepEqual(fromProto, fromJson);
    assert.deepEqual(fromJson, [
      {
        service: capChars('s'.repeat(1 << 20), MAX_SERVICE_CHARS),
        instanceId: capChars('i'.repeat(1000), MAX_LABEL_CHARS),
        dependency: capChars('d'.repeat(1000), MAX_DEPENDENCY_CHARS),
        state: 'open',
        timeMs: 1700000000000,
      },
    ]);
    assert.equal(fromJson[0]!.service.length, MAX_SERVICE_CHARS);
  });

  /** The request with the breaker-state metric's points replaced by `points`. */
  const withPoints = (points: Record<string, unknown>[]) => {
    const copy = structuredClone(request);
    copy.resourceMetrics[0]!.scopeMetrics[0]!.metrics[1]!.gauge.dataPoints = points as never;
    return copy;
  };
  const invalid: [string, Record<string, unknown>, RegExp][] = [
    [
      'no dependency',
      { ...point('open', { asInt: 1 }), attributes: [kv(ATTR.STATE, { stringValue: 'open' })] },
      /no breakwater\.dependency attribute/,
    ],
    [
      'a state that is no breaker state',
      point('OPEN', { asInt: 1 }),
      /first: state must be one of closed, open, half_open, isolated$/,
    ],
    [
      "the SDK's overflow series (its cardinality limit reached)",
      { ...point('open', { asInt: 1 }), attributes: [kv(SEMCONV.OTEL_METRIC_OVERFLOW, { boolValue: true })] },
      /otel\.metric\.overflow: the SDK's cardinality limit of breakwater\.circuit_breaker\.state was reached; raise it .*aggregationCardinalityLimit/,
    ],
    ['a value other than 0 or 1', point('open', { asDouble: 0.5 }), /value must be 0 or 1, not 0\.5/],
    ['no value', point('open', {}), /no numeric value/],
  ];
  for (const [name, bad, reason] of invalid) {
    it(`both encodings reject a point with ${name}, keeping the valid ones`, () => {
      const body = withPoints([point('closed', { asInt: 0 }), bad, point('open', { asInt: 1 })]);
      const fromProto = new ProtoMetricsDecoder().decode(Req.encode(Req.fromObject(body)).finish());
      const fromJson = decodeMetricsJson(JSON.stringify(body));
      for (const decoded of [fromProto, fromJson]) {
        assert.deepEqual(decoded.points, expected);
        assert.equal(decoded.rejectedPoints, 1);
        assert.match(decoded.rejectionMessage!, /^1 data point rejected; first: /);
        assert.match(decoded.rejectionMessage!, reason);
      }
    });
  }

  it('both encodings ignore a zero for a state they do not know (a newer SDK reports one)', () => {
    // An SDK reports 0 for every state it knows but the current one: a zero for a state added
    // after this collector says nothing, and rejecting it would fail part of every export.
    const body = withPoints([
      point('closed', { asInt: 0 }),
      point('draining', { asInt: 0 }),
      point('open', { asInt: 1 }),
    ]);
    const fromProto = new ProtoMetricsDecoder().decode(Req.encode(Req.fromObject(body)).finish());
    const fromJson = decodeMetricsJson(JSON.stringify(body));
    for (const decoded of [fromProto, fromJson]) {
      assert.deepEqual(decoded.points, expected);
      assert.equal(decoded.rejectedPoints, 0);
      assert.equal(decoded.rejectionMessage, undefined);
    }
  });

  it('JSON: a point whose timeUnixNano is not a uint64 is rejected', () => {
    const body = withPoints([{ ...point('open', { asInt: 1 }), timeUnixNano: '-5' }]);
    const decoded = decodeMetricsJson(JSON.stringify(body));
    assert.deepEqual(decoded.points, []);
    assert.match(decoded.rejectionMessage!, /dataPoints\[0\]\.timeUnixNano is not a uint64/);
  });

  it('JSON: a point whose timeUnixNano is of another JSON type fails the request', () => {
    const body = withPoints([{ ...point('open', { asInt: 1 }), timeUnixNano: ['1700000000000000000'] }]);
    assert.throws(
      () => decodeMetricsJson(JSON.stringify(body)),
      /dataPoints\[0\]\.timeUnixNano must be a decimal string or an integer/,
    );
  });

  it('protobuf: a field it reads, sent with the wrong wire type, fails the request', () => {
    const tag = (field: number, wire: number) => (field << 3) | wire;
    /** A value of the given wire type (varint 1, eight bytes, an empty string, or four bytes). */
    const value = (w: protobuf.Writer, wire: number) =>
      wire === 0 ? w.uint32(1) : wire === 1 ? w.fixed64(1) : wire === 2 ? w.string('') : w.fixed32(1);
    type Where = 'resource' | 'metric' | 'gauge' | 'point';
    /** One breaker-state point, with one extra field of `wire` type at `where`. */
    const encode = (where: Where, field: number, wire: number): Uint8Array => {
      const w = protobuf.Writer.create();
      const extra = (at: Where) => {
        if (at === where) value(w.uint32(tag(field, wire)), wire);
      };
      w.uint32(tag(1, 2)).fork(); // ResourceMetrics
      w.uint32(tag(1, 2)).fork(); // Resource
      extra('resource');
      w.ldelim();
      w.uint32(tag(2, 2)).fork(); // ScopeMetrics
      w.uint32(tag(2, 2)).fork(); // Metric
      w.uint32(tag(1, 2)).string(METRIC.BREAKER_STATE);
      extra('metric');
      w.uint32(tag(5, 2)).fork(); // Gauge
      extra('gauge');
      w.uint32(tag(1, 2)).fork(); // NumberDataPoint
      w.uint32(tag(7, 2)).fork().uint32(tag(1, 2)).string(ATTR.DEPENDENCY);
      w.uint32(tag(2, 2)).fork().uint32(tag(1, 2)).string('tool/search').ldelim().ldelim();
      w.uint32(tag(7, 2)).fork().uint32(tag(1, 2)).string(ATTR.STATE);
      w.uint32(tag(2, 2)).fork().uint32(tag(1, 2)).string('open').ldelim().ldelim();
      w.uint32(tag(6, 1)).sfixed64(1);
      extra('point');
      return w.ldelim().ldelim().ldelim().ldelim().ldelim().finish();
    };
    const decoder = new ProtoMetricsDecoder();
    // Unknown fields of any wire type are skipped: the point is read.
    assert.equal(decoder.decode(encode('point', 15, 0)).points.length, 1);
    assert.equal(decoder.decode(encode('metric', 15, 2)).points.length, 1);
    const cases: [Where, number, number, RegExp][] = [
      ['resource', 1, 0, /Resource\.attributes has wire type 0/],
      ['metric', 5, 0, /Metric\.gauge has wire type 0/],
      ['metric', 7, 5, /Metric\.sum has wire type 5/],
      ['gauge', 1, 1, /Gauge\.data_points has wire type 1/],
      ['point', 3, 0, /NumberDataPoint\.time_unix_nano has wire type 0/],
      ['point', 4, 5, /NumberDataPoint\.as_double has wire type 5/],
      ['point', 6, 2, /NumberDataPoint\.as_int has wire type 2/],
      ['point', 7, 0, /NumberDataPoint\.attributes has wire type 0/],
    ];
    for (const [where, field, wire, message] of cases) {
      assert.throws(() => decoder.decode(encode(where, field, wire)), message, `${where} field ${field}`);
    }
  });
});

describe('numbers', () => {
  it('parses uint64 decimal strings exactly into halves', () => {
    const out = { hi: 0, lo: 0 };
    assert.ok(parseUint64('18446744073709551615', out));
    assert.deepEqual(out, { hi: 0xffffffff, lo: 0xffffffff });
    assert.ok(parseUint64('1700000000123456789', out));
    assert.equal(BigInt(out.hi) * 2n ** 32n + BigInt(out.lo), 1700000000123456789n);
    assert.ok(!parseUint64('18446744073709551616', out));
    assert.ok(!parseUint64('1.5', out));
    assert.ok(!parseUint64(-1, out));
  });

  it('converts negative int64 halves', () => {
    assert.equal(int64ToNumber(0xffffffff, 0xffffffff), -1);
    assert.equal(int64ToNumber(0xffffffff, 0xfffffffe), -2);
    assert.equal(int64ToNumber(0, 42), 42);
  });
});
