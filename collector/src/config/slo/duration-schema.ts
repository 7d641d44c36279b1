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

/** A duration string parsed to milliseconds that a timer waits for (at most 24.8 days). */
export const timerDurationMs = durationMs.refine(fitsTimer, { message: TIMER_LIMIT_MESSAGE });
