/**
 * Captured content kept within a size bound. Agents resend their whole conversation on every
 * call, so captured input grows with each turn; unbounded, a few long conversations fill the
 * span export queue with hundreds of megabytes, and one span can grow past what a collector takes
 * in a request (Breakwater's: `limits.maxJsonBodyBytes`, 20 MiB of OTLP/JSON by default).
 *
 * Over the bound, what goes first is what matters least for reading the call: the oldest messages
 * of a message list (the newest one is always kept), then the ends of the longest strings (each
 * cut one ends with `…`; short strings such as roles and part types are never cut). The result is
 * still valid JSON in the same schema. Only when that cannot fit is the content left out.
 */
import { ENV } from '@breakwater/protocol';

/**
 * Default bound on one captured content attribute, in UTF-8 bytes: a full export queue (2048
 * spans) of operations carrying three full attributes holds about 200 MB at most, and one span
 * stays far under a collector's request limit. (`@breakwater/node` sends a batch of such spans as
 * several requests, each under 3 MiB.)
 */
export const DEFAULT_CAPTURE_MAX_BYTES = 32 * 1024;

/** Whether `value` is a valid `captureMaxBytes`: an integer of at least 1. */
export function isCaptureMaxBytes(value: number): boolean {
  return Number.isInteger(value) && value >= 1;
}

/**
 * `BREAKWATER_CAPTURE_MAX_BYTES` in `env`: its value when it is an integer of at least 1;
 * `undefined` when it is unset or blank, or when it is not one, which is told to `onBad` (with the
 * value, trimmed) in the caller's own words. The runtime and `@breakwater/node` both read it here.
 */
export function captureMaxBytesFromEnv(
  env: NodeJS.ProcessEnv,
  onBad: (value: string) => void,
): number | undefined {
  const value = env[ENV.CAPTURE_MAX_BYTES]?.trim();
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (isCaptureMaxBytes(n)) return n;
  onBad(value);
  return undefined;
}

/** Checks a `captureMaxBytes` option. @throws TypeError when it is not an integer of at least 1. */
export function checkCaptureMaxBytes(value: number): number {
  if (isCaptureMaxBytes(value)) return value;
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
 * `text` itself when it fits. Never throws: content it cannot bound (not JSON, nested too deep to
 * walk) is left out.
 */
export function boundedJson(text: string, maxBytes: number, shape: ContentShape): BoundedJson {
  if (fits(text, maxBytes)) return { text, truncated: false };
  try {
    return bound(text, maxBytes, shape);
  } catch {
    return { text: undefined, truncated: true };
  }
}

function bound(text: string, maxBytes: number, shape: ContentShape): BoundedJson {
  const value = parseKeepingNumbers(text);
  // Content passed through as text may be pretty-printed: its compact form may fit as it is.
  const compact = JSON.stringify(value);
  if (fits(compact, maxBytes)) return { text: compact, truncated: false };
  if (shape === 'messages' && Array.isArray(value) && value.length > 1) {
    const newest = newestThatFit(value, maxBytes);
    const kept = JSON.stringify(newest);
    if (fits(kept, maxBytes)) return { text: kept, truncated: true };
    return { text: cutLongStrings(newest, Buffer.byteLength(kept), maxBytes), truncated: true };
  }
  return { text: cutLongStrings(value, Buffer.byteLength(compact), maxBytes), truncated: true };
}

/** `JSON.rawJSON` and the source a reviver is given (Node 22+). */
const RawJSON = JSON as unknown as {
  rawJSON?: (source: string) => unknown;
  isRawJSON?: (value: unknown) => boolean;
};

const LONG_DIGITS = /\d{16}/;

/**
 * `JSON.parse`, keeping each number as written: an id beyond a double's precision
 * (`1866998317463158785`) must not come back rounded.
 */
function parseKeepingNumbers(text: string): unknown {
  const { rawJSON } = RawJSON;
  // Only a run of 16 digits or more can be beyond a double; the reviver costs a call per value.
  if (rawJSON === undefined || !LONG_DIGITS.test(text)) return JSON.parse(text);
  return JSON.parse(text, function keepSource(
    this: unknown,
    _key: string,
    value: unknown,
    context?: { source?: string },
  ) {
    return typeof value === 'number' && context?.source !== undefined ? rawJSON(context.source) : value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}

/** Whether `value` is a leaf kept as written (a number parsed by {@link parseKeepingNumbers}). */
function isRaw(value: unknown): boolean {
  return RawJSON.isRawJSON?.(value) === true;
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
 * {@link NEVER_CUT} would not do. The length is found by binary search on exact sizes, counted
 * from each string's encoding, so only the result is encoded.
 */
function cutLongStrings(value: unknown, bytes: number, maxBytes: number): string | undefined {
  const strings = longStrings(value);
  let fixed = bytes;
  let longest = NEVER_CUT;
  for (const s of strings) {
    fixed -= s.bytes;
    if (s.text.length > longest) longest = s.text.length;
  }
  const sizeAt = (limit: number): number => {
    let size = fixed;
    for (const s of strings) size += s.text.length > limit ? s.prefixBytes(limit) + CUT_BYTES : s.bytes;
    return size;
  };
  if (sizeAt(NEVER_CUT) > maxBytes) return undefined;
  // Invariant: cutting to `low` fits; cutting to `high` (at first: cutting nothing) does not.
  let low = NEVER_CUT;
  let high = longest;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (sizeAt(mid) <= maxBytes) low = mid;
    else high = mid;
  }
  const text = JSON.stringify(cutStrings(value, low));
  return Buffer.byteLength(text) <= maxBytes ? text : undefined;
}

/** How many bytes of JSON a string's units take, with a running total every {@link BLOCK} units. */
class EncodedString {
  readonly text: string;
  /** Bytes of its JSON encoding, without the quotes. */
  readonly bytes: number;
  /** `marks[k]`: bytes of its first `k * BLOCK` units; built when first needed. */
  private marks: Uint32Array | undefined;

  constructor(text: string) {
    this.text = text;
    this.bytes = Buffer.byteLength(JSON.stringify(text)) - 2;
  }

  /** Bytes of what {@link cut} keeps of it at `limit` (the mark not counted). */
  prefixBytes(limit: number): number {
    const end = keptLength(this.text, limit);
    // One byte per unit throughout (plain ASCII, nothing escaped): the common case, with no scan.
    if (this.bytes === this.text.length) return end;
    this.marks ??= runningTotals(this.text);
    const block = Math.floor(end / BLOCK);
    let bytes = this.marks[block]!;
    for (let i = block * BLOCK; i < end; i++) bytes += unitBytes(this.text, i);
    return bytes;
  }
}

function runningTotals(text: string): Uint32Array {
  const marks = new Uint32Array(Math.floor(text.length / BLOCK) + 1);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    if (i % BLOCK === 0) marks[i / BLOCK] = bytes;
    bytes += unitBytes(text, i);
  }
  return marks;
}

/** Units between running totals: memory of a 32nd of the string, a short scan per size. */
const BLOCK = 64;

/**
 * JSON bytes of unit `i` of `text`, as `JSON.stringify` writes it: `"` and `\` and the short
 * control escapes take 2, other control characters and lone surrogates 6 (`\u0001`), a surrogate
 * pair 4 (counted on its first unit).
 */
function unitBytes(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0x80) {
    if (c === 0x22 || c === 0x5c) return 2;
    if (c >= 0x20) return 1;
    return c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
  }
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    return next >= 0xdc00 && next <= 0xdfff ? 4 : 6;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const previous = text.charCodeAt(i - 1);
    return previous >= 0xd800 && previous <= 0xdbff ? 0 : 6;
  }
  return 3;
}

/** The strings of `value` long enough to be cut. */
function longStrings(value: unknown, out: EncodedString[] = []): EncodedString[] {
  if (typeof value === 'string') {
    if (value.length > NEVER_CUT) out.push(new EncodedString(value));
  } else if (Array.isArray(value)) for (const item of value) longStrings(item, out);
  else if (value !== null && typeof value === 'object' && !isRaw(value)) {
    for (const item of Object.values(value)) longStrings(item, out);
  }
  return out;
}

/** A copy of `value` whose strings longer than `limit` units are cut to `limit` and marked. */
function cutStrings(value: unknown, limit: number): unknown {
  if (typeof value === 'string') return value.length <= limit ? value : cut(value, limit);
  if (Array.isArray(value)) return value.map((item) => cutStrings(item, limit));
  if (value !== null && typeof value === 'object' && !isRaw(value)) {
    // No prototype: a `__proto__` key parsed from JSON stays a key.
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, item] of Object.entries(value)) out[key] = cutStrings(item, limit);
    return out;
  }
  return value;
}

function cut(text: string, limit: number): string {
  return text.slice(0, keptLength(text, limit)) + CUT;
}

/** How many units of `text` a cut at `limit` keeps: never half a surrogate pair. */
function keptLength(text: string, limit: number): number {
  const last = text.charCodeAt(limit - 1);
  return last >= 0xd800 && last <= 0xdbff ? limit - 1 : limit;
}
