import type { AttributePlan, ScalarValue } from './attribute-plan.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { isObject, type JsonObject } from './json-shape.ts';

/**
 * Reads OTLP/JSON `KeyValue`s into `values` by slot, like the protobuf reader: only keys in the
 * plan, only scalar values. `intValue` may be a string or a number (int64 in proto3 JSON);
 * `doubleValue` may be a number or `"NaN"`/`"Infinity"`/`"-Infinity"`.
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

function scalar(value: JsonObject): ScalarValue {
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  const int = value.intValue;
  if (typeof int === 'number') return Number.isInteger(int) ? int : undefined;
  if (typeof int === 'string') return /^-?\d+$/.test(int) ? Number(int) : undefined;
  const double = value.doubleValue;
  if (typeof double === 'number') return double;
  if (typeof double === 'string') {
    if (double === 'NaN') return Number.NaN;
    if (double === 'Infinity') return Number.POSITIVE_INFINITY;
    if (double === '-Infinity') return Number.NEGATIVE_INFINITY;
  }
  return undefined;
}
