import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { ATTR, SEMCONV } from '@breakwater/protocol';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { makeGenAiSpans } from '../../bench/genai-spans.ts';
import { OtlpDecodeError } from '../receive/decode-error.ts';
import { spanIdHex, traceIdHex } from './hex-ids.ts';
import { ProtoTraceDecoder } from './proto-traces.ts';
import { StringCache } from './string-cache.ts';

// A tiny protobuf writer, so these tests control every byte: field order, non-minimal varints
// (valid protobuf that no SDK writes, but a decoder must accept), lengths above one byte.

/** Varint of `value`; `pad` extra bytes make a longer, still valid, encoding. */
function varint(value: number, pad = 0): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  if (pad === 0) return [...out, v];
  return [...out, v | 0x80, ...new Array<number>(pad - 1).fill(0x80), 0];
}
const tag = (field: number, wire: number, pad = 0) => varint((field << 3) | wire, pad);
const utf8 = (s: string) => [...Buffer.from(s, 'utf8')];
function len(field: number, body: number[], opts: { tagPad?: number; lenPad?: number } = {}): number[] {
  return [...tag(field, 2, opts.tagPad), ...varint(body.length, opts.lenPad), ...body];
}
function fixed64(field: number, value: bigint): number[] {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return [...tag(field, 1), ...b];
}
const anyString = (s: string, lenPad = 0) => len(1, utf8(s), { lenPad });
const anyInt = (n: number) => [...tag(3, 0), ...varint(n)];
/** KeyValue { key = 1; value = 2 } (optionally value first) as a Span/Resource attribute field. */
function attribute(
  field: number,
  key: string,
  value: number[],
  opts: { valueFirst?: boolean; keyLenPad?: number; tagPad?: number } = {},
): number[] {
  const k = len(1, utf8(key), { lenPad: opts.keyLenPad });
  const v = len(2, value);
  return len(field, opts.valueFirst ? [...v, ...k] : [...k, ...v], { tagPad: opts.tagPad });
}
const spanAttr = (key: string, value: number[], opts?: Parameters<typeof attribute>[3]) =>
  attribute(9, key, value, opts);
const TRACE = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');
const SPAN = Buffer.from('b7ad6b7169203331', 'hex');
const START = 1_700_000_000_000_000_000n;

function request(
  spans: number[][],
  resource: number[] = attribute(1, SEMCONV.SERVICE_NAME, anyString('svc')),
) {
  const scope = spans.flatMap((s) => len(2, s));
  return Uint8Array.from(len(1, [...len(1, resource), ...len(2, scope)]));
}

/** A minimal valid span followed by `rest` (later fields of the same number win). */
function span(rest: number[] = []): number[] {
  return [
    ...len(1, [...TRACE]),
    ...len(2, [...SPAN]),
    ...fixed64(7, START),
    ...fixed64(8, START + 5_000_000n),
    ...rest,
  ];
}

describe('protobuf trace decoder fast paths', () => {
  it('reads fields in any order, non-minimal varints and multi-byte lengths like canonical ones', () => {
    const long = 'ü'.repeat(150); // 300 bytes: a two-byte length
    const fields = [
      ...len(15, [...tag(3, 0), ...varint(2, 2)]), // status first, code as a padded varint
      ...spanAttr('tenant', anyString(long, 1), { valueFirst: true }),
      ...spanAttr(ATTR.ROLE, anyString('operation'), { keyLenPad: 1 }),
      ...spanAttr(SEMCONV.GEN_AI_PROVIDER_NAME, anyString('openai'), { tagPad: 1 }),
      ...spanAttr(SEMCONV.GEN_AI_REQUEST_MODEL, anyString('gpt-4o', 1)),
      ...spanAttr(ATTR.RETRY_ATTEMPTS, anyInt(3)),
      ...len(2, [...SPAN]), // span_id before trace_id, not adjacent to it
      ...tag(6, 0, 1),
      ...varint(3, 1), // kind: tag and value padded
      ...len(5, utf8('chat gpt-4o'), { lenPad: 2 }),
      ...fixed64(7, START),
      ...len(1, [...TRACE], { tagPad: 1 }),
      ...fixed64(8, START + 250_000_000n),
    ];
    const decoded = new ProtoTraceDecoder(new Set(['tenant'])).decode(request([fields]));
    assert.equal(decoded.rejectedSpans, 0);
    const [s] = decoded.spans;
    assert.equal(s!.traceId, TRACE.toString('hex'));
    assert.equal(s!.spanId, SPAN.toString('hex'));
    assert.equal(s!.name, 'chat gpt-4o');
    assert.equal(s!.kind, 3);
    assert.equal(s!.statusCode, 2);
    assert.equal(s!.durationMs, 250);
    assert.equal(s!.role, 'operation');
    assert.equal(s!.provider, 'openai');
    assert.equal(s!.requestModel, 'gpt-4o');
    assert.equal(s!.dependency, 'openai/gpt-4o');
    assert.equal(s!.retryAttempts, 3);
    assert.deepEqual(s!.extra, { tenant: long });
  });

  it('refuses a length beyond 32 bits inside a span instead of reading its low bits', () => {
    const decoder = new ProtoTraceDecoder();
    // Span.attributes and Span.name (lengths read inline) of 2^32 + 2, then two bytes.
    for (const field of [9, 5]) {
      const wrapped = [...tag(field, 2), 0x82, 0x80, 0x80, 0x80, 0x10, 0x0a, 0x00];
      assert.throws(() => decoder.decode(request([span(wrapped)])), /exceeds 32 bits/);
    }
    // The same with the length padded, its high bits clear: valid.
    const padded = [...tag(9, 2), ...varint(2, 4), 0x0a, 0x00];
    assert.equal(decoder.decode(request([span(padded)])).spans.length, 1);
  });

  it('matches attribute keys on their exact bytes only (same length, same ending, short keys)', () => {
    const extras = new Set(['ab', 'x', 'tenant', 'é']);
    const attrs = [
      spanAttr('breakwater.error.sourcf', anyString('dependency')), // same length, other ending
      spanAttr('xreakwater.error.source', anyString('dependency')), // same ending, other start
      spanAttr('breakwater.error.sourc', anyString('dependency')), // a prefix
      spanAttr('a', anyString('no')),
      spanAttr('abc', anyString('no')),
      spanAttr('y', anyString('no')),
      spanAttr('è', anyString('no')), // same length in bytes as 'é'
      spanAttr('tenanT', anyString('no')),
      spanAttr('ab', anyString('yes-ab')),
      spanAttr('x', anyInt(7)),
      spanAttr('é', anyString('yes-é')),
    ];
    const [s] = new ProtoTraceDecoder(extras).decode(request([span(attrs.flat())])).spans;
    assert.equal(s!.errorSource, undefined);
    assert.deepEqual(s!.extra, { ab: 'yes-ab', x: 7, é: 'yes-é' });
    // Without extra keys the same span reads nothing but its fixed fields.
    const [plain] = new ProtoTraceDecoder().decode(request([span(attrs.flat())])).spans;
    assert.equal(plain!.extra, undefined);
  });

  it('validates enum-like values per span, also when consecutive spans alternate', () => {
    const roles = ['operation', 'not-a-role', 'operation', 'attempt', 'attempt', ''];
    const categories = ['overloaded', 'overloaded', 'nope', 'timeout', 'overloaded', 'timeout'];
    const spans = roles.map((role, i) =>
      span([
        ...spanAttr(ATTR.ROLE, anyString(role)),
        ...spanAttr(ATTR.ERROR_CATEGORY, anyString(categories[i]!)),
      ]),
    );
    spans.push(span([...spanAttr(ATTR.ROLE, anyInt(1)), ...spanAttr(ATTR.ERROR_CATEGORY, anyInt(1))]));
    const decoded = new ProtoTraceDecoder().decode(request(spans)).spans;
    assert.deepEqual(
      decoded.map((s) => s.role),
      ['operation', undefined, 'operation', 'attempt', 'attempt', undefined, undefined],
    );
    assert.deepEqual(
      decoded.map((s) => s.errorCategory),
      ['overloaded', 'overloaded', undefined, 'timeout', 'overloaded', 'timeout', undefined],
    );
  });

  it('reads the same strings again from its cache across requests', () => {
    const decoder = new ProtoTraceDecoder();
    const names = [
      'a',
      'ab',
      'abc',
      'abcd',
      'chat gpt-4o',
      'chat gpt-4o-mini',
      '日本語',
      'x'.repeat(64),
      'y'.repeat(65),
    ];
    const bytes = request(names.map((n) => span(len(5, utf8(n)))));
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(
        decoder.decode(bytes).spans.map((s) => s.name),
        names,
      );
    }
  });
});

describe('protobuf trace decoder robustness', () => {
  it('on corrupted or truncated real requests either decodes or throws OtlpDecodeError', async () => {
    const good = ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 20, services: 2 }))!;
    const decoder = new ProtoTraceDecoder(new Set(['host.name']));
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    for (let i = 0; i < 3000; i++) {
      let bytes: Uint8Array;
      if (i % 3 === 0) bytes = good.subarray(0, Math.floor(random() * good.length));
      else {
        bytes = Uint8Array.from(good);
        for (let k = 0; k < 1 + (i % 4); k++) bytes[Math.floor(random() * bytes.length)] = random() * 256;
      }
      try {
        const decoded = decoder.decode(bytes);
        for (const s of decoded.spans) {
          assert.match(s.traceId, /^[0-9a-f]{32}$/);
          assert.match(s.spanId, /^[0-9a-f]{16}$/);
        }
      } catch (error) {
        assert.ok(error instanceof OtlpDecodeError, String(error));
      }
    }
    assert.equal(decoder.decode(good).spans.length, 20); // caches unharmed
  });
});

describe('string cache', () => {
  /** What a plain decode gives; the cache must always agree. */
  const plain = (b: Buffer) => b.toString('utf8');

  function check(cache: StringCache, inputs: readonly Buffer[]): void {
    // One buffer holding every input at an odd offset, as inside a real request.
    const joined = Buffer.concat([Buffer.from([0xaa]), ...inputs]);
    const view = new DataView(joined.buffer, joined.byteOffset, joined.byteLength);
    let at = 1;
    for (const input of inputs) {
      assert.equal(cache.utf8(joined, view, at, at + input.length), plain(input));
      at += input.length;
    }
  }

  it('agrees with a plain UTF-8 decode for every length, multi-byte and invalid UTF-8', () => {
    const inputs: Buffer[] = [];
    for (let n = 0; n <= 80; n++) {
      inputs.push(Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3).slice(0, n)));
      inputs.push(Buffer.from('é'.repeat(n)).subarray(0, n)); // may cut a character in half
    }
    inputs.push(Buffer.from([0xff]), Buffer.from([0xe6, 0x97]), Buffer.from([0x41, 0xc3, 0x28, 0x42, 0xff]));
    inputs.push(Buffer.from([0]), Buffer.from([0, 0]), Buffer.from([0, 0, 0]), Buffer.from([0, 0, 0, 0]));
    const cache = new StringCache();
    check(cache, inputs);
    check(cache, inputs); // now from the cache
    check(cache, [...inputs].reverse());
  });

  it('stays exact when many strings share a slot (bytes the slot hash does not sample)', () => {
    // 20-byte strings differing only in bytes 4..7 and 12..15 (the hash samples 0..3, 8..11 and
    // 16..19): they all land in one slot and keep evicting each other.
    const inputs: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from('prefix-middle-suffix');
      b.writeUInt32LE((i * 2654435761) >>> 0, 4);
      b.writeUInt32LE(i, 12);
      inputs.push(b);
    }
    const cache = new StringCache();
    check(cache, inputs);
    check(cache, inputs);
  });
});

describe('hex ids', () => {
  it('match Buffer hex for every byte value', () => {
    const bytes = Buffer.alloc(256 + 16);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff;
    for (let p = 0; p + 16 <= bytes.length; p++) {
      assert.equal(traceIdHex(bytes, p), bytes.toString('hex', p, p + 16));
      assert.equal(spanIdHex(bytes, p), bytes.toString('hex', p, p + 8));
    }
  });
});
