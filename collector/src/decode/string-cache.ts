import type { Buffer } from 'node:buffer';

const BITS = 12;
const SLOTS = 1 << BITS;
/** Longer strings are rarely repeated labels; they are decoded directly. */
const MAX_CACHED = 64;
/** 32-bit words kept per slot: enough for {@link MAX_CACHED} bytes. */
const WORDS = MAX_CACHED / 4;

/**
 * Decodes short UTF-8 strings through a direct-mapped cache keyed by their bytes. Telemetry
 * repeats the same few values (service names, models, span names, categories) on every span;
 * recognising bytes seen before is cheaper than a native `utf8Slice` call and the string it
 * allocates, and hands every consumer the same string (fast `Map` lookups downstream).
 *
 * The slot comes from the length and three sampled 32-bit words (first, middle, last), so
 * hashing costs the same for every length; a hit is then verified against every byte, four at a
 * time, so a collision only costs a miss. Inputs are read through a `DataView` over the request.
 */
export class StringCache {
  /** Byte length of the string in each slot; -1 when empty. */
  private readonly lengths = new Int32Array(SLOTS).fill(-1);
  /**
   * The bytes of each slot's string as little-endian words: word k holds the bytes at
   * `min(4k, length - 4)`, so the last word overlaps its neighbour instead of running past the
   * end. Strings under four bytes keep one word packed by {@link packShort}.
   */
  private readonly words = new Int32Array(SLOTS * WORDS);
  private readonly strings: string[] = new Array<string>(SLOTS).fill('');

  /** The UTF-8 string in `buf[start..end)`; `view` is a DataView over the same bytes as `buf`. */
  utf8(buf: Buffer, view: DataView, start: number, end: number): string {
    const len = end - start;
    if (len < 4) return len <= 0 ? '' : this.short(buf, start, end);
    if (len > MAX_CACHED) return buf.toString('utf8', start, end);
    const first = view.getInt32(start, true);
    const last = view.getInt32(end - 4, true);
    const middle = view.getInt32(start + ((len - 4) >> 1), true);
    const slot = mix(Math.imul(first ^ len, 0x9e3779b1) ^ Math.imul(last, 0x85ebca6b) ^ middle);
    if (this.lengths[slot] === len) {
      const words = this.words;
      const base = slot * WORDS;
      const n = (len + 3) >> 2;
      let k = 0;
      while (k < n - 1 && view.getInt32(start + 4 * k, true) === words[base + k]) k++;
      if (k === n - 1 && last === words[base + k]) return this.strings[slot]!;
    }
    const value = buf.toString('utf8', start, end);
    const words = this.words;
    const base = slot * WORDS;
    const n = (len + 3) >> 2;
    for (let k = 0; k < n - 1; k++) words[base + k] = view.getInt32(start + 4 * k, true);
    words[base + n - 1] = last;
    this.lengths[slot] = len;
    this.strings[slot] = value;
    return value;
  }

  /** One to three bytes: the packed bytes are the whole key. */
  private short(buf: Buffer, start: number, end: number): string {
    const packed = packShort(buf, start, end);
    const slot = mix(Math.imul(packed, 0x9e3779b1));
    const len = end - start;
    if (this.lengths[slot] === len && this.words[slot * WORDS] === packed) return this.strings[slot]!;
    const value = buf.toString('utf8', start, end);
    this.lengths[slot] = len;
    this.words[slot * WORDS] = packed;
    this.strings[slot] = value;
    return value;
  }
}

function packShort(buf: Uint8Array, start: number, end: number): number {
  let packed = 0;
  for (let i = end - 1; i >= start; i--) packed = (packed << 8) | buf[i]!;
  return packed;
}

/** Final avalanche of a 32-bit hash, reduced to a slot index. */
function mix(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> (32 - BITS);
}
