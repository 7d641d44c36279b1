import { z } from 'zod';
import type { Holds, SameType } from './same-type.ts';

/** SLO tiers, used as a label on every SLO series and alert. */
export const SLO_TIERS = ['business', 'technical', 'infrastructure'] as const;
/** An SLO tier: `business`, `technical` or `infrastructure`. */
export type SloTier = (typeof SLO_TIERS)[number];

/** SLI kinds the collector evaluates. */
export const SLI_KINDS = ['availability', 'latency'] as const;
/** An SLI kind: `availability` (success ratio) or `latency` (share of events no longer than a threshold). */
export type SliKind = (typeof SLI_KINDS)[number];

/** Windows the collector reports error ratios and burn rates over (plus the SLO's own window). */
export const BURN_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
/** One of the fixed burn-rate windows, as a duration string (see {@link BURN_WINDOWS}). */
export type BurnWindow = (typeof BURN_WINDOWS)[number];

/** Burn-rate alert severities (SRE Workbook): `page` wakes someone, `ticket` can wait. */
export const ALERT_SEVERITIES = ['page', 'ticket'] as const;
/** A burn-rate alert severity: `page` (urgent) or `ticket` (can wait). */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Threshold alert levels on the current SLI. */
export const ALERT_LEVELS = ['ok', 'warning', 'severe', 'emergency'] as const;
/**
 * A threshold level of the current SLI: `ok`, `warning` (routed as a ticket), `severe` or
 * `emergency` (both page).
 */
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/** Good/total counts and derived rates over one window. */
export type WindowStatus = {
  /** The window, e.g. `"1h"` (one of {@link BURN_WINDOWS}, or the SLO's own). */
  window: string;
  good: number;
  total: number;
  /** 1 - good/total; null when there were no events. */
  errorRatio: number | null;
  /** errorRatio / (1 - objective); null when there were no events. */
  burnRate: number | null;
};

/** Validates a {@link WindowStatus}. */
export const WindowStatusSchema = z.object({
  window: z.string(),
  good: z.number().nonnegative(),
  total: z.number().nonnegative(),
  errorRatio: z.number().nullable(),
  burnRate: z.number().nullable(),
});
type _WindowStatusChecked = Holds<SameType<z.infer<typeof WindowStatusSchema>, WindowStatus>>;

/** A firing burn-rate alert. */
export const BurnAlertSchema = z.object({
  severity: z.enum(ALERT_SEVERITIES),
  longWindow: z.string(),
  shortWindow: z.string(),
  threshold: z.number(),
  longBurnRate: z.number(),
  shortBurnRate: z.number(),
});
/** A firing burn-rate alert; see {@link BurnAlertSchema}. */
export type BurnAlert = z.infer<typeof BurnAlertSchema>;

/** SLO state for one service (and optionally one `service.version`). */
export type SloGroupStatus = {
  service: string;
  /** Absent on the group summed over every version (the one alerts fire on). */
  version?: string | undefined;
  /** Values of the SLO's `groupBy` dimensions, e.g. `{ operation: "chat" }`. */
  labels?: Record<string, string> | undefined;
  windows: WindowStatus[];
  /** Share of the error budget left over the SLO window, 1 = untouched, may go negative. */
  budgetRemaining: number;
  /** Milliseconds until the budget is gone at the current (1h) burn; null when not burning. */
  exhaustionEtaMs: number | null;
  /** The burn-rate alerts firing now. */
  alerts: BurnAlert[];
  level: AlertLevel;
  /**
   * Bad events per error category over the last hour, most frequent first: `unclassified` for a
   * failure without `breakwater.error.category`, `slow` for a latency SLO's event that did not fail.
   */
  topErrorCategories: { category: string; count: number }[];
  exampleTraceIds: string[];
};

/** Validates a {@link SloGroupStatus}. */
export const SloGroupStatusSchema = z.object({
  service: z.string(),
  version: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  windows: z.array(WindowStatusSchema),
  budgetRemaining: z.number(),
  exhaustionEtaMs: z.number().nullable(),
  alerts: z.array(BurnAlertSchema),
  level: z.enum(ALERT_LEVELS),
  topErrorCategories: z.array(z.object({ category: z.string(), count: z.number() })),
  exampleTraceIds: z.array(z.string()),
});
type _SloGroupStatusChecked = Holds<SameType<z.infer<typeof SloGroupStatusSchema>, SloGroupStatus>>;

/** Body of `GET /v1/slos/{name}`; `GET /v1/slos` returns `{ slos: SloStatus[] }`. */
export type SloStatus = {
  name: string;
  description?: string | undefined;
  tier: SloTier;
  sli: SliKind;
  /** Target good ratio, e.g. 0.995. */
  objective: number;
  /** The SLO window, e.g. `"30d"`. */
  window: string;
  /** Collector time of evaluation, epoch ms. */
  evaluatedAt: number;
  /** Dimensions each group is split by besides service and version. */
  groupBy?: string[] | undefined;
  groups: SloGroupStatus[];
};

/** Validates a {@link SloStatus}. */
export const SloStatusSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  tier: z.enum(SLO_TIERS),
  sli: z.enum(SLI_KINDS),
  objective: z.number().gt(0).lt(1),
  window: z.string(),
  evaluatedAt: z.number(),
  groupBy: z.array(z.string()).optional(),
  groups: z.array(SloGroupStatusSchema),
});
type _SloStatusChecked = Holds<SameType<z.infer<typeof SloStatusSchema>, SloStatus>>;

/** Body of `GET /v1/slos`: the state of every SLO. */
export const SloListSchema = z.object({ slos: z.array(SloStatusSchema) });
/** Body of `GET /v1/slos`; see {@link SloListSchema}. */
export type SloList = z.infer<typeof SloListSchema>;
