/**
 * OTLP/HTTP response bodies: `Export*ServiceResponse` (with `partial_success`) on 200 and
 * `google.rpc.Status` on errors, encoded to match the request (protobuf or JSON).
 */
import { mediaTypeOf } from './media-type.ts';

/** Encodings the receiver accepts, by request content type. */
export type OtlpEncoding = 'protobuf' | 'json';

export const CONTENT_TYPE_PROTOBUF = 'application/x-protobuf';
export const CONTENT_TYPE_JSON = 'application/json';

/** gRPC status codes used in `google.rpc.Status.code`. */
export const RPC_CODE = {
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** The request's encoding from its `Content-Type`, or `undefined` when unsupported. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const type = mediaTypeOf(contentType);
  if (type === CONTENT_TYPE_PROTOBUF) return 'protobuf';
  if (type === CONTENT_TYPE_JSON) return 'json';
  return undefined;
}

export function contentTypeOf(encoding: OtlpEncoding): string {
  return encoding === 'protobuf' ? CONTENT_TYPE_PROTOBUF : CONTENT_TYPE_JSON;
}

/** `google.rpc.Status { int32 code = 1; string message = 2; }`. */
export function encodeStatus(encoding: OtlpEncoding, code: number, message: string): Uint8Array | string {
  if (encoding === 'json') return JSON.stringify({ code, message });
  return concat([varintField(1, code), stringField(2, message)]);
}

/**
 * `Export{Trace,Metrics}ServiceResponse { partial_success = 1 { int64 rejected_* = 1;
 * string error_message = 2; } }`. No rejections → an empty message (`{}` in JSON).
 * `rejectedName` is the JSON name: `rejectedSpans` or `rejectedDataPoints`.
 */
export function encodeExportResponse(
  encoding: OtlpEncoding,
  rejectedName: 'rejectedSpans' | 'rejectedDataPoints',
  rejected: number,
  errorMessage: string | undefined,
): Uint8Array | string {
  if (rejected === 0 && errorMessage === undefined) return encoding === 'json' ? '{}' : new Uint8Array(0);
  if (encoding === 'json') {
    // int64 is a decimal string in proto3 JSON.
    return JSON.stringify({
      partialSuccess: { [rejectedName]: String(rejected), errorMessage: errorMessage ?? '' },
    });
  }
  const inner = concat([
    varintField(1, rejected),
    errorMessage ? stringField(2, errorMessage) : new Uint8Array(0),
  ]);
  return concat([tagLength(1, inner.length), inner]);
}

const encoder = new TextEncoder();

function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return bytes;
}

function varintField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(field << 3), ...varint(value)]);
}

function tagLength(field: number, length: number): Uint8Array {
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(length)]);
}

function stringField(field: number, value: string): Uint8Array {
  const bytes = encoder.encode(value);
  return concat([tagLength(field, bytes.length), bytes]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
