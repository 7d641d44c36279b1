import type { SliKind, SloTier } from '@breakwater/protocol';
import type { Selector } from './selector-schema.ts';

/** Threshold levels on the current success rate, in percent (level = worst threshold crossed). */
export interface SuccessRateLevels {
  kind: 'success_rate';
  warning: number;
  severe: number;
  emergency: number;
}

/** Threshold levels on a latency quantile, in milliseconds. */
export interface LatencyLevels {
  kind: 'latency';
  quantile: number;
  warningMs: number;
  severeMs: number;
  emergencyMs: number;
}

export type LevelThresholds = SuccessRateLevels | LatencyLevels;

/** Where a definition came from (reported in logs; built-ins may be overridden by name). */
export type SloOrigin = 'native' | 'openslo' | 'default' | 'technical';

/**
 * One SLO in the single shape the engine runs, whichever form it was written in. Events are
 * spans matching any `total` selector; of those, `bad` (or, when `good` is given instead, every
 * span not matching `good`) are bad.
 */
export interface SloDefinition {
  name: string;
  description: string | undefined;
  tier: SloTier;
  sli: SliKind;
  /** Target good ratio, 0 < objective < 1. */
  objective: number;
  windowMs: number;
  total: readonly Selector[];
  good: readonly Selector[] | undefined;
  bad: readonly Selector[] | undefined;
  /** Extra grouping dimensions besides service and version. */
  groupBy: readonly string[];
  levels: LevelThresholds;
  /** Minimum events in a long window before burn-rate alerts (and levels) may fire. */
  minEvents: number;
  /**
   * Most series (service × version × `groupBy` values) kept; events of further series are
   * counted in one overflow series labelled `__overflow__`.
   */
  maxSeries: number;
  origin: SloOrigin;
}
