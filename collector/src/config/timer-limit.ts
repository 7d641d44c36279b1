/**
 * Longest delay a Node.js timer can wait: 2^31 − 1 ms (about 24.8 days). A longer `setTimeout`
 * fires after 1 ms instead (with a warning), so a long resend interval or alert TTL would turn
 * into a busy loop. Durations that drive timers are therefore limited in the configuration.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Error message for a timer duration above {@link MAX_TIMER_MS}. */
export const TIMER_LIMIT_MESSAGE =
  'must be at most 24d: this duration drives a timer, and Node.js timers cannot wait longer than about 24.8 days';

/** Whether `ms` can be waited for with one timer. */
export function fitsTimer(ms: number): boolean {
  return ms <= MAX_TIMER_MS;
}
