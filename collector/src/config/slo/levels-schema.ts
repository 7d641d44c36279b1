import { z } from 'zod';
import { durationMs } from './duration-schema.ts';

const percent = z.number().gt(0).lt(100);

/**
 * Threshold alert levels on the current success rate (percent): the level is the worst one
 * whose threshold the success rate fell below.
 */
export const SuccessRateLevelsSchema = z
  .object({ warning: percent.optional(), severe: percent.optional(), emergency: percent.optional() })
  .strict();

/**
 * Threshold alert levels on a latency quantile (default p95): the level is the worst one whose
 * duration the quantile exceeds.
 */
export const LatencyLevelsSchema = z
  .object({
    quantile: z.number().gt(0).lt(1).optional(),
    warning: durationMs.optional(),
    severe: durationMs.optional(),
    emergency: durationMs.optional(),
  })
  .strict();
