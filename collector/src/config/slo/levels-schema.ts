import { formatDuration } from '@breakwater/protocol';
import { z } from 'zod';
import { derivedDefault } from '../derived-default.ts';
import { DEFAULT_LATENCY_LEVELS, DEFAULT_SUCCESS_RATE_LEVELS } from './defaults.ts';
import { durationMs } from './duration-schema.ts';

const percent = z.number().gt(0).lt(100);

/**
 * Schema metadata for a level left unset: resolve.ts fills in the default for the SLI kind, the
 * parser does not, so the JSON Schema and CONFIG.md show it as a derived default.
 */
const levelDefault = (value: number | string) => derivedDefault(`\`${value}\``);

const LEVELS = ['warning', 'severe', 'emergency'] as const;
type Level = (typeof LEVELS)[number];

/**
 * Checks that each level is at least as bad as the one before it, unset levels taking their
 * defaults: `{ warning: 2s }` alone would otherwise make a 600 ms p95 `severe` (default 500 ms),
 * and `severe` is what pages.
 */
function checkOrder(
  given: Partial<Record<Level, number | undefined>>,
  defaults: Record<Level, number>,
  worse: (a: number, b: number) => boolean,
  show: (value: number) => string,
  ctx: z.RefinementCtx,
): void {
  const value = (level: Level) => given[level] ?? defaults[level];
  const described = (level: Level) =>
    `${level} (${show(value(level))}${given[level] === undefined ? ', the default' : ''})`;
  for (let i = 1; i < LEVELS.length; i++) {
    const lower = LEVELS[i - 1]!;
    const higher = LEVELS[i]!;
    if (!worse(value(lower), value(higher))) continue;
    ctx.addIssue({
      code: 'custom',
      path: [given[higher] === undefined ? lower : higher],
      message:
        `${described(higher)} must be at least as bad as ${described(lower)}: warning, severe and ` +
        `emergency go from mild to worst${given[higher] === undefined ? `; set ${higher} too` : ''}`,
    });
  }
}

/**
 * Threshold alert levels on the current success rate (percent): the level is the worst one
 * whose threshold the success rate fell below.
 */
export const SuccessRateLevelsSchema = z
  .object({
    warning: percent.optional().meta(levelDefault(DEFAULT_SUCCESS_RATE_LEVELS.warning)),
    severe: percent.optional().meta(levelDefault(DEFAULT_SUCCESS_RATE_LEVELS.severe)),
    emergency: percent.optional().meta(levelDefault(DEFAULT_SUCCESS_RATE_LEVELS.emergency)),
  })
  .strict()
  .superRefine((levels, ctx) =>
    // A worse level is a lower success rate.
    checkOrder(
      levels,
      DEFAULT_SUCCESS_RATE_LEVELS,
      (lower, higher) => higher > lower,
      (v) => `${v} %`,
      ctx,
    ),
  )
  .meta({ title: 'Success-rate levels (availability SLOs)' });

/**
 * Threshold alert levels on a latency quantile (default p95): the level is the worst one whose
 * duration the quantile exceeds.
 */
export const LatencyLevelsSchema = z
  .object({
    quantile: z.number().gt(0).lt(1).optional().meta(levelDefault(DEFAULT_LATENCY_LEVELS.quantile)),
    warning: durationMs.optional().meta(levelDefault(formatDuration(DEFAULT_LATENCY_LEVELS.warningMs))),
    severe: durationMs.optional().meta(levelDefault(formatDuration(DEFAULT_LATENCY_LEVELS.severeMs))),
    emergency: durationMs.optional().meta(levelDefault(formatDuration(DEFAULT_LATENCY_LEVELS.emergencyMs))),
  })
  .strict()
  .superRefine((levels, ctx) =>
    // A worse level is a longer duration.
    checkOrder(
      levels,
      {
        warning: DEFAULT_LATENCY_LEVELS.warningMs,
        severe: DEFAULT_LATENCY_LEVELS.severeMs,
        emergency: DEFAULT_LATENCY_LEVELS.emergencyMs,
      },
      (lower, higher) => higher < lower,
      formatDuration,
      ctx,
    ),
  )
  .meta({ title: 'Latency levels (latency SLOs)' });
