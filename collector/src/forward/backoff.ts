/** Exponential backoff with full jitter: a random delay in [0, min(cap, base · 2^(attempt-1))]. */
export function backoffDelayMs(attempt: number, random: () => number, baseMs = 500, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** `Retry-After` in milliseconds (seconds or an HTTP date), capped; `undefined` if absent/invalid. */
export function retryAfterMs(header: string | null, nowMs: number, capMs = 60_000): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(capMs, seconds * 1000);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.min(capMs, Math.max(0, date - nowMs));
}
