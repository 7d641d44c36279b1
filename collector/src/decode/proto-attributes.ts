import type { Buffer } from 'node:buffer';
import type { AttributePlan, ScalarValue } from './attribute-plan.ts';
import type { StringCache } from './string-cache.ts';
import {
  int64ToNumber,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  type WireReader,
  wrongWireType,
} from './wire-reader.ts';

// opentelemetry/proto/common/v1: KeyValue { key = 1; value = 2 }, AnyValue oneof fields.
const TAG_KEY = (1 << 3) | WIRE_LEN;
const TAG_VALUE = (2 << 3) | WIRE_LEN;
const ANY_STRING = 1;
const ANY_BOOL = 2;
const ANY_INT = 3;
const ANY_DOUBLE = 4;

/**
 * Reads one `KeyValue` ending at `end`: when its key (compared as raw bytes) has a slot in the
 * plan, stores the scalar value in `values[slot]`; otherwise skips the rest undecoded.
 */
export function readKeyValue(
  r: WireReader,
  buf: Buffer,
  strings: StringCache,
  end: number,
  plan: AttributePlan,
  values: ScalarValue[],
): void {
  // Fast path for the encoding every SDK emits: key first, then the value filling the rest of
  // the KeyValue, both with one-byte lengths. Anything else takes the general loop below.
  const start = r.pos;
  if (buf[start] === TAG_KEY && start + 2 <= end) {
    const keyLength = buf[start + 1]!;
    const keyEnd = start + 2 + keyLength;
    if (keyLength < 0x80 && keyEnd <= end) {
      const matched = plan.match(buf, r.view, start + 2, keyEnd);
      if (matched < 0) {
        r.pos = end;
        return;
      }
      if (
        buf[keyEnd] === TAG_VALUE &&
        keyEnd + 2 <= end &&
        buf[keyEnd + 1]! < 0x80 &&
        keyEnd + 2 + buf[keyEnd + 1]! === end
      ) {
        const valueStart = keyEnd + 2;
        // A string AnyValue with a one-byte length: decode it directly.
        if (
          buf[valueStart] === 0x0a &&
          valueStart + 2 <= end &&
          valueStart + 2 + buf[valueStart + 1]! === end
        ) {
          values[matched] = strings.utf8(buf, r.view, valueStart + 2, end);
        } else {
          r.pos = valueStart;
          values[matched] = readAnyValue(r, buf, strings, end);
        }
        r.pos = end;
        return;
      }
    }
  }
  let slot = -1;
  let valueStart = -1;
  let valueEnd = -1;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === TAG_KEY) {
      const keyEnd = r.lengthEnd(end);
      slot = plan.match(buf, r.view, r.pos, keyEnd);
      if (slot < 0) {
        r.pos = end;
        return;
      }
      r.pos = keyEnd;
    } else if (tag === TAG_VALUE) {
      valueEnd = r.lengthEnd(end);
      valueStart = r.pos;
      r.pos = valueEnd;
    } else if (tag >>> 3 === 1 || tag >>> 3 === 2) {
      throw wrongWireType('KeyValue', tag >>> 3 === 1 ? 'key' : 'value', tag & 7, r.pos);
    } else {
      r.skip(tag & 7, tag >>> 3, end);
    }
  }
  if (slot >= 0 && valueStart >= 0) {
    r.pos = valueStart;
    values[slot] = readAnyValue(r, buf, strings, valueEnd);
    r.pos = end;
  }
}

/** A scalar `AnyValue`; arrays, maps and bytes read as `undefined`. */
export function readAnyValue(r: WireReader, buf: Buffer, strings: StringCache, end: number): ScalarValue {
  let value: ScalarValue;
  while (r.pos < end) {
    const tag = r.tag(end);
    const wire = tag & 7;
    switch (tag >>> 3) {
      case ANY_STRING: {
        if (wire !== WIRE_LEN) throw wrongWireType('AnyValue', 'string_value', wire, r.pos);
        const stringEnd = r.lengthEnd(end);
        value = strings.utf8(buf, r.view, r.pos, stringEnd);
        r.pos = stringEnd;
        break;
      }
      case ANY_BOOL:
        if (wire !== WIRE_VARINT) throw wrongWireType('AnyValue', 'bool_value', wire, r.pos);
        r.varint64(end);
        value = r.lo !== 0 || r.hi !== 0;
        break;
      case ANY_INT:
        if (wire !== WIRE_VARINT) throw wrongWireType('AnyValue', 'int_value', wire, r.pos);
        r.varint64(end);
        value = int64ToNumber(r.hi, r.lo);
        break;
      case ANY_DOUBLE:
        if (wire !== WIRE_FIXED64) throw wrongWireType('AnyValue', 'double_value', wire, r.pos);
        value = r.double(end);
        break;
      default:
        r.skip(wire, tag >>> 3, end);
        value = undefined;
    }
  }
  return value;
}

export { asBuffer } from './wire-reader.ts';
