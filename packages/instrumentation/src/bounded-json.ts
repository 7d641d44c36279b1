/**
 * Captured content kept within a size bound. Agents resend their whole conversation on every
 * call, so captured input grows with each turn; unbounded, a few long conversations fill the
 * span export queue with hundreds of megabytes and make a batch too large for the collector to
 * take (its `limits.maxBodyBytes` answers 413, and the exporter drops the whole batch, spans
 * without content too).
 *
 * Over the bound, what goes first is what matters least for reading the call: the oldest messages
 * of a message list (the newest one is always kept), then the ends of the longest strings (each
 * cut one ends with `…`; short strings such as roles and part types are never cut). The result is
 * still valid JSON in the same schema. Only when that cannot fit is the content left out.
 */

/**
 * Default bound on one captured content attribute, in UTF-8 bytes. With the span processor's
 * default batch of 512 spans, even a batch whose every span carries three full attributes stays
 * under the collector's default `limits.maxBodyBytes` (64 MiB).
 */
export const DEFAULT_CAPTURE_MAX_BYTES = 32 * 1024;

/** Checks a `captureMaxBytes` option. @throws TypeError when it is not an integer of at least 1. */
export function checkCaptureMaxBytes(value: number): number {
  if (Number.isInteger(value) && value >= 1) return value;
  throw new TypeError(`captureMaxBytes: must be an integer of at least 1 (got ${value})`);
}

/** How content is captured, when it is. */
export interface ContentCapture {
  /** Bound on each captured content attribute, UTF-8 bytes. */
  readonly maxBytes: number;
}

/** Marks the end of a cut string. */
const CUT = '…';
/** Its UTF-8 length. */
const CUT_BYTES = 3;
/**
 * Strings up to this many UTF-16 units are never cut: roles, part types, finish reasons, ids and
 * names stay whole, so cut content keeps its schema.
 */
const NEVER_CUT = 32;

/** JSON of captured content within its bound. */
export interface BoundedJson {
  /** The JSON, or undefined when even the cut content would not fit. */
  readonly text: string | undefined;
  /** Whether anything was left out to fit (older messages, ends of strings, or all of it). */
  readonly truncated: boolean;
}

/** How to make content smaller: a message list drops its oldest messages first. */
export type ContentShape = 'messages' | 'value';

/** Whether `text` is at most `maxBytes` in UTF-8, without encoding it when its length settles it. */
function fits(text: string, maxBytes: number): boolean {
  // A UTF-16 unit takes 1 to 3 UTF-8 bytes (a surrogate pair, two units, takes 4).
  if (text.length * 3 <= maxBytes) return true;
  if (text.length > maxBytes) return false;
  return Buffer.byteLength(text) <= maxBytes;
}

/**
 * The JSON `text` of captured content in at most `maxBytes` UTF-8 bytes (see the module comment):
 * `text` itself when it fits. Never throws.
 */
export function boundedJson(text: string, maxBytes: number, shape: ContentShape): BoundedJson {
  if (fits(text, maxBytes)) return { text, truncated: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { text: undefined, truncated: true };
  }
  if (shape === 'messages' && Array.isArray(value) && value.length > 1) {
    const newest = newestThatFit(value, maxBytes);
    const kept = JSON.stringify(newest);
    if (fits(kept, maxBytes)) return { text: kept, truncated: true };
    return { text: cutLongStrings(newest, Buffer.byteLength(kept), maxBytes), truncated: true };
  }
  return { text: cutLongStrings(value, Buffer.byteLength(text), maxBytes), truncated: true };
}

/**
 * The newest messages whose JSON array fits `maxBytes`: always at least the newest one (which may
 * still need its strings cut). Each message is encoded once: an array's JSON is its items' JSON
 * joined by commas, in brackets.
 */
function newestThatFit(messages: readonly unknown[], maxBytes: number): unknown[] {
  let bytes = 2; // []
  let first = messages.length;
  while (first > 0) {
    const item = JSON.stringify(messages[first - 1]);
    const next = bytes + Buffer.byteLength(item) + (first === messages.length ? 0 : 1);
    if (next > maxBytes && first < messages.length) break;
    bytes = next;
    first--;
  }
  return messages.slice(first);
}

/**
 * JSON of `value` (a parsed JSON value of `bytes` UTF-8 bytes) with its longest strings cut to a
 * common length, the longest that fits `maxBytes`; undefined when cutting every string longer than
 * {@link NEVER_CUT} would not do.
 */
function cutLongStrings(value: unknown, bytes: number, maxBytes: number): string | undefined {
  const strings = encodedStrings(value);
  let target = bytes - maxBytes;
  // The estimate takes each string's bytes as spread evenly over it; a string whose start encodes
  // longer than its end fools it, and then a few more rounds close in.
  for (let round = 0; round < 6; round++) {
    const limit = lengthToCutTo(strings, target);
    const text = JSON.stringify(cutStrings(value, limit));
    const size = Buffer.byteLength(text);
    if (size <= maxBytes) return text;
    if (limit <= NEVER_CUT) return undefined;
    target += size - maxBytes;
  }
  return undefined;
}

/** A string of the content: its length in UTF-16 units, and its JSON bytes per unit. */
interface EncodedString {
  readonly units: number;
  readonly bytesPerUnit: number;
}

function encodedStrings(value: unknown, out: EncodedString[] = []): EncodedString[] {
  if (typeof value === 'string') {
    // Short strings are never cut; they need no estimate.
    if (value.length > NEVER_CUT) {
      out.push({
        units: value.length,
        bytesPerUnit: (Buffer.byteLength(JSON.stringify(value)) - 2) / value.length,
      });
    }
  } else if (Array.isArray(value)) for (const item of value) encodedStrings(item, out);
  else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) encodedStrings(item, out);
  }
  return out;
}

/** Bytes saved, by the estimate, by cutting every string longer than `limit` to `limit` units. */
function savedAt(strings: readonly EncodedString[], limit: number): number {
  let saved = 0;
  for (const s of strings) if (s.units > limit) saved += (s.units - limit) * s.bytesPerUnit - CUT_BYTES;
  return saved;
}

/**
 * The largest length, at least {@link NEVER_CUT}, whose cut saves `target` bytes by the estimate
 * (the savings only grow as the length shrinks, so a binary search finds it).
 */
function lengthToCutTo(strings: readonly EncodedString[], target: number): number {
  let low = NEVER_CUT;
  let high = 0;
  for (const s of strings) if (s.units > high) high = s.units;
  if (high <= low || savedAt(strings, low) < target) return low;
  // Invariant: cutting to `low` saves enough; cutting to `high` does not.
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (savedAt(strings, mid) >= target) low = mid;
    else high = mid;
  }
  return low;
}

/** A copy of `value` whose strings longer than `limit` units are cut to `limit` and marked. */
function cutStrings(value: unknown, limit: number): unknown {
  if (typeof value === 'string') return value.length <= limit ? value : cut(value, limit);
  if (Array.isArray(value)) return value.map((item) => cutStrings(item, limit));
  if (value !== null && typeof value === 'object') {
    // No prototype: a `__proto__` key parsed from JSON stays a key.
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, item] of Object.entries(value)) out[key] = cutStrings(item, limit);
    return out;
  }
  return value;
}

function cut(text: string, limit: number): string {
  let end = limit;
  // Never split a surrogate pair: a lone half is encoded as a six-byte escape.
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + CUT;
}
