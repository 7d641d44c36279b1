/**
 * Lowercase hex of trace ids (16 bytes) and span ids (8 bytes), built in JavaScript: one
 * `String.fromCharCode` call per id makes a flat one-byte string directly, about as fast as a
 * native `Buffer#toString('hex')` without crossing into C++ or going through its argument
 * handling. Callers have checked the id lengths.
 */

const HI = new Uint8Array(256);
const LO = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  const pair = i.toString(16).padStart(2, '0');
  HI[i] = pair.charCodeAt(0);
  LO[i] = pair.charCodeAt(1);
}

/** Hex of the 16 bytes at `b[p..p+16)`. */
export function traceIdHex(b: Uint8Array, p: number): string {
  const h = HI;
  const l = LO;
  return String.fromCharCode(
    h[b[p]!]!,
    l[b[p]!]!,
    h[b[p + 1]!]!,
    l[b[p + 1]!]!,
    h[b[p + 2]!]!,
    l[b[p + 2]!]!,
    h[b[p + 3]!]!,
    l[b[p + 3]!]!,
    h[b[p + 4]!]!,
    l[b[p + 4]!]!,
    h[b[p + 5]!]!,
    l[b[p + 5]!]!,
    h[b[p + 6]!]!,
    l[b[p + 6]!]!,
    h[b[p + 7]!]!,
    l[b[p + 7]!]!,
    h[b[p + 8]!]!,
    l[b[p + 8]!]!,
    h[b[p + 9]!]!,
    l[b[p + 9]!]!,
    h[b[p + 10]!]!,
    l[b[p + 10]!]!,
    h[b[p + 11]!]!,
    l[b[p + 11]!]!,
    h[b[p + 12]!]!,
    l[b[p + 12]!]!,
    h[b[p + 13]!]!,
    l[b[p + 13]!]!,
    h[b[p + 14]!]!,
    l[b[p + 14]!]!,
    h[b[p + 15]!]!,
    l[b[p + 15]!]!,
  );
}

/** Hex of the 8 bytes at `b[p..p+8)`. */
export function spanIdHex(b: Uint8Array, p: number): string {
  const h = HI;
  const l = LO;
  return String.fromCharCode(
    h[b[p]!]!,
    l[b[p]!]!,
    h[b[p + 1]!]!,
    l[b[p + 1]!]!,
    h[b[p + 2]!]!,
    l[b[p + 2]!]!,
    h[b[p + 3]!]!,
    l[b[p + 3]!]!,
    h[b[p + 4]!]!,
    l[b[p + 4]!]!,
    h[b[p + 5]!]!,
    l[b[p + 5]!]!,
    h[b[p + 6]!]!,
    l[b[p + 6]!]!,
    h[b[p + 7]!]!,
    l[b[p + 7]!]!,
  );
}
