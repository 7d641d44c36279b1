import { SLI_KINDS, SLO_TIERS } from '@breakwater/protocol';
import { z } from 'zod';
import { GroupBySchema, PercentObjectiveSchema, SloNameSchema } from './common-schema.ts';
import { durationString, isSloWindowLongEnough, MIN_SLO_WINDOW } from './duration-schema.ts';
import { cappedValue } from './selector-caps.ts';
import { SelectorsSchema } from './selector-schema.ts';

/** The OpenSLO API version accepted. */
export const OPENSLO_API_VERSION = 'openslo/v1';

/** `metricSource.type` naming Breakwater's span selectors (case-insensitive). */
export const OPENSLO_SOURCE_TYPE = 'breakwater';

/** Annotations through which an OpenSLO document sets Breakwater-only options. */
export const OPENSLO_ANNOTATIONS = {
  /** Comma-separated `groupBy` dimensions, e.g. `operation,model`. */
  GROUP_BY: 'breakwater.dev/group-by',
  /** Minimum events in the long window before a burn-rate alert may fire. */
  MIN_EVENTS: 'breakwater.dev/min-events',
  /** `availability` or `latency` (the default is inferred from `maxDuration` in `good`). */
  SLI: 'breakwater.dev/sli',
} as const;

const MetricSourceSchema = z
  .object({
    metricSource: z
      .object({
        metricSourceRef: z.string().optional(),
        type: z.string().refine((t) => t.toLowerCase() === OPENSLO_SOURCE_TYPE, {
          message: `expected type "${OPENSLO_SOURCE_TYPE}" (span selectors evaluated by the collector)`,
        }),
        /** One span selector or a list of them (any matches). */
        spec: SelectorsSchema,
      })
      .strict(),
  })
  .strict()
  // Stands at many keys (good, bad and total of each indicator): once in the JSON Schema's $defs.
  .meta({ id: 'OpenSloMetricSource' });

/** `ratioMetric`: `total` plus exactly one of `good` or `bad`, each a span selector. */
export const RatioMetricSchema = z
  .object({
    counter: z.boolean().optional(),
    good: MetricSourceSchema.optional(),
    bad: MetricSourceSchema.optional(),
    total: MetricSourceSchema,
    rawType: z.unknown().optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if ((m.good === undefined) === (m.bad === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'ratioMetric needs exactly one of good or bad (besides total)',
      });
    }
  });
export type RatioMetric = z.output<typeof RatioMetricSchema>;

const MetadataSchema = z
  .object({
    name: SloNameSchema,
    displayName: z.string().optional(),
    labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  // Of both kinds of document: once in the JSON Schema's $defs.
  .meta({ id: 'OpenSloMetadata' });

const IndicatorSpecSchema = z
  .object({
    description: z.string().optional(),
    ratioMetric: RatioMetricSchema.optional(),
    thresholdMetric: z.unknown().optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.thresholdMetric !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['thresholdMetric'],
        message: 'thresholdMetric is not supported: use ratioMetric over span selectors',
      });
    }
    if (spec.ratioMetric === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ratioMetric'], message: 'expected a ratioMetric' });
    }
  })
  // An SLI's spec, also inline in an SLO (twice): once in the JSON Schema's $defs.
  .meta({ id: 'OpenSloIndicatorSpec' });

const InlineIndicatorSchema = z
  .object({
    metadata: z.object({ name: z.string(), displayName: z.string().optional() }).loose().optional(),
    spec: IndicatorSpecSchema,
  })
  .strict()
  // In an SLO's spec and in its objectives: once in the JSON Schema's $defs.
  .meta({ id: 'OpenSloInlineIndicator' });

/** OpenSLO v1 `kind: SLI` (referenced by `indicatorRef`). */
export const OpenSloSliSchema = z
  .object({
    apiVersion: z.literal(OPENSLO_API_VERSION),
    kind: z.literal('SLI'),
    metadata: MetadataSchema,
    spec: IndicatorSpecSchema,
  })
  .strict()
  .meta({ title: 'OpenSLO v1 SLI (for indicatorRef)' });
export type OpenSloSli = z.output<typeof OpenSloSliSchema>;

const ObjectiveSchema = z
  .object({
    displayName: z.string().optional(),
    target: z.number().gt(0).lt(1).optional(),
    targetPercent: PercentObjectiveSchema.optional(),
    op: z.unknown().optional(),
    value: z.unknown().optional(),
    indicator: InlineIndicatorSchema.optional(),
    indicatorRef: z.string().optional(),
    compositeWeight: z.number().optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.target === undefined) === (o.targetPercent === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'an objective needs exactly one of target (0..1) or targetPercent',
      });
    }
    if (o.op !== undefined || o.value !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['op'],
        message: 'op/value (threshold objectives) are not supported',
      });
    }
  });

const TimeWindowSchema = z
  .object({
    duration: z.string().superRefine((d, ctx) => {
      if (!durationString.safeParse(d).success) {
        ctx.addIssue({
          code: 'custom',
          message: `unsupported duration "${d}": use s, m, h, d or w units (e.g. "28d"); months, quarters and years are not supported`,
        });
      } else if (!isSloWindowLongEnough(d)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be at least ${MIN_SLO_WINDOW}: events are counted per minute`,
        });
      }
    }),
    isRolling: z.literal(true, { message: 'only rolling windows (isRolling: true) are supported' }),
    calendar: z.unknown().optional(),
  })
  .strict();

/** OpenSLO v1 `kind: SLO` with a ratio indicator over span selectors. */
export const OpenSloSloSchema = z
  .object({
    apiVersion: z.literal(OPENSLO_API_VERSION),
    kind: z.literal('SLO'),
    metadata: MetadataSchema,
    spec: z
      .object({
        description: z.string().optional(),
        /** `service.name` the SLO covers; `"*"` for every service. */
        service: cappedValue('service'),
        indicator: InlineIndicatorSchema.optional(),
        indicatorRef: z.string().optional(),
        timeWindow: z.array(TimeWindowSchema).length(1, { message: 'expected exactly one timeWindow' }),
        budgetingMethod: z.literal('Occurrences', {
          message: 'only budgetingMethod "Occurrences" is supported (events, not time slices)',
        }),
        objectives: z.array(ObjectiveSchema).length(1, { message: 'expected exactly one objective' }),
        alertPolicies: z.array(z.unknown()).optional(),
      })
      .strict(),
  })
  .strict()
  .superRefine((doc, ctx) => {
    const tier = doc.metadata.labels?.tier;
    const tiers = tier === undefined ? [] : Array.isArray(tier) ? tier : [tier];
    if (
      tiers.length > 1 ||
      (tiers[0] !== undefined && !(SLO_TIERS as readonly string[]).includes(tiers[0]))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadata', 'labels', 'tier'],
        message: `expected one of ${SLO_TIERS.join(', ')}`,
      });
    }
    const ann = doc.metadata.annotations ?? {};
    const groupBy = ann[OPENSLO_ANNOTATIONS.GROUP_BY];
    const parsedGroupBy = groupBy === undefined ? undefined : GroupBySchema.safeParse(splitList(groupBy));
    if (parsedGroupBy?.success === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadata', 'annotations', OPENSLO_ANNOTATIONS.GROUP_BY],
        message: `expected comma-separated dimensions (operation, provider, model, tool, dependency, span or attribute keys): ${parsedGroupBy.error.issues.map((i) => i.message).join('; ')}`,
      });
    }
    const minEvents = ann[OPENSLO_ANNOTATIONS.MIN_EVENTS];
    if (minEvents !== undefined && !/^\d+$/.test(minEvents)) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadata', 'annotations', OPENSLO_ANNOTATIONS.MIN_EVENTS],
        message: 'expected a non-negative integer',
      });
    }
    const sli = ann[OPENSLO_ANNOTATIONS.SLI];
    if (sli !== undefined && !(SLI_KINDS as readonly string[]).includes(sli)) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadata', 'annotations', OPENSLO_ANNOTATIONS.SLI],
        message: `expected one of ${SLI_KINDS.join(', ')}`,
      });
    }
    const objective = doc.spec.objectives[0];
    const sources = [
      doc.spec.indicator,
      doc.spec.indicatorRef,
      objective?.indicator,
      objective?.indicatorRef,
    ];
    const given = sources.filter((s) => s !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['spec'],
        message:
          'expected exactly one of spec.indicator, spec.indicatorRef, objectives[0].indicator or objectives[0].indicatorRef',
      });
    }
  })
  .meta({ title: 'OpenSLO v1 SLO' });
export type OpenSloSlo = z.output<typeof OpenSloSloSchema>;

/** Splits a comma-separated annotation value. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
