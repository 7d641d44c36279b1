import { formatDuration, type GateHealth } from '@breakwater/protocol';
import { decodeSeries, overflowKind } from '../../sli/series.ts';
import { burnRate } from '../burn-rate.ts';
import type { GateConfig } from './config.ts';
import type { GateDataSource } from './data-source.ts';

/**
 * Is the service green now? Over `config.recoveryWindow`, every SLO with events for the service
 * (the `excluded` versions, i.e. the rolled-back one, left out) must burn at most 1× its budget.
 * Not healthy when no SLO has events yet: recovery is shown by traffic, not by silence.
 */
export async function evaluateHealth(
  source: GateDataSource,
  config: GateConfig,
  service: string,
  excluded: readonly string[],
  nowMs: number,
): Promise<GateHealth> {
  const windowMs = config.recoveryWindow;
  const defs = source.slos().filter((d) => !config.exclude.includes(d.name));
  const snapshot = defs.length === 0 ? [] : await source.snapshot(nowMs, [windowMs]);
  const skip = new Set(excluded);
  const slos: GateHealth['slos'] = [];
  for (const def of defs) {
    let good = 0;
    let total = 0;
    for (const s of snapshot) {
      if (s.slo !== def.name) continue;
      const labels = decodeSeries(s.series, def.groupBy);
      if (labels === undefined || labels.service !== service || skip.has(labels.version)) continue;
      // The service's own overflow series may hold the excluded version's events, unseen.
      if (overflowKind(labels) !== undefined) continue;
      good += s.windows[0]?.good ?? 0;
      total += s.windows[0]?.total ?? 0;
    }
    if (total === 0) continue;
    const rate = burnRate({ good, total }, def.objective);
    slos.push({ slo: def.name, good, total, burnRate: rate, healthy: rate !== null && rate <= 1 });
  }
  return {
    service,
    excluded: [...excluded],
    window: formatDuration(windowMs),
    healthy: slos.length > 0 && slos.every((s) => s.healthy),
    slos,
    evaluatedAt: nowMs,
  };
}
