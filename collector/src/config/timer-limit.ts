/**
 * Durations that drive timers are limited to {@link MAX_TIMER_MS} in the configuration: a longer
 * one would fire after 1 ms, so a long resend interval or alert TTL would turn into a busy loop.
 */
import { MAX_TIMER_MS } from '@breakwater/protocol';

/** Error message for a timer duration above {@link MAX_TIMER_MS}. */
export const TIMER_LIMIT_MESSAGE =
  'must be at most 24d: this duration drives a timer, and Node.js timers cannot wait longer than about 24.8 days';

/** Whether `ms` can be waited for with one timer. */
export function fitsTimer(ms: number): boolean {
  return ms <= MAX_TIMER_MS;
}
