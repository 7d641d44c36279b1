import { ERROR_CATEGORIES, FAULT_SOURCES, SLI_KINDS, SLO_TIERS } from '@breakwater/protocol';
import { z } from 'zod';
import { derivedDefault } from '../derived-default.ts';
import { choosesAmong } from '../form-choice.ts';
import { GroupBySchema, PercentObjectiveSchema, SloNameSchema } from './common-schema.ts';
import { DEFAULT_BAD_EVENTS } from './defaults.ts';
import { durationMs, sloWindowString } from './duration-schema.ts';
import { LatencyLevelsSchema, SuccessRateLevelsSchema } from './levels-schema.ts';
import { SelectorSchema } from './selector-schema.ts';

/** Which failed spans count against an availability SLO. */
export const BadEventsSchema = z
  .object({
    /** Fault sources that count (default `dependency`). */
    sources: z.array(z.enum(FAULT_SOURCES)).default([...DEFAULT_BAD_EVENTS.sources]),
    /**
     * Categories that count whatever their source (default `unknown`, `budget_exhausted`,
     * `circuit_open`, `bulkhead_full`: see `DEFAULT_SLO_BAD_CATEGORIES`).
     */
    categories: z.array(z.enum(ERROR_CATEGORIES)).default([...DEFAULT_BAD_EVENTS.categories]),
    /** Whether failures carrying neither category nor source count (default true). */
    unclassified: z.boolean().default(DEFAULT_BAD_EVENTS.unclassified),
  })
  .strict();
export type BadEvents = z.output<typeof BadEventsSchema>;

const NativeSloFields = z
  .object({
    name: SloNameSchema,
    description: z.string().optional(),
    tier: z.enum(SLO_TIERS).default('business'),
    sli: z.enum(SLI_KINDS).default('availability'),
    /** Target share of good events, in percent (e.g. 99.5). */
    objective: PercentObjectiveSchema,
    /** Rolling window. */
    window: sloWindowString.default('30d'),
    // Input-side, so the JSON Schema shows it (zod drops a plain default of a transforming schema).
    selector: SelectorSchema.prefault({}),
    groupBy: GroupBySchema.default([]),
    /** Availability: which failures are bad. */
    bad: BadEventsSchema.optional().meta(derivedDefault('for an availability SLO, the defaults of its keys')),
    /** Latency: the duration a good event stays within. */
    threshold: durationMs.optional(),
    /**
     * Threshold alert levels: percent for availability, durations for latency. Which schema
     * applies depends on `sli`, so the transform below parses them; the JSON Schema shows both.
     */
    levels: choosesAmong(z.unknown(), [SuccessRateLevelsSchema, LatencyLevelsSchema])
      .optional()
      .meta(
        derivedDefault(
          "the defaults of its keys for the SLO's `sli`; with no levels given, lowered to a looser objective or threshold",
        ),
      ),
    /** Overrides `evaluation.minEvents` for this SLO. */
    minEvents: z.number().int().nonnegative().optional().meta(derivedDefault('`evaluation.minEvents`')),
    /** Overrides `evaluation.maxSeries` for this SLO. */
    maxSeries: z.number().int().positive().optional().meta(derivedDefault('`evaluation.maxSeries`')),
  })
  .strict();

/**
 * The concise native SLO form:
 *
 * ```yaml
 * - name: chat-availability
 *   objective: 99.5          # percent of good events
 *   window: 30d
 *   selector: { service: checkout, operation: chat }
 * - name: chat-latency
 *   sli: latency
 *   threshold: 2s            # good = duration <= 2s
 *   objective: 95
 * ```
 */
export const NativeSloSchema = NativeSloFields.transform((slo, ctx) => {
  const { levels: rawLevels, ...rest } = slo;
  if (slo.sli === 'latency' && slo.threshold === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['threshold'],
      message: 'a latency SLO needs a threshold, e.g. "2s"',
    });
  }
  if (slo.sli === 'availability' && slo.threshold !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'threshold applies to latency SLOs only' });
  }
  if (slo.sli === 'latency' && slo.bad !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['bad'], message: 'bad applies to availability SLOs only' });
  }
  // The level schema depends on the SLI kind, so it is parsed here with the path kept.
  const levelSchema = slo.sli === 'latency' ? LatencyLevelsSchema : SuccessRateLevelsSchema;
  const parsed = levelSchema.optional().safeParse(rawLevels);
  if (!parsed.success) {
    // Passed on with their kind (an unknown key is reported at the key itself, with the key meant).
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['levels', ...issue.path] });
    return z.NEVER;
  }
  return {
    ...rest,
    bad: slo.sli === 'availability' ? (slo.bad ?? BadEventsSchema.parse({})) : undefined,
    levels: parsed.data,
  };
}).meta({ title: 'Native SLO' });
export type NativeSlo = z.output<typeof NativeSloSchema>;
