/** Retry-After values above this are nonsense (a misparsed date, a bug) and are ignored. */
export const ABSURD_RETRY_AFTER_MS = 86_400_000;

/** Returned by {@link applyRetryAfter} when the dependency asked for a longer wait than allowed. */
export const RETRY_AFTER_TOO_LONG = -1;

/**
 * The delay to wait given a computed back-off and the dependency's Retry-After hint: the hint is
 * honoured (never below the back-off). A hint beyond `maxRetryAfterMs` returns
 * {@link RETRY_AFTER_TOO_LONG}: the dependency said not to come back sooner, and waiting that long
 * inside one call is worse than failing now (a fallback can answer, the breaker can act).
 * Negative, non-finite or absurd (> 1 day) hints are ignored.
 */
export function applyRetryAfter(
  backoffMs: number,
  retryAfterMs: number | undefined,
  maxRetryAfterMs: number,
): number {
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs < 0) return backoffMs;
  if (retryAfterMs > ABSURD_RETRY_AFTER_MS) return backoffMs;
  if (retryAfterMs > maxRetryAfterMs) return RETRY_AFTER_TOO_LONG;
  return Math.max(backoffMs, retryAfterMs);
}
