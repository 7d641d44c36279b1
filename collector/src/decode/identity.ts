import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  MAX_GATE_VALUE_CHARS,
  MAX_SIGNAL_DEPENDENCY_CHARS,
  MAX_SIGNAL_ERROR_TYPE_CHARS,
  MAX_SIGNAL_SERVICE_CHARS,
} from '@breakwater/protocol';

/**
 * Length caps of the strings a span (or breaker-state point) contributes to the collector's
 * identities: series ids, `/metrics` labels, alert labels, fleet keys. Each one is the limit the
 * protocol already puts on that value elsewhere, so whatever the collector keeps can be queried
 * through the gate and named in a signal: a service at most as long as a signal's or a gate
 * request's service, a dependency as a signal's. Every other label-like value (span name,
 * `groupBy` attributes, instance id, …) gets the dependency's limit, the longest of them: a
 * `groupBy` value, whatever field it reads, is at most {@link MAX_LABEL_CHARS} long.
 */
export const MAX_SERVICE_CHARS = Math.min(MAX_SIGNAL_SERVICE_CHARS, MAX_GATE_VALUE_CHARS);
export const MAX_VERSION_CHARS = MAX_GATE_VALUE_CHARS;
export const MAX_DEPENDENCY_CHARS = MAX_SIGNAL_DEPENDENCY_CHARS;
export const MAX_ERROR_TYPE_CHARS = MAX_SIGNAL_ERROR_TYPE_CHARS;
export const MAX_LABEL_CHARS = MAX_SIGNAL_DEPENDENCY_CHARS;

/**
 * The `version` label of the series of spans without `service.version`. A span that sends this
 * literal as its version is read as having none: both would render as the same series.
 */
export const UNSET_VERSION_LABEL = '(unset)';

/** What ends a capped value: `…` and 8 hex digits of the SHA-256 of the whole value. */
const HASH_CHARS = 8;
const MARK = '…';

/**
 * `value` if it has at most `max` UTF-16 code units (what `string.length` and zod's `.max()`
 * count), else its head and a marker, `max` long at most: `<head>…<8 hex digits>`. The digits
 * hash the whole value, so long values that share a head stay apart, and the same value always
 * maps to the same string (series keep their id across batches and restarts).
 */
export function capChars(value: string, max: number): string {
  return value.length <= max ? value : truncate(value, max);
}

/** {@link capChars} for a value that may be absent. */
export function capOptional(value: string | undefined, max: number): string | undefined {
  return value === undefined || value.length <= max ? value : truncate(value, max);
}

function truncate(value: string, max: number): string {
  const hash = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, HASH_CHARS);
  let end = max - MARK.length - HASH_CHARS;
  // Never keep half of a surrogate pair.
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  // A copy, not a slice: V8 would keep the whole (megabytes long) value alive behind a slice.
  const head = Buffer.from(value.slice(0, end), 'utf16le').toString('utf16le');
  return `${head}${MARK}${hash}`;
}
