/**
 * OTLP timestamps are unsigned 64-bit nanoseconds, beyond a double's exact range. Both decoders
 * carry them as two 32-bit halves and convert with these functions, so protobuf and JSON input
 * give bit-identical milliseconds.
 */

const TWO_32 = 4294967296;
const MS_PER_HI = TWO_32 / 1e6;

/** Epoch nanoseconds (as halves) to epoch milliseconds (fractional). */
export function nanosToMs(hi: number, lo: number): number {
  return hi * MS_PER_HI + lo / 1e6;
}

/**
 * `end - start` in milliseconds. The subtraction happens in whole nanoseconds on the halves, so
 * it is exact for any realistic duration; a negative span (clock skew) counts as 0.
 */
export function durationMs(startHi: number, startLo: number, endHi: number, endLo: number): number {
  const nanos = (endHi - startHi) * TWO_32 + (endLo - startLo);
  return nanos > 0 ? nanos / 1e6 : 0;
}

/** Halves of an unsigned 64-bit integer. */
export interface Uint64Parts {
  hi: number;
  lo: number;
}

const DIGITS = /^\d{1,20}$/;

/**
 * Parses an OTLP/JSON uint64 (a decimal string or a JSON number) into halves. Returns
 * `undefined` for anything else (negative, fractional, non-numeric, beyond 2^64 - 1).
 */
export function parseUint64(value: unknown, out: Uint64Parts): boolean {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** 64) return false;
    const hi = Math.floor(value / TWO_32);
    out.hi = hi;
    out.lo = value - hi * TWO_32;
    return true;
  }
  if (typeof value !== 'string' || !DIGITS.test(value)) return false;
  // Six decimal digits at a time keeps `lo * 10^6 + digits` below 2^53, so it stays exact.
  let hi = 0;
  let lo = 0;
  let i = 0;
  const n = value.length;
  while (i < n) {
    const take = Math.min(6, n - i);
    const chunk = Number(value.slice(i, i + take));
    const mul = 10 ** take;
    const low = lo * mul + chunk;
    const carry = Math.floor(low / TWO_32);
    lo = low - carry * TWO_32;
    hi = hi * mul + carry;
    if (hi >= TWO_32) return false;
    i += take;
  }
  out.hi = hi;
  out.lo = lo;
  return true;
}
