/** Retry-After values above this are nonsense (a misparsed date, a bug) and are ignored. */
export const ABSURD_RETRY_AFTER_MS = 86_400_000;

/**
 * The delay to wait given a computed back-off and the dependency's Retry-After hint: the hint is
 * honoured (but never below the back-off) up to `maxRetryAfterMs`, where it is capped. Negative,
 * non-finite or absurd (> 1 day) hints are ignored.
 */
export function applyRetryAfter(
  backoffMs: number,
  retryAfterMs: number | undefined,
  maxRetryAfterMs: number,
): number {
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs < 0) return backoffMs;
  if (retryAfterMs > ABSURD_RETRY_AFTER_MS) return backoffMs;
  return Math.max(backoffMs, Math.min(retryAfterMs, maxRetryAfterMs));
}
