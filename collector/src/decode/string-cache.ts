import type { Buffer } from 'node:buffer';

const SLOTS = 4096; // power of two
const MAX_CACHED = 64; // longer strings are rarely repeated labels; decode them directly

/**
 * Decodes short UTF-8 strings through a small direct-mapped cache keyed by their bytes.
 * Telemetry repeats the same few values (service names, models, span names, categories) on
 * every span, and hashing a dozen bytes in JS is cheaper than a native `utf8Slice` call and the
 * string it allocates. A hit is verified byte by byte, so collisions only cost a miss.
 */
export class StringCache {
  private readonly keys: (Uint8Array | undefined)[] = new Array(SLOTS).fill(undefined);
  private readonly strings: string[] = new Array(SLOTS).fill('');

  utf8(buf: Buffer, start: number, end: number): string {
    const len = end - start;
    if (len === 0) return '';
    if (len > MAX_CACHED) return buf.toString('utf8', start, end);
    let hash = len;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    const slot = (hash ^ (hash >>> 15)) & (SLOTS - 1);
    const cached = this.keys[slot];
    if (cached !== undefined && cached.length === len) {
      let i = 0;
      while (i < len && cached[i] === buf[start + i]) i++;
      if (i === len) return this.strings[slot]!;
    }
    const value = buf.toString('utf8', start, end);
    this.keys[slot] = buf.slice(start, end);
    this.strings[slot] = value;
    return value;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of `buf[start..end)`; a JS loop beats a native call for 8- and 16-byte ids. */
export function hex(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += HEX[buf[i]!];
  return out;
}
