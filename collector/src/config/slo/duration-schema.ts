import { DURATION_PATTERN, parseDuration } from '@breakwater/protocol';
import { z } from 'zod';
import { fitsTimer, TIMER_LIMIT_MESSAGE } from '../timer-limit.ts';

/**
 * A duration string such as `30s`, `5m`, `30d` (validated, kept as text). Text that is no
 * duration at all gets that one problem, not also "must be positive".
 */
export const durationString = z
  .string()
  .regex(DURATION_PATTERN, {
    message: 'expected a duration such as "30s", "5m", "6h" or "30d"',
    abort: true,
  })
  .refine(isPositive, { message: 'must be a positive duration' });

function isPositive(text: string): boolean {
  try {
    return parseDuration(text) > 0;
  } catch {
    return false;
  }
}

/** A duration string parsed to milliseconds. */
export const durationMs = durationString.transform(parseDuration);

/** Shortest SLO window: events are counted per minute, so a shorter window holds no whole bucket. */
export const MIN_SLO_WINDOW = '1m';
const MIN_SLO_WINDOW_MS = parseDuration(MIN_SLO_WINDOW);

/** Whether `text` (a valid duration) is long enough for an SLO window. */
export function isSloWindowLongEnough(text: string): boolean {
  return parseDuration(text) >= MIN_SLO_WINDOW_MS;
}

/** An SLO's rolling window as text (`30d`): a duration of at least {@link MIN_SLO_WINDOW}. */
export const sloWindowString = durationString.refine(isSloWindowLongEnough, {
  message: `must be at least ${MIN_SLO_WINDOW}: events are counted per minute`,
});

/** A duration string parsed to milliseconds that a timer waits for (at most 24.8 days). */
export const timerDurationMs = durationMs.refine(fitsTimer, { message: TIMER_LIMIT_MESSAGE });
