import { CATEGORY_DEFAULTS, type FaultSource } from '@breakwater/protocol';
import type { Selector, SpanStatus } from '../config/slo/selector-schema.ts';
import { fieldReader, type SpanField } from '../config/slo/span-fields.ts';
import { type SpanRecord, STATUS_ERROR, STATUS_OK, STATUS_UNSET } from '../decode/span-record.ts';

/** A compiled selector: cheap enough to run for every span on the ingest path. */
export type SpanPredicate = (span: SpanRecord) => boolean;

const STATUS_CODES: Record<SpanStatus, number> = { unset: STATUS_UNSET, ok: STATUS_OK, error: STATUS_ERROR };

/** The value that means "present and not empty" in a selector list. */
export const ANY_VALUE = '*';

const always: SpanPredicate = () => true;
const never: SpanPredicate = () => false;

/**
 * The fault source a failure is attributed to: the span's own `breakwater.error.source`, else the
 * default source of its category, else `undefined` (unclassified).
 */
export function effectiveSource(span: SpanRecord): FaultSource | undefined {
  if (span.errorSource !== undefined) return span.errorSource;
  const category = span.errorCategory;
  return category === undefined ? undefined : CATEGORY_DEFAULTS[category]?.source;
}

/** True when a value stands for "retried": more than one attempt for the operation. */
export function wasRetried(span: SpanRecord): boolean {
  return span.retryAttempts !== undefined && span.retryAttempts > 1;
}

/** Matches one field against a list of allowed values (`*` = any non-empty value). */
function fieldIn(read: SpanField, values: readonly string[]): SpanPredicate {
  if (values.includes(ANY_VALUE)) {
    return (s) => {
      const v = read(s);
      return v !== undefined && v !== '';
    };
  }
  if (values.length === 1) {
    const only = values[0]!;
    return (s) => {
      const v = read(s);
      return v === only || (v !== undefined && typeof v !== 'string' && String(v) === only);
    };
  }
  const set = new Set(values);
  return (s) => {
    const v = read(s);
    return v !== undefined && set.has(typeof v === 'string' ? v : String(v));
  };
}

/** Compiles a selector to a predicate: every key given must match. */
export function compileSelector(selector: Selector): SpanPredicate {
  const checks: SpanPredicate[] = [];
  const named: [keyof Selector, string][] = [
    ['service', 'service.name'],
    ['span', 'span'],
    ['operation', 'operation'],
    ['provider', 'provider'],
    ['model', 'model'],
    ['tool', 'tool'],
    ['dependency', 'dependency'],
  ];
  for (const [key, dim] of named) {
    const values = selector[key] as string[] | undefined;
    if (values !== undefined) checks.push(fieldIn(fieldReader(dim), values));
  }
  for (const [key, values] of Object.entries(selector.attributes ?? {})) {
    checks.push(fieldIn(fieldReader(key), values));
  }
  if (selector.retried !== undefined) {
    const want = selector.retried;
    checks.push((s) => wasRetried(s) === want);
  }
  if (selector.status !== undefined) {
    const codes = selector.status.map((st) => STATUS_CODES[st]);
    checks.push(codes.length === 1 ? (s) => s.statusCode === codes[0] : (s) => codes.includes(s.statusCode));
  }
  if (selector.errorSource !== undefined) {
    const sources: readonly string[] = selector.errorSource;
    checks.push((s) => {
      const source = effectiveSource(s);
      return source !== undefined && sources.includes(source);
    });
  }
  if (selector.errorCategory !== undefined) {
    const categories: readonly string[] = selector.errorCategory;
    checks.push((s) => s.errorCategory !== undefined && categories.includes(s.errorCategory));
  }
  if (selector.classified !== undefined) {
    const want = selector.classified;
    checks.push((s) => (s.errorCategory !== undefined || s.errorSource !== undefined) === want);
  }
  if (selector.maxDuration !== undefined) {
    const max = selector.maxDuration;
    checks.push((s) => s.durationMs <= max);
  }
  return allOf(checks);
}

/** Compiles a list of selectors of which any may match; an empty list matches nothing. */
export function compileAnyOf(selectors: readonly Selector[]): SpanPredicate {
  const compiled = selectors.map(compileSelector);
  if (compiled.length === 0) return never;
  if (compiled.length === 1) return compiled[0]!;
  return (s) => {
    for (const p of compiled) if (p(s)) return true;
    return false;
  };
}

function allOf(checks: readonly SpanPredicate[]): SpanPredicate {
  if (checks.length === 0) return always;
  if (checks.length === 1) return checks[0]!;
  if (checks.length === 2) {
    const [a, b] = checks as [SpanPredicate, SpanPredicate];
    return (s) => a(s) && b(s);
  }
  return (s) => {
    for (const p of checks) if (!p(s)) return false;
    return true;
  };
}
