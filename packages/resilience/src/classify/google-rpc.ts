/**
 * Google's error model (`google.rpc.Status`), which the Gemini API and Vertex AI answer with:
 * `{ error: { code, message, status, details } }`, `status` the canonical name
 * (`RESOURCE_EXHAUSTED`, `UNAVAILABLE`, …) and `details` typed messages. Three of them say what
 * a status alone cannot:
 * - `RetryInfo` (`"retryDelay": "30s"`): the wait asked for, where other APIs send `Retry-After`;
 * - `QuotaFailure`: the quota a 429 hit. Gemini's message is the same for every quota ("You
 *   exceeded your current quota, please check your plan and billing details"); only the quota's
 *   id says whether it clears within the minute (`…PerMinute…`) or only tomorrow (`…PerDay…`);
 * - `ErrorInfo`: a machine-readable `reason` (`API_KEY_INVALID` on a 400).
 */

/** A `google.rpc.Status` as a client hands it over: the status name, its details. */
export interface GoogleStatus {
  readonly status: string;
  readonly details: readonly unknown[];
}

const DETAIL = 'type.googleapis.com/google.rpc.';

function isStatus(value: unknown): value is { status: string; message: string; details?: unknown } {
  const v = value as { status?: unknown; message?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.status === 'string' && typeof v.message === 'string';
}

/**
 * The Google status of a parsed error body: the AI SDK's `APICallError` keeps the body in `data`
 * (`{ error: Status }`), its stream error parts the `Status` itself.
 */
export function googleStatusOf(data: unknown): GoogleStatus | undefined {
  const body = isStatus((data as { error?: unknown } | null)?.error)
    ? (data as { error: unknown }).error
    : data;
  if (!isStatus(body)) return undefined;
  return { status: body.status, details: Array.isArray(body.details) ? body.details : [] };
}

function detailsOf(status: GoogleStatus, type: string): Record<string, unknown>[] {
  return status.details.filter(
    (d): d is Record<string, unknown> =>
      typeof d === 'object' && d !== null && (d as Record<string, unknown>)['@type'] === DETAIL + type,
  );
}

/** A protobuf Duration in JSON: seconds with an optional fraction, `s` last (`"30s"`, `"1.5s"`). */
const DURATION_RE = /^(\d+(?:\.\d+)?)s$/;

/** The wait a `RetryInfo` asks for, in milliseconds. */
export function googleRetryDelayMs(status: GoogleStatus): number | undefined {
  for (const info of detailsOf(status, 'RetryInfo')) {
    const match = typeof info.retryDelay === 'string' ? DURATION_RE.exec(info.retryDelay.trim()) : null;
    if (match !== null) return Number(match[1]) * 1000;
  }
  return undefined;
}

// Quota ids and metrics name their window: `GenerateRequestsPerDayPerProjectPerModel-FreeTier`,
// `generate_content_requests_per_minute_per_project_per_base_model`.
const LONG_WINDOW_RE = /per[_ ]?(day|month)|daily|monthly/i;
const SHORT_WINDOW_RE = /per[_ ]?(second|minute|hour)/i;

/**
 * How long the quota a `QuotaFailure` names lasts: `long` (per day or month: waiting within a
 * call will not help), `short` (per second, minute or hour: it clears as a rate limit does), or
 * `undefined` when no violation names its window.
 */
export function googleQuotaWindow(status: GoogleStatus): 'long' | 'short' | undefined {
  let short = false;
  for (const failure of detailsOf(status, 'QuotaFailure')) {
    const violations = Array.isArray(failure.violations) ? failure.violations : [];
    for (const v of violations) {
      const { quotaId, quotaMetric, description } = (v ?? {}) as Record<string, unknown>;
      const text = [quotaId, quotaMetric, description].filter((s) => typeof s === 'string').join(' ');
      if (LONG_WINDOW_RE.test(text)) return 'long';
      if (SHORT_WINDOW_RE.test(text)) short = true;
    }
  }
  return short ? 'short' : undefined;
}

/** The `reason` of an `ErrorInfo` (`API_KEY_INVALID`), the most specific code the error has. */
export function googleReason(status: GoogleStatus): string | undefined {
  for (const info of detailsOf(status, 'ErrorInfo')) {
    if (typeof info.reason === 'string' && info.reason !== '') return info.reason;
  }
  return undefined;
}
