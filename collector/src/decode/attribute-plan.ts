import { ATTR, SEMCONV } from '@breakwater/protocol';
import { capChars, MAX_LABEL_CHARS } from './identity.ts';

/**
 * Which attribute keys a decoder reads, and where each value goes. Known keys fill fixed
 * `SpanRecord` fields; extra keys (asked for by the configuration's selectors) fill
 * `SpanRecord.extra`. A key may be both. Every key has a slot: decoders store the value they find
 * in `values[slot]` and ignore attributes whose key has no slot.
 */

/** Span attribute slots for the fixed `SpanRecord` fields. */
export const SPAN_KEYS = [
  SEMCONV.GEN_AI_OPERATION_NAME,
  SEMCONV.GEN_AI_PROVIDER_NAME,
  SEMCONV.GEN_AI_REQUEST_MODEL,
  SEMCONV.GEN_AI_TOOL_NAME,
  SEMCONV.SERVER_ADDRESS,
  SEMCONV.ERROR_TYPE,
  ATTR.DEPENDENCY,
  ATTR.ROLE,
  ATTR.ERROR_CATEGORY,
  ATTR.ERROR_SOURCE,
  ATTR.ERROR_RETRYABLE,
  ATTR.RETRY_ATTEMPTS,
  ATTR.BREAKER_STATE,
  ATTR.BREAKER_SOURCE,
  ATTR.FALLBACK,
  SEMCONV.GEN_AI_SYSTEM,
] as const;

export const S_OPERATION = 0;
export const S_PROVIDER = 1;
export const S_MODEL = 2;
export const S_TOOL = 3;
export const S_SERVER = 4;
export const S_ERROR_TYPE = 5;
export const S_DEPENDENCY = 6;
export const S_ROLE = 7;
export const S_ERROR_CATEGORY = 8;
export const S_ERROR_SOURCE = 9;
export const S_ERROR_RETRYABLE = 10;
export const S_RETRY_ATTEMPTS = 11;
export const S_BREAKER_STATE = 12;
export const S_BREAKER_SOURCE = 13;
export const S_FALLBACK = 14;
export const S_SYSTEM = 15;

/** Resource attribute slots for the fixed `SpanRecord` fields. */
export const RESOURCE_KEYS = [
  SEMCONV.SERVICE_NAME,
  SEMCONV.SERVICE_VERSION,
  SEMCONV.SERVICE_INSTANCE_ID,
] as const;
export const R_SERVICE = 0;
export const R_VERSION = 1;
export const R_INSTANCE = 2;

/**
 * A wanted key as bytes, prepared for comparing four bytes at a time: `tail` is the word ending
 * at the key's last byte (checked first: the keys share long prefixes such as `gen_ai.` and
 * `breakwater.`, not endings), `head` the words at 0, 4, 8, … before it. Keys under four bytes
 * keep their bytes in `short`.
 */
class KeyPattern {
  readonly slot: number;
  readonly short: Uint8Array;
  readonly tail: number;
  readonly head: Int32Array;

  constructor(bytes: Uint8Array, slot: number) {
    this.slot = slot;
    this.short = bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const len = bytes.length;
    this.tail = len >= 4 ? view.getInt32(len - 4, true) : 0;
    this.head = new Int32Array(len >= 4 ? ((len + 3) >> 2) - 1 : 0);
    for (let k = 0; k < this.head.length; k++) this.head[k] = view.getInt32(4 * k, true);
  }
}

const encoder = new TextEncoder();

/** Attribute value as decoders store it (arrays, maps and bytes are not kept). */
export type ScalarValue = string | number | boolean | undefined;

export class AttributePlan {
  /** Number of slots: the fixed keys first, then extra keys that are not fixed keys. */
  readonly size: number;
  /** Extra keys, and for each the slot holding its value. */
  readonly extraKeys: readonly string[];
  readonly extraSlots: readonly number[];
  private readonly slotByKey = new Map<string, number>();
  /** Patterns grouped by key length in bytes, for matching raw protobuf key bytes. */
  private readonly byLength: (KeyPattern[] | undefined)[] = [];

  constructor(fixedKeys: readonly string[], extraKeys: ReadonlySet<string>) {
    fixedKeys.forEach((key, slot) => {
      this.slotByKey.set(key, slot);
    });
    const extraSlots: number[] = [];
    for (const key of extraKeys) {
      let slot = this.slotByKey.get(key);
      if (slot === undefined) {
        slot = this.slotByKey.size;
        this.slotByKey.set(key, slot);
      }
      extraSlots.push(slot);
    }
    this.size = this.slotByKey.size;
    this.extraKeys = [...extraKeys];
    this.extraSlots = extraSlots;
    for (const [key, slot] of this.slotByKey) {
      const bytes = encoder.encode(key);
      const list = this.byLength[bytes.length] ?? [];
      list.push(new KeyPattern(bytes, slot));
      this.byLength[bytes.length] = list;
    }
  }

  /** Slot of a key given as a string, or -1. */
  slotOf(key: string): number {
    return this.slotByKey.get(key) ?? -1;
  }

  /**
   * Slot of a key given as UTF-8 bytes `buf[start..end)`, or -1, without decoding the string.
   * `view` is a DataView over the same bytes as `buf`: keys compare four bytes at a time.
   */
  match(buf: Uint8Array, view: DataView, start: number, end: number): number {
    const len = end - start;
    const list = this.byLength[len];
    if (list === undefined) return -1;
    if (len < 4) return matchShort(list, buf, start, len);
    const tail = view.getInt32(end - 4, true);
    for (let i = 0; i < list.length; i++) {
      const pattern = list[i]!;
      if (pattern.tail !== tail) continue;
      const head = pattern.head;
      let k = 0;
      while (k < head.length && view.getInt32(start + 4 * k, true) === head[k]) k++;
      if (k === head.length) return pattern.slot;
    }
    return -1;
  }

  /**
   * The `extra` record for these values, or `undefined` when no extra keys were requested.
   * Strings are capped like every label value (selectors and `groupBy` read them).
   */
  extras(
    values: readonly ScalarValue[],
    base: Readonly<Record<string, string | number | boolean>> | undefined,
  ) {
    if (this.extraKeys.length === 0) return base;
    let out: Record<string, string | number | boolean> | undefined;
    for (let i = 0; i < this.extraKeys.length; i++) {
      const value = values[this.extraSlots[i]!];
      if (value === undefined) continue;
      out ??= { ...base };
      out[this.extraKeys[i]!] = typeof value === 'string' ? capChars(value, MAX_LABEL_CHARS) : value;
    }
    return out ?? base ?? EMPTY;
  }
}

function matchShort(list: readonly KeyPattern[], buf: Uint8Array, start: number, len: number): number {
  for (const pattern of list) {
    let j = 0;
    while (j < len && buf[start + j] === pattern.short[j]) j++;
    if (j === len) return pattern.slot;
  }
  return -1;
}

const EMPTY: Readonly<Record<string, string | number | boolean>> = Object.freeze({});
