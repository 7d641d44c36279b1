/**
 * The error taxonomy shared by the SDK's classifier and the collector's SLIs.
 */

/** Every error category Breakwater assigns (`breakwater.error.category`). */
export const ERROR_CATEGORIES = [
  'rate_limited',
  'quota_exhausted',
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'authentication',
  'permission',
  'validation',
  'not_found',
  'context_length',
  'content_filter',
  'cancelled',
  'circuit_open',
  'budget_exhausted',
  'bulkhead_full',
  'tool_error',
  'unknown',
] as const;
/**
 * An error category (`breakwater.error.category`); its default fault source, retryability and
 * severity are in {@link CATEGORY_DEFAULTS}.
 */
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/**
 * Whose fault a failure is (`breakwater.error.source`): the `dependency` failed, the `caller`
 * sent something wrong, or a `policy` refused the call before it was made.
 */
export const FAULT_SOURCES = ['dependency', 'caller', 'policy'] as const;
/** Whose fault a failure is: `dependency`, `caller` or `policy` (see {@link FAULT_SOURCES}). */
export type FaultSource = (typeof FAULT_SOURCES)[number];

/** How urgently a failure needs attention; `critical` means a human must act (keys, quota). */
export const ERROR_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
/** How urgently a failure needs attention, `low` to `critical` (see {@link ERROR_SEVERITIES}). */
export type ErrorSeverity = (typeof ERROR_SEVERITIES)[number];

/** Defaults for each category: fault source, retryability and severity. */
export interface CategoryDefaults {
  readonly source: FaultSource;
  readonly retryable: boolean;
  readonly severity: ErrorSeverity;
}

/**
 * Default fault source, retryability and severity per category. Only `dependency`-sourced
 * failures count against a dependency's health and (by default) an availability SLO.
 * `tool_error` and `unknown` count as dependency faults: the thing we called failed and we
 * cannot prove it was our fault.
 */
export const CATEGORY_DEFAULTS: Readonly<Record<ErrorCategory, CategoryDefaults>> = {
  rate_limited: { source: 'dependency', retryable: true, severity: 'medium' },
  overloaded: { source: 'dependency', retryable: true, severity: 'high' },
  server_error: { source: 'dependency', retryable: true, severity: 'high' },
  timeout: { source: 'dependency', retryable: true, severity: 'medium' },
  network: { source: 'dependency', retryable: true, severity: 'high' },
  quota_exhausted: { source: 'caller', retryable: false, severity: 'critical' },
  authentication: { source: 'caller', retryable: false, severity: 'critical' },
  permission: { source: 'caller', retryable: false, severity: 'critical' },
  validation: { source: 'caller', retryable: false, severity: 'medium' },
  not_found: { source: 'caller', retryable: false, severity: 'medium' },
  context_length: { source: 'caller', retryable: false, severity: 'medium' },
  content_filter: { source: 'caller', retryable: false, severity: 'low' },
  cancelled: { source: 'caller', retryable: false, severity: 'low' },
  circuit_open: { source: 'policy', retryable: false, severity: 'high' },
  budget_exhausted: { source: 'policy', retryable: false, severity: 'high' },
  bulkhead_full: { source: 'policy', retryable: false, severity: 'medium' },
  tool_error: { source: 'dependency', retryable: false, severity: 'medium' },
  unknown: { source: 'dependency', retryable: false, severity: 'medium' },
};

const CATEGORY_SET: ReadonlySet<string> = new Set(ERROR_CATEGORIES);

/** True when `value` is one of {@link ERROR_CATEGORIES}. */
export function isErrorCategory(value: unknown): value is ErrorCategory {
  return typeof value === 'string' && CATEGORY_SET.has(value);
}

/** Value used for `error.type` when nothing more specific is known (semantic conventions). */
export const ERROR_TYPE_OTHER = '_OTHER';

/**
 * Categories that count against an availability SLO by default, whatever their fault source
 * (besides every `dependency`-sourced failure). The policy refusals are here although their
 * source is `policy`: each is a call the app got no answer for (a fallback's answer makes the
 * span a success, so it is not one of these). A retry budget only ever refuses a *retry*, so the
 * call's first attempt already failed at the dependency; and while a breaker is open, its
 * refusals are most of the calls: not counting them would report an outage as healthy.
 */
export const DEFAULT_SLO_BAD_CATEGORIES: readonly ErrorCategory[] = [
  'unknown',
  'budget_exhausted',
  'circuit_open',
  'bulkhead_full',
];
