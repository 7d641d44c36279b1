/**
 * Back-off as an immutable value (cockatiel style): given the retry number and the previous
 * delay it returns the next delay. Randomness is injected, so tests are deterministic.
 */
export interface Backoff {
  /**
   * Delay in ms before retry number `retry` (0 = the first retry). `previousMs` is the delay
   * used before the previous retry (0 before the first); `random` returns [0, 1).
   */
  delay(retry: number, previousMs: number, random: () => number): number;
}

/** Jitter modes: `full` (default) draws from [0, d]; `equal` from [d/2, d]; `decorrelated` from [base, 3·prev]; `none`. */
export const JITTERS = ['full', 'equal', 'decorrelated', 'none'] as const;
export type Jitter = (typeof JITTERS)[number];
