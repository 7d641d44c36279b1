/**
 * Full-jitter exponential backoff: a uniformly random delay in `[0, min(cap, base × 2^attempt))`.
 * The randomness spreads a fleet's reconnections after a collector restart instead of having
 * every replica knock at the same instant.
 */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(Math.min(0.999_999, Math.max(0, random())) * ceiling);
}
