import { z } from 'zod';

/** Deployment gate decisions. */
export const GATE_DECISIONS = ['PROCEED', 'HALT', 'ROLLBACK'] as const;
export type GateDecision = (typeof GATE_DECISIONS)[number];

/** Exit codes of `breakwater gate`. */
export const GATE_EXIT_CODES = { PROCEED: 0, HALT: 10, ROLLBACK: 20, ERROR: 2 } as const;

/** One reason behind a decision, machine-readable `code` plus a sentence for people. */
export const GateReasonSchema = z.object({
  code: z.string(),
  message: z.string(),
  slo: z.string().optional(),
});
export type GateReason = z.infer<typeof GateReasonSchema>;

/** Per-SLO evidence in a gate answer. */
export const GateSloEvidenceSchema = z.object({
  slo: z.string(),
  objective: z.number(),
  /** Burn rate per window for the version under test; null where there were no events. */
  burnRates: z.record(z.string(), z.number().nullable()),
  budgetRemaining: z.number(),
  /** Events for the version under test over the gate window. */
  sample: z.object({ good: z.number(), total: z.number() }),
  /** Events for the baseline over the same window, when there is one. */
  baselineSample: z.object({ good: z.number(), total: z.number() }).optional(),
  /** Canary-versus-baseline comparison, when there was enough data to run it. */
  comparison: z
    .object({
      canaryErrorRatio: z.number(),
      baselineErrorRatio: z.number(),
      /** One-sided p-value that the canary is worse. */
      pValue: z.number(),
      significant: z.boolean(),
    })
    .optional(),
  decision: z.enum(GATE_DECISIONS),
});
export type GateSloEvidence = z.infer<typeof GateSloEvidenceSchema>;

/** Body of `GET /v1/gate`. */
export const GateAnswerSchema = z.object({
  decision: z.enum(GATE_DECISIONS),
  service: z.string(),
  version: z.string(),
  /** Versions compared against (explicit `baseline`, or every other version seen). */
  baseline: z.array(z.string()),
  reasons: z.array(GateReasonSchema),
  slos: z.array(GateSloEvidenceSchema),
  /** The window judged, e.g. `"10m"`. */
  window: z.string(),
  evaluatedAt: z.number(),
});
export type GateAnswer = z.infer<typeof GateAnswerSchema>;
