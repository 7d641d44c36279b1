/**
 * Bounds on per-dependency state. Dependency keys come from traffic (`openai/<model>` with models
 * passed through from callers, per-tenant fine-tunes, dynamic tool names), so without a bound
 * every key seen would keep its breaker, budget, bulkhead, cached policy and gauge series forever.
 */

/** Limits of the per-dependency state the guard keeps. */
export interface DependencyLimits {
  /**
   * Dependencies kept (default {@link DEFAULT_MAX_DEPENDENCIES}), however recently used. At the
   * cap a new dependency takes the place of the least recently used spare one: closed breaker with
   * no manual state or fleet override (or half-open and not called for `idleMs`), no call in its
   * bulkhead (its breaker's recent failure counts are what is lost). With none spare, the new
   * dependency's calls run uncached (timeout, retries and fallback, no breaker, budget or
   * bulkhead) and nothing of it is kept. Only fleet overrides
   * are kept past the cap, and the control client holds at most this many. `Infinity` keeps every
   * dependency.
   */
  readonly maxDependencies?: number;
  /**
   * How long after its last use a dependency without a bulkhead counts as busy, and a half-open
   * breaker is kept (default {@link DEFAULT_IDLE_MS}): the guard has no count of the calls in
   * flight of the one, and the other may be waiting on a probe. Keep it above the longest call.
   */
  readonly idleMs?: number;
}

/**
 * Default {@link DependencyLimits.maxDependencies}. The breaker-state gauge has 4 series per
 * dependency (one per state): 400 dependencies stay under the OpenTelemetry SDK's default limit of
 * 2000 series per metric.
 */
export const DEFAULT_MAX_DEPENDENCIES = 400;

/**
 * Default {@link DependencyLimits.idleMs}: 10 minutes, above the longest call the default policies
 * allow (3 attempts of 120 s with their back-offs).
 */
export const DEFAULT_IDLE_MS = 600_000;

/** Checks a count limit: an integer of at least 1, or `Infinity`. @throws TypeError naming `name`. */
export function checkMaxCount(name: string, value: number): number {
  if (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 1)) return value;
  throw new TypeError(`${name}: must be an integer of at least 1 or Infinity (got ${value})`);
}

/** Resolved limits. @throws TypeError for a limit out of range. */
export function resolveLimits(limits: DependencyLimits = {}): Required<DependencyLimits> {
  const maxDependencies = checkMaxCount(
    'limits.maxDependencies',
    limits.maxDependencies ?? DEFAULT_MAX_DEPENDENCIES,
  );
  const idleMs = limits.idleMs ?? DEFAULT_IDLE_MS;
  if (!(Number.isFinite(idleMs) && idleMs >= 0))
    throw new TypeError(`limits.idleMs: must be a finite number of at least 0 (got ${idleMs})`);
  return { maxDependencies, idleMs };
}
