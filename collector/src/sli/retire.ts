import type { SeriesFold, SeriesWindows } from '../store/types.ts';
import { decodeSeries, encodeSeries, OVERFLOW_LABEL_VALUE, overflowKind, retiredLabels } from './series.ts';

/** What {@link retirements} needs of one SLO. */
export interface RetiringSlo {
  groupBy: readonly string[];
  /** How long a series must have taken no event before it is retired. */
  retireAfterMs: number;
  /** Index in `SeriesWindows.windows` of the window `retireAfterMs` long. */
  retireIndex: number;
  /** Index of the SLO's retention window: a series without events in it is left to age out. */
  heldIndex: number;
}

/**
 * The series to retire at `nowMs`: each series of a version that took no event for its SLO's
 * retire period is folded into its service's overflow version of the same `groupBy` values
 * ({@link retiredLabels}). Every `service.version` is a new series, and a series would
 * otherwise keep its place under `maxSeries` for the SLO's whole window after its version
 * stopped for good, so a fleet that deploys often would fill the limit within days and the gate
 * would answer HALT `series_overflow` to every deploy. Overflow series and series stored under
 * another `groupBy` are left as they are.
 */
export function retirements(
  snapshot: readonly SeriesWindows[],
  slos: ReadonlyMap<string, RetiringSlo>,
  nowMs: number,
): SeriesFold[] {
  const out: SeriesFold[] = [];
  for (const s of snapshot) {
    const slo = slos.get(s.slo);
    if (slo === undefined) continue;
    if (s.windows[slo.retireIndex]!.total > 0 || s.windows[slo.heldIndex]!.total === 0) continue;
    const labels = decodeSeries(s.series, slo.groupBy);
    // The retired series themselves (version `__overflow__`) stay: they are where counts go.
    if (labels === undefined || labels.version === OVERFLOW_LABEL_VALUE || overflowKind(labels) !== undefined)
      continue;
    out.push({
      slo: s.slo,
      from: s.series,
      to: encodeSeries(retiredLabels(labels), slo.groupBy),
      quietSinceMs: nowMs - slo.retireAfterMs,
    });
  }
  return out;
}
