import type { AlertLevel } from '@breakwater/protocol';
import type { LatencyLevels, LevelThresholds, SuccessRateLevels } from '../config/slo/definition.ts';
import { latencyCountedKey, latencyCounterKey } from '../sli/compile.ts';
import type { Counts } from '../store/types.ts';

/**
 * The threshold level of an SLO's current SLI (counts over the level window). `ok` below
 * `minEvents` events: a handful of calls says little about a rate.
 */
export function thresholdLevel(levels: LevelThresholds, counts: Counts, minEvents: number): AlertLevel {
  if (counts.total === 0 || counts.total < minEvents) return 'ok';
  return levels.kind === 'latency'
    ? latencyLevel(levels, counts, minEvents)
    : successRateLevel(levels, counts);
}

/** Success rate (percent) below a threshold → that level; the worst one wins. */
export function successRateLevel(levels: SuccessRateLevels, counts: Counts): AlertLevel {
  const rate = (counts.good / counts.total) * 100;
  if (rate < levels.emergency) return 'emergency';
  if (rate < levels.severe) return 'severe';
  if (rate < levels.warning) return 'warning';
  return 'ok';
}

/**
 * The latency quantile exceeds a threshold exactly when fewer than `quantile` of the events
 * took at most that long; the sli stage counts events under each threshold (`le:<ms>`), so no
 * histogram approximation is involved. Each threshold is judged over the events counted against
 * it (`n:<ms>`): after its levels change, events stored under the old thresholds say nothing
 * about the new ones, and a threshold with fewer than `minEvents` such events is not exceeded.
 */
export function latencyLevel(levels: LatencyLevels, counts: Counts, minEvents = 1): AlertLevel {
  const exceeds = (ms: number) => {
    const counted = counts.extra[latencyCountedKey(ms)] ?? 0;
    if (counted === 0 || counted < minEvents) return false;
    return (counts.extra[latencyCounterKey(ms)] ?? 0) / counted < levels.quantile;
  };
  if (exceeds(levels.emergencyMs)) return 'emergency';
  if (exceeds(levels.severeMs)) return 'severe';
  if (exceeds(levels.warningMs)) return 'warning';
  return 'ok';
}
