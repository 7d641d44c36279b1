import { formatDuration, type GateHealth } from '@breakwater/protocol';
import { decodeSeries, overflowKind } from '../../sli/series.ts';
import { FINE_BUCKET_MS } from '../../store/buckets.ts';
import { burnRate, type GoodTotal } from '../burn-rate.ts';
import { operationOf } from './collect.ts';
import { type GateConfig, rulesFor } from './config.ts';
import type { GateDataSource } from './data-source.ts';

/**
 * How much of the recovery window ending at `nowMs` lies wholly after `sinceMs`: the store counts
 * by the minute, and a window holds every minute it overlaps, so it starts at the first minute
 * boundary after `sinceMs` (the minute of the rollback itself holds the failures before it).
 * 0 until that boundary has passed.
 */
function windowSince(recoveryWindowMs: number, nowMs: number, sinceMs: number): number {
  const firstWholeMinute = Math.ceil(sinceMs / FINE_BUCKET_MS) * FINE_BUCKET_MS;
  // Whole milliseconds (the store's now is fractional): a window cut short by less than one
  // still starts after the boundary.
  return Math.max(0, Math.min(recoveryWindowMs, Math.floor(nowMs - firstWholeMinute)));
}

/**
 * Is the service green now? Over `config.recoveryWindow`, every SLO with events for the service
 * (the `excluded` versions left out) must burn at most 1× its budget: on its sum, as always, and
 * for an SLO that groups by operation (see `OPERATION_DIMS`) also on each operation with at least
 * the gate's `minEvents` for the SLO over the window, as the gate judges them apart (see
 * {@link healthEntry}). With `sinceMs` (a rollback's end, on the collector's clock), only events
 * after it count, every version's included: a rolled-back version still failing then keeps the
 * service red, as it should. Not healthy when no SLO has events yet: recovery is shown by
 * traffic, not by silence.
 */
export async function evaluateHealth(
  source: GateDataSource,
  config: GateConfig,
  service: string,
  excluded: readonly string[],
  nowMs: number,
  sinceMs?: number,
): Promise<GateHealth> {
  // The windows end at the source's now, which drifts from the wall clock (by a millisecond is
  // enough to take in the whole minute before the first boundary): `since` is moved onto it.
  const sourceNow = source.now?.() ?? nowMs;
  const windowMs =
    sinceMs === undefined
      ? config.recoveryWindow
      : windowSince(config.recoveryWindow, sourceNow, sinceMs + (sourceNow - nowMs));
  const defs = windowMs === 0 ? [] : source.slos().filter((d) => !config.exclude.includes(d.name));
  const snapshot = defs.length === 0 ? [] : await source.snapshot(nowMs, [windowMs]);
  const skip = new Set(excluded);
  const slos: GateHealth['slos'] = [];
  for (const def of defs) {
    const operations = new Map<string, HealthCounts>();
    for (const s of snapshot) {
      if (s.slo !== def.name) continue;
      const labels = decodeSeries(s.series, def.groupBy);
      if (labels === undefined || labels.service !== service || skip.has(labels.version)) continue;
      // The service's own overflow series may hold an excluded version's events, unseen.
      if (skip.size > 0 && overflowKind(labels) !== undefined) continue;
      const window = s.windows[0];
      if (window === undefined || window.total === 0) continue;
      // The service's overflow series (every label `__overflow__`) is an operation of its own:
      // its events may be any operation's, and mixing them into one would dilute it.
      const { key, operation } = operationOf(def.groupBy, labels.dims);
      let entry = operations.get(key);
      if (entry === undefined) {
        entry = { operation, counts: { good: 0, total: 0 } };
        operations.set(key, entry);
      }
      entry.counts.good += window.good;
      entry.counts.total += window.total;
    }
    const worst = healthEntry([...operations.values()], def.objective, rulesFor(config, def.name).minEvents);
    if (worst === undefined) continue;
    const rate = burnRate(worst.counts, def.objective);
    slos.push({
      slo: def.name,
      ...(worst.operation === undefined ? {} : { operation: worst.operation }),
      good: worst.counts.good,
      total: worst.counts.total,
      burnRate: rate,
      healthy: rate !== null && rate <= 1,
    });
  }
  return {
    service,
    excluded: [...excluded],
    ...(sinceMs === undefined ? {} : { since: sinceMs }),
    window: formatDuration(windowMs),
    healthy: slos.length > 0 && slos.every((s) => s.healthy),
    slos,
    evaluatedAt: nowMs,
  };
}

/** Counts of one operation of an SLO (or of the SLO, `operation` undefined). */
interface HealthCounts {
  operation: Record<string, string> | undefined;
  counts: GoodTotal;
}

/**
 * The entry that says whether one SLO is green: the one burning fastest among the SLO's sum
 * (every operation's events, as for an SLO that does not group by operation) and each of its
 * operations with at least `minEvents` events (none for an SLO that does not group by operation);
 * among equal burn rates the one with more events, then an operation. Undefined without events.
 *
 * An operation with fewer events does not decide on its own, as the gate does not judge it: right
 * after a rollback (`since`, a minute or two), one failure in three calls of a rare tool would
 * burn 66x and keep a service red whose chat spans are all fine. It still counts in the sum, so
 * its failures are not unseen: tool calls failing by the dozen beside healthy chat spans turn the
 * sum red. The sum is always judged, so the service is never green where the summed check (before
 * the gate judged operations apart) would have been red, and with few events in all, only the
 * sum is: one failure among a handful of events is red, as it always was. An operation with
 * enough events is also judged on its own, since the other operations' spans dilute it in the sum.
 */
function healthEntry(
  operations: readonly HealthCounts[],
  objective: number,
  minEvents: number,
): HealthCounts | undefined {
  if (operations.length === 0) return undefined;
  const sum: HealthCounts = { operation: undefined, counts: { good: 0, total: 0 } };
  for (const o of operations) {
    sum.counts.good += o.counts.good;
    sum.counts.total += o.counts.total;
  }
  const candidates = [
    sum,
    ...operations.filter((o) => o.operation !== undefined && o.counts.total >= minEvents),
  ];
  let worst = sum;
  let worstRate = burnRate(sum.counts, objective) ?? 0;
  for (const entry of candidates.slice(1)) {
    const rate = burnRate(entry.counts, objective) ?? 0;
    if (rate > worstRate || (rate === worstRate && entry.counts.total >= worst.counts.total)) {
      worst = entry;
      worstRate = rate;
    }
  }
  return worst;
}
