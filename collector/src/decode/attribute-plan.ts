import { ATTR, SEMCONV } from '@breakwater/protocol';

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

/** Resource attribute slots for the fixed `SpanRecord` fields. */
export const RESOURCE_KEYS = [
  SEMCONV.SERVICE_NAME,
  SEMCONV.SERVICE_VERSION,
  SEMCONV.SERVICE_INSTANCE_ID,
] as const;
export const R_SERVICE = 0;
export const R_VERSION = 1;
export const R_INSTANCE = 2;

interface Candidate {
  readonly bytes: Uint8Array;
  readonly slot: number;
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
  /** Candidates grouped by key length in bytes, for matching raw protobuf key bytes. */
  private readonly byLength: (Candidate[] | undefined)[] = [];

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
      list.push({ bytes, slot });
      this.byLength[bytes.length] = list;
    }
  }

  /** Slot of a key given as a string, or -1. */
  slotOf(key: string): number {
    return this.slotByKey.get(key) ?? -1;
  }

  /**
   * Slot of a key given as UTF-8 bytes `buf[start..end)`, or -1, without decoding the string.
   * Compares from the last byte because the keys share long prefixes (`gen_ai.`, `breakwater.`).
   */
  match(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    const list = this.byLength[len];
    if (list === undefined) return -1;
    for (let i = 0; i < list.length; i++) {
      const candidate = list[i]!;
      const bytes = candidate.bytes;
      let j = len - 1;
      while (j >= 0 && buf[start + j] === bytes[j]) j--;
      if (j < 0) return candidate.slot;
    }
    return -1;
  }

  /** The `extra` record for these values, or `undefined` when no extra keys were requested. */
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
      out[this.extraKeys[i]!] = value;
    }
    return out ?? base ?? EMPTY;
  }
}

const EMPTY: Readonly<Record<string, string | number | boolean>> = Object.freeze({});
