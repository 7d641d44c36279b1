import { formatDuration } from '@breakwater/protocol';
import type { SloDefinition } from './definition.ts';
import { ratioToPercent } from './objective.ts';
import { latencyThreshold } from './resolve.ts';

/**
 * Why an SLO's `severe` level (a page) can fire while the SLO is met, or `undefined` when it
 * cannot. Levels are the user's to set, tighter than the objective included, so this is advice
 * (`check-config` and `serve` print it), not a configuration error. Only `severe` is read:
 * `emergency` lies beyond it in the order the schema checks.
 */
export function levelsPagingWhileMet(slo: SloDefinition): string | undefined {
  const objective = ratioToPercent(slo.objective);
  const levels = slo.levels;
  if (levels.kind === 'success_rate') {
    if (!(levels.severe > objective)) return undefined;
    return `severe level ${levels.severe}% is above the ${objective}% objective: it pages while the SLO is met`;
  }
  const quantile = ratioToPercent(levels.quantile);
  // A met SLO has at least `objective` % of calls within the threshold, so its p(objective) and
  // any lower quantile are within it; a higher quantile may be anywhere.
  if (quantile > objective) {
    return `levels read p${quantile}, above the ${objective}% objective: up to ${Math.round((100 - objective) * 1e6) / 1e6}% of calls may be slower than the threshold while the SLO is met, so p${quantile} may cross any level`;
  }
  const threshold = latencyThreshold(slo.good);
  if (threshold === undefined || !(levels.severeMs < threshold)) return undefined;
  return `severe level ${formatDuration(levels.severeMs)} is below the ${formatDuration(threshold)} threshold: p${quantile} may be between them while the SLO is met`;
}
