import { z } from 'zod';
import type { Holds, SameType } from './same-type.ts';

/** Deployment gate decisions. */
export const GATE_DECISIONS = ['PROCEED', 'HALT', 'ROLLBACK'] as const;
/**
 * A deployment gate decision: `PROCEED` (the version is within budget), `HALT` (pause the
 * rollout: too little data to judge, too little budget left, or events hidden in an overflow
 * series) or `ROLLBACK` (the version burns budget too fast or does worse than the baseline).
 */
export type GateDecision = (typeof GATE_DECISIONS)[number];

/** Exit codes of `breakwater gate`. */
export const GATE_EXIT_CODES = { PROCEED: 0, HALT: 10, ROLLBACK: 20, ERROR: 2 } as const;

/**
 * Longest service, version, baseline or SLO name a gate request may carry (query parameters,
 * webhook metadata, rollback events): each becomes a label on `/metrics` or an alert.
 */
export const MAX_GATE_VALUE_CHARS = 256;

/**
 * Longest `latencyMs` / `recoveryMs` a rollback event may report (7 days): a rollback or a
 * recovery wait takes minutes, and an absurd value would swamp the latency histogram's sum.
 */
export const MAX_GATE_EVENT_DURATION_MS = 7 * 86_400_000;

/** Paths of the gate API beside `COLLECTOR_PATHS.GATE`. */
export const GATE_PATHS = {
  /** `GET` decision, `POST` Flagger webhook. */
  DECISION: '/v1/gate',
  /** `GET` whether a service's SLIs are green now (recovery tracking after a rollback). */
  HEALTH: '/v1/gate/health',
  /** `POST` a rollback or recovery outcome measured by the CLI (counted on `/metrics`). */
  ROLLBACKS: '/v1/gate/rollbacks',
} as const;

/**
 * Machine-readable reason codes. Each pushes the decision one way:
 * - ROLLBACK: `fast_burn` (a page-level multiwindow burn), `sustained_burn` (burn rate above the
 *   threshold over the gate window, significantly so), `worse_than_baseline` (one-sided test,
 *   and a burn rate at least the compare margin above the baseline's).
 * - HALT: `budget_below_reserve`, `insufficient_data` (too few events to judge),
 *   `no_data` (no event at all for the version under test), `series_overflow` (an SLO counted
 *   events of series past its `maxSeries` in one overflow series: the version's may be there).
 * - informational (`decision` absent in effect): `baseline_insufficient_data`, `no_baseline`,
 *   `worse_within_margin` (significantly worse than the baseline, by less than the margin),
 *   `within_budget`.
 */
export const GATE_REASON_CODES = [
  'fast_burn',
  'sustained_burn',
  'worse_than_baseline',
  'budget_below_reserve',
  'insufficient_data',
  'no_data',
  'series_overflow',
  'baseline_insufficient_data',
  'no_baseline',
  'worse_within_margin',
  'within_budget',
] as const;
/** A machine-readable reason code; see {@link GATE_REASON_CODES} for what each means. */
export type GateReasonCode = (typeof GATE_REASON_CODES)[number];

/** Reason codes that mean "wait for more traffic", not "something is wrong" (`--wait` keeps polling). */
export const GATE_NO_DATA_CODES: readonly GateReasonCode[] = ['insufficient_data', 'no_data'];

/**
 * Whether `answer` is a HALT only for too few events so far: no incident, ask again once traffic
 * has arrived. Its `waitingForData` says so; an answer without it (a collector that predates it)
 * is one when it has reasons for HALT and every one has a {@link GATE_NO_DATA_CODES} code.
 */
export function gateWaitsForData(
  answer: Pick<GateAnswer, 'decision' | 'reasons' | 'waitingForData'>,
): boolean {
  if (answer.decision !== 'HALT') return false;
  if (answer.waitingForData !== undefined) return answer.waitingForData;
  const halts = answer.reasons.filter((r) => r.decision === 'HALT');
  return halts.length > 0 && halts.every((r) => (GATE_NO_DATA_CODES as readonly string[]).includes(r.code));
}

/**
 * The operation an SLO that groups by operation was judged on: the value of each of its `groupBy`
 * dimensions that tell one span of a request from another (`operation`, `gen_ai.operation.name`,
 * `span`), e.g. `{ operation: "chat" }`. The gate judges each operation of such an SLO apart: the
 * agent, chat and tool spans of one request are not independent events to be summed.
 */
export type GateOperation = Record<string, string>;

const GateOperationSchema = z.record(z.string(), z.string());

/** `operation=chat` (dimensions joined by `, `; an empty value as `""`), for people. */
export function gateOperationText(operation: GateOperation): string {
  return Object.entries(operation)
    .map(([dim, value]) => `${dim}=${value === '' ? '""' : value}`)
    .join(', ');
}

/** An SLO's name for people, with the operation it was judged on: `availability [operation=chat]`. */
export function gateSloLabel(slo: string, operation?: GateOperation): string {
  return operation === undefined ? slo : `${slo} [${gateOperationText(operation)}]`;
}

/** One reason behind a gate decision: a machine-readable `code` plus a sentence for people. */
export type GateReason = {
  /** What the reason is, one of {@link GATE_REASON_CODES}. */
  code: string;
  /** The reason in a sentence, for people. */
  message: string;
  /** The SLO the reason is about, when it is about one. */
  slo?: string | undefined;
  /** The operation of {@link slo} the reason is about, when the SLO is judged per operation. */
  operation?: GateOperation | undefined;
  /** The decision this reason argues for; absent for informational reasons. */
  decision?: GateDecision | undefined;
};

/** Validates a {@link GateReason}. */
export const GateReasonSchema = z.object({
  code: z.string(),
  message: z.string(),
  slo: z.string().optional(),
  operation: GateOperationSchema.optional(),
  decision: z.enum(GATE_DECISIONS).optional(),
});
type _GateReasonChecked = Holds<SameType<z.infer<typeof GateReasonSchema>, GateReason>>;

const SampleSchema = z.object({ good: z.number(), total: z.number() });

/**
 * Per-SLO evidence in a gate answer. An SLO that groups by operation is judged per operation
 * ({@link GateOperation}); its evidence is then the deciding operation's, named in `operation`.
 */
export type GateSloEvidence = {
  slo: string;
  /**
   * The operation judged, when the SLO groups by operation: the one that decided (the worst
   * decision; among equals, a judged one, then the highest error ratio). Every count below is
   * this operation's. Absent for an SLO judged on its summed counts.
   */
  operation?: GateOperation | undefined;
  /** The SLO's objective, its target good ratio (e.g. 0.995). */
  objective: number;
  /** The gate window this SLO was judged over, e.g. `"10m"` (per-SLO overridable). */
  window?: string | undefined;
  /** Burn rate per window for the version under test; null where there were no events. */
  burnRates: Record<string, number | null>;
  /**
   * Share of the service's error budget left over the SLO window (every version summed: the
   * budget belongs to the service, not to one build; of {@link operation} when there is one).
   * 1 = untouched; negative once overspent.
   */
  budgetRemaining: number;
  /** Events for the version under test over the gate window. */
  sample: { good: number; total: number };
  /** Events for the baseline over the same window, when there is one. */
  baselineSample?: { good: number; total: number } | undefined;
  /** Canary-versus-baseline comparison, when there was enough data to run it. */
  comparison?:
    | {
        canaryErrorRatio: number;
        baselineErrorRatio: number;
        /** One-sided p-value that the canary is worse. */
        pValue: number;
        /** Whether the canary is worse at the gate's significance (rolled back only past the margin). */
        significant: boolean;
        /**
         * `z` (two-proportion z-test) or `fisher` (Fisher's exact test, small counts); a test
         * added by a newer collector reads as absent.
         */
        test?: 'z' | 'fisher' | undefined;
        /**
         * How much faster the canary burns than the baseline, in burn-rate units (error-ratio
         * difference over the error budget); negative when it does better.
         */
        burnRateIncrease?: number | undefined;
      }
    | undefined;
  /**
   * Whether the version had enough events for this SLO to be judged (for an SLO judged per
   * operation: for at least one of its operations).
   */
  judged?: boolean | undefined;
  /** Bad events of the version per error category over the gate window, most frequent first. */
  topErrorCategories?: { category: string; count: number }[] | undefined;
  /**
   * Bad events of the version per `error.type` over the gate window, when the SLO groups by
   * `error.type` (the store keeps per-category counters only).
   */
  topErrorTypes?: { errorType: string; count: number }[] | undefined;
  /** Trace ids of recent bad events of the version. */
  exampleTraceIds?: string[] | undefined;
  /**
   * The dependency with most bad events for the version, when the SLO groups by a dependency
   * dimension (`dependency`, `provider`/`model`).
   */
  failingDependency?: { dependency: string; bad: number; total: number } | undefined;
  /** The decision this SLO alone argues for. */
  decision: GateDecision;
};

/** Validates a {@link GateSloEvidence}. */
export const GateSloEvidenceSchema = z.object({
  slo: z.string(),
  operation: GateOperationSchema.optional(),
  objective: z.number(),
  window: z.string().optional(),
  burnRates: z.record(z.string(), z.number().nullable()),
  budgetRemaining: z.number(),
  sample: SampleSchema,
  baselineSample: SampleSchema.optional(),
  comparison: z
    .object({
      canaryErrorRatio: z.number(),
      baselineErrorRatio: z.number(),
      pValue: z.number(),
      significant: z.boolean(),
      // Informational: a CLI pinned to an older release must still act on a newer collector's answer.
      test: z.enum(['z', 'fisher']).optional().catch(undefined),
      burnRateIncrease: z.number().optional(),
    })
    .optional(),
  judged: z.boolean().optional(),
  topErrorCategories: z.array(z.object({ category: z.string(), count: z.number() })).optional(),
  topErrorTypes: z.array(z.object({ errorType: z.string(), count: z.number() })).optional(),
  exampleTraceIds: z.array(z.string()).optional(),
  failingDependency: z.object({ dependency: z.string(), bad: z.number(), total: z.number() }).optional(),
  decision: z.enum(GATE_DECISIONS),
});
type _GateSloEvidenceChecked = Holds<SameType<z.infer<typeof GateSloEvidenceSchema>, GateSloEvidence>>;

/** Body of `GET /v1/gate`: the decision for one version of a service, and why. */
export type GateAnswer = {
  decision: GateDecision;
  service: string;
  /** The version under test. */
  version: string;
  /** Versions compared against (explicit `baseline`, or every other version seen). */
  baseline: string[];
  reasons: GateReason[];
  slos: GateSloEvidence[];
  /** The window judged, e.g. `"10m"`. */
  window: string;
  /** Collector time of the evaluation, epoch ms. */
  evaluatedAt: number;
  /**
   * True for a HALT only for too few events of the version so far (see {@link gateWaitsForData}),
   * false otherwise. A reason code added for such a HALT comes with it, so a reader that does not
   * know the code still keeps waiting rather than taking it for an incident. Absent from
   * collectors that predate it.
   */
  waitingForData?: boolean | undefined;
};

/** Validates a {@link GateAnswer}. */
export const GateAnswerSchema = z.object({
  decision: z.enum(GATE_DECISIONS),
  service: z.string(),
  version: z.string(),
  baseline: z.array(z.string()),
  reasons: z.array(GateReasonSchema),
  slos: z.array(GateSloEvidenceSchema),
  window: z.string(),
  evaluatedAt: z.number(),
  waitingForData: z.boolean().optional(),
});
type _GateAnswerChecked = Holds<SameType<z.infer<typeof GateAnswerSchema>, GateAnswer>>;

/** Body of `GET /v1/gate/health`: is the service green now (used to track recovery). */
export type GateHealth = {
  service: string;
  /** Versions left out. */
  excluded: string[];
  /**
   * Only events after this time (epoch ms, the collector's clock) count: the query's `since`, a
   * rollback's end. `window` is then the part of the recovery window after it, in whole minutes.
   */
  since?: number | undefined;
  window: string;
  /** True when every SLO with events is within budget over `window`; false when none had events. */
  healthy: boolean;
  /**
   * Per SLO with events. An SLO is healthy when its sum is within budget and, when it groups by
   * operation, so is each operation with at least the gate's `minEvents` over `window`: its entry
   * is the one of those burning fastest (an operation, named in `operation`, or the sum).
   */
  slos: {
    slo: string;
    operation?: GateOperation | undefined;
    good: number;
    total: number;
    burnRate: number | null;
    healthy: boolean;
  }[];
  /** Collector time of the evaluation, epoch ms. */
  evaluatedAt: number;
};

/** Validates a {@link GateHealth}. */
export const GateHealthSchema = z.object({
  service: z.string(),
  excluded: z.array(z.string()),
  since: z.number().optional(),
  window: z.string(),
  healthy: z.boolean(),
  slos: z.array(
    z.object({
      slo: z.string(),
      operation: GateOperationSchema.optional(),
      good: z.number(),
      total: z.number(),
      burnRate: z.number().nullable(),
      healthy: z.boolean(),
    }),
  ),
  evaluatedAt: z.number(),
});
type _GateHealthChecked = Holds<SameType<z.infer<typeof GateHealthSchema>, GateHealth>>;

/**
 * Body of `POST /v1/gate/rollbacks`: an outcome the CLI measured, counted on `/metrics`. Service
 * and version are 1 to {@link MAX_GATE_VALUE_CHARS} characters, durations at most
 * {@link MAX_GATE_EVENT_DURATION_MS}.
 */
export type GateRollbackEvent =
  | {
      kind: 'rollback';
      service: string;
      version: string;
      /** Violation detected (the ROLLBACK answer) → rollback command finished, ms. */
      latencyMs: number;
      /** Exit code of the rollback command (0 = succeeded). */
      exitCode: number;
    }
  | {
      kind: 'recovery';
      service: string;
      version: string;
      recovered: boolean;
      /** Rollback finished → SLIs green, ms; absent when not recovered. */
      recoveryMs?: number | undefined;
    };

/** Validates a {@link GateRollbackEvent}, a `rollback` or a `recovery`. */
export const GateRollbackEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('rollback'),
    service: z.string().min(1).max(MAX_GATE_VALUE_CHARS),
    version: z.string().min(1).max(MAX_GATE_VALUE_CHARS),
    latencyMs: z.number().nonnegative().max(MAX_GATE_EVENT_DURATION_MS),
    exitCode: z.number().int(),
  }),
  z.object({
    kind: z.literal('recovery'),
    service: z.string().min(1).max(MAX_GATE_VALUE_CHARS),
    version: z.string().min(1).max(MAX_GATE_VALUE_CHARS),
    recovered: z.boolean(),
    recoveryMs: z.number().nonnegative().max(MAX_GATE_EVENT_DURATION_MS).optional(),
  }),
]);
type _GateRollbackEventChecked = Holds<SameType<z.infer<typeof GateRollbackEventSchema>, GateRollbackEvent>>;

/**
 * What Flagger POSTs to a webhook (`POST /v1/gate`): the canary's name, namespace and phase, and
 * the webhook's `metadata` (here `service`, `version`, optional `baseline`, `slo`, `token`).
 */
export const FlaggerWebhookSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  phase: z.string().optional(),
  checksum: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
/** What Flagger POSTs to `POST /v1/gate`; see {@link FlaggerWebhookSchema}. */
export type FlaggerWebhook = z.infer<typeof FlaggerWebhookSchema>;
