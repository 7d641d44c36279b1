import { OtlpDecodeError } from '../receive/decode-error.ts';

/**
 * Defensive accessors for OTLP/JSON: the body went through `JSON.parse`, so any value may have
 * any type. Wrong shapes fail with an {@link OtlpDecodeError} naming the path; absent optional
 * fields read as empty. Field names are the lowerCamelCase of the OTLP/JSON encoding, with the
 * proto field name accepted too (proto3 JSON parsers accept both).
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `obj[camel] ?? obj[snake]`: a `null` under the camelCase key falls back too, as when absent. */
export function field(obj: JsonObject, camel: string, snake?: string): unknown {
  const value = obj[camel];
  return (value !== undefined && value !== null) || snake === undefined ? value : obj[snake];
}

/** An array field; `null`/absent read as empty. */
export function arrayField(obj: JsonObject, path: string, camel: string, snake?: string): readonly unknown[] {
  const value = field(obj, camel, snake);
  if (value === undefined || value === null) return EMPTY;
  if (!Array.isArray(value))
    throw new OtlpDecodeError(`invalid OTLP/JSON: ${path}.${camel} must be an array`);
  return value;
}

/** An object element or field; `null`/absent read as `undefined`. */
export function objectAt(value: unknown, path: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new OtlpDecodeError(`invalid OTLP/JSON: ${path} must be an object`);
  return value;
}

/** A string field; absent reads as `''`. */
export function stringField(obj: JsonObject, path: string, camel: string, snake?: string): string {
  const value = field(obj, camel, snake);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string')
    throw new OtlpDecodeError(`invalid OTLP/JSON: ${path}.${camel} must be a string`);
  return value;
}

/**
 * A uint64 field (a timestamp): OTLP/JSON sends a decimal string, and some encoders a number.
 * Absent reads as `undefined`; whether its digits make a valid uint64 is the caller's to judge
 * (one bad span is rejected alone), but any other JSON type is a malformed request.
 */
export function uint64Field(obj: JsonObject, path: string, camel: string, snake?: string): unknown {
  // `null` under one name falls back to the other, as a missing field does.
  const value = obj[camel] ?? (snake === undefined ? undefined : obj[snake]);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new OtlpDecodeError(`invalid OTLP/JSON: ${path}.${camel} must be a decimal string or an integer`);
  return value;
}

/**
 * An enum field: an integer (what OTLP/JSON requires) or, leniently, the value's name from
 * `names`. Absent reads as 0.
 */
export function enumField(
  obj: JsonObject,
  path: string,
  camel: string,
  names: Readonly<Record<string, number>>,
): number {
  const value = obj[camel];
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  // Own keys only: `constructor` or `__proto__` would otherwise name Object.prototype's members.
  if (typeof value === 'string' && Object.hasOwn(names, value)) return names[value]!;
  throw new OtlpDecodeError(`invalid OTLP/JSON: ${path}.${camel} must be an integer enum value`);
}

/** Parses the body; a syntax error (or anything but a top-level object) is malformed input. */
export function parseJsonBody(body: Uint8Array | string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
  } catch (error) {
    // V8's parser is iterative, but a RangeError from some other engine must still be a 400.
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new OtlpDecodeError('invalid OTLP/JSON: the body must be a JSON object');
  return parsed;
}

const EMPTY: readonly unknown[] = Object.freeze([]);
