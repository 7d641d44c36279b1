import { z } from 'zod';
import { durationMs, timerDurationMs } from '../../config/slo/duration-schema.ts';
import { traceUrlTemplateProblem } from '../../config/trace-url-template.ts';

/** A fast-burn rule: ROLLBACK when the version burns faster than `burnRate` over both windows. */
export const FastBurnRuleSchema = z
  .object({
    longWindow: durationMs,
    shortWindow: durationMs,
    burnRate: z.number().positive(),
  })
  .strict()
  // The short window confirms the long one is still burning: it must be the shorter.
  .refine((rule) => rule.shortWindow < rule.longWindow, {
    message: 'shortWindow must be shorter than longWindow',
    path: ['shortWindow'],
  })
  // Also in every `gate.slos` entry: once in the JSON Schema's $defs.
  .meta({ id: 'GateFastBurnRule' });

/** The judging rules; every key may be overridden per SLO under `gate.slos.<name>`. */
const rulesShape = {
  /** Window the version under test is judged over (and compared with the baseline). */
  window: durationMs,
  /** Events the version (and the baseline, for the comparison) needs in the window before it is judged. */
  minEvents: z.number().int().positive(),
  /** HALT when less than this share of the service's error budget is left (0..1). */
  reserve: z.number().min(0).max(1),
  /**
   * Significance level of the one-sided tests (fast burn, sustained burn, canary worse than
   * baseline); divided by the number of operations tested for an SLO judged per operation.
   */
  significance: z.number().gt(0).max(0.5),
  /** ROLLBACK when the burn rate over the gate window is significantly above this. */
  sustainedBurnRate: z.number().positive(),
  /**
   * Page-level multiwindow rules for the version. Default (`page`): the SLO engine's page rules
   * (1h/5m and 6h/30m) scaled to the SLO window; `[]` turns fast-burn checks off.
   */
  fastBurn: z.union([z.literal('page'), z.array(FastBurnRuleSchema)]),
  /** Compare the version with the baseline. */
  compare: z.boolean(),
  /**
   * How much faster than the baseline the version must burn, in burn-rate units (multiples of
   * the error budget's pace), before `worse_than_baseline` rolls it back. At high volume a test
   * finds 0.12 % errors significantly worse than 0.10 %; under a 99.5 % objective that is 0.04
   * of the budget's pace, no reason to roll back. A smaller significant difference is reported
   * (`worse_within_margin`); 0 rolls back on any significant difference.
   */
  compareMargin: z.number().min(0),
  /** HALT when this SLO has too little data (by default only SLOs named in `?slo=` are required). */
  required: z.boolean(),
};

/** Rules applied to every SLO unless overridden. */
export const GateRulesSchema = z.object(rulesShape).strict();
export type GateRulesConfig = z.output<typeof GateRulesSchema>;

// Defaults as a config file would give them: applied before parsing (`.prefault`), so the JSON
// Schema and CONFIG.md show them.
const DEFAULT_RULES = {
  window: '10m',
  minEvents: 100,
  reserve: 0.1,
  significance: 0.01,
  sustainedBurnRate: 1,
  fastBurn: 'page',
  compare: true,
  compareMargin: 0.25,
  required: false,
} satisfies z.input<typeof GateRulesSchema>;

/** The `gate:` section of the collector configuration. */
export const GateConfigSchema = z
  .object({
    window: rulesShape.window.prefault(DEFAULT_RULES.window),
    minEvents: rulesShape.minEvents.prefault(DEFAULT_RULES.minEvents),
    reserve: rulesShape.reserve.prefault(DEFAULT_RULES.reserve),
    significance: rulesShape.significance.prefault(DEFAULT_RULES.significance),
    sustainedBurnRate: rulesShape.sustainedBurnRate.prefault(DEFAULT_RULES.sustainedBurnRate),
    fastBurn: rulesShape.fastBurn.prefault(DEFAULT_RULES.fastBurn),
    compare: rulesShape.compare.prefault(DEFAULT_RULES.compare),
    compareMargin: rulesShape.compareMargin.prefault(DEFAULT_RULES.compareMargin),
    required: rulesShape.required.prefault(DEFAULT_RULES.required),
    /** Per-SLO overrides of any rule above, by SLO name. */
    slos: z.record(z.string(), GateRulesSchema.partial()).prefault({}),
    /** SLOs the gate never judges (e.g. a technical SLO that is too sparse per version). */
    exclude: z.array(z.string()).default([]),
    /** Window over which `GET /v1/gate/health` judges whether a service is green again. */
    recoveryWindow: durationMs.prefault('5m'),
    /** Incident alerts: listed on the status page, and pushed to the SLO engine's `alertmanager.url` when set. */
    alerts: z
      .object({
        /** Raise an alert on ROLLBACK (severity page) and HALT other than for missing data (ticket). */
        enabled: z.boolean().default(true),
        /** How long an incident alert keeps firing after the last such answer. */
        ttl: timerDurationMs.prefault('30m'),
        /** Links to example traces, e.g. `http://jaeger:16686/trace/{traceId}`. */
        traceUrlTemplate: z
          .string()
          .superRefine((template, ctx) => {
            const problem = traceUrlTemplateProblem(template);
            if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
          })
          .optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type GateConfig = z.output<typeof GateConfigSchema>;

/** Top-level keys for the gate, to be composed into the collector configuration schema. */
export const GateSectionSchema = z.object({
  gate: GateConfigSchema.prefault({}),
});

/** Parses a `gate:` section (absent → every default). */
export function parseGateConfig(section: unknown): GateConfig {
  return GateConfigSchema.parse(section ?? {});
}

/** The effective rules for one SLO: defaults, then the SLO's overrides. */
export function rulesFor(config: GateConfig, slo: string): GateRulesConfig {
  // Every key but the gate's own settings is a rule: a rule added to the schema needs no line here.
  const { slos: _slos, exclude: _exclude, recoveryWindow: _recovery, alerts: _alerts, ...base } = config;
  const override = config.slos[slo];
  if (override === undefined) return base satisfies GateRulesConfig;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) if (value !== undefined) merged[key] = value;
  return merged as GateRulesConfig;
}
