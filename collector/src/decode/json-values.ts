import { OtlpDecodeError } from '../receive/decode-error.ts';
import type { AttributePlan, ScalarValue } from './attribute-plan.ts';
import { field, isObject, type JsonObject } from './json-shape.ts';

/**
 * Reads OTLP/JSON `KeyValue`s into `values` by slot, like the protobuf reader: only keys in the
 * plan, only scalar values, under their JSON or proto field names (`stringValue` or
 * `string_value`, …). `intValue` may be a string or a number (int64 in proto3 JSON);
 * `doubleValue` may be a number or a string ({@link jsonDouble}).
 */
export function readJsonAttributes(
  attributes: readonly unknown[],
  path: string,
  plan: AttributePlan,
  values: ScalarValue[],
): void {
  for (let i = 0; i < attributes.length; i++) {
    const kv = attributes[i];
    if (!isObject(kv)) throw new OtlpDecodeError(`invalid OTLP/JSON: ${path}[${i}] must be an object`);
    const key = kv.key;
    if (typeof key !== 'string')
      throw new OtlpDecodeError(`invalid OTLP/JSON: ${path}[${i}].key must be a string`);
    const slot = plan.slotOf(key);
    if (slot < 0) continue;
    const value = kv.value;
    values[slot] = isObject(value) ? scalar(value) : undefined;
  }
}

/** An `AnyValue`'s scalar, under its JSON name or its proto field name (as every other field). */
function scalar(value: JsonObject): ScalarValue {
  const text = field(value, 'stringValue', 'string_value');
  if (typeof text === 'string') return text;
  const bool = field(value, 'boolValue', 'bool_value');
  if (typeof bool === 'boolean') return bool;
  const int = field(value, 'intValue', 'int_value');
  if (typeof int === 'number') return Number.isInteger(int) ? int : undefined;
  if (typeof int === 'string') return /^-?\d+$/.test(int) ? Number(int) : undefined;
  return jsonDouble(field(value, 'doubleValue', 'double_value'));
}

/** A number in decimal notation, as a proto3 JSON parser takes a `double` sent as a string. */
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A proto3 JSON `double`: a number, or a string holding one in decimal notation or
 * `"NaN"`/`"Infinity"`/`"-Infinity"` (parsers accept either form); undefined for anything else.
 */
export function jsonDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return DECIMAL.test(value) ? Number(value) : undefined;
}
