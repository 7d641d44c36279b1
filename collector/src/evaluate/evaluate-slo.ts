import type { BurnAlert, SloGroupStatus, SloStatus } from '@breakwater/protocol';
import type { SloDefinition } from '../config/slo/definition.ts';
import { CATEGORY_COUNTER_PREFIX } from '../sli/compile.ts';
import { decodeSeries, encodeSeries, type SeriesLabels } from '../sli/series.ts';
import { addCounts, type Counts, emptyCounts, type SeriesWindows } from '../store/types.ts';
import { scaledBurnRules } from './alert-policy.ts';
import { budgetRemaining, exhaustionEtaMs, windowStatus } from './burn-rate.ts';
import { thresholdLevel } from './levels.ts';
import { CATEGORY_WINDOW, reportedWindows, windowName } from './windows.ts';

/** Error categories listed per group. */
export const TOP_CATEGORIES = 5;
/** Example trace ids listed per group. */
export const MAX_EXAMPLE_TRACE_IDS = 5;
/** The exhaustion ETA extrapolates the burn rate over this window (the current burn). */
const ETA_WINDOW = '1h';
const ETA_WINDOW_MS = 3_600_000;

/** What one evaluation needs besides the counts. */
export interface EvaluationInput {
  nowMs: number;
  /** The windows the snapshot was taken over (index `i` ↔ `SeriesWindows.windows[i]`). */
  windowsMs: readonly number[];
  levelWindowMs: number;
  /** Trace ids of recent bad events for a series (most recent first). */
  examples?: (slo: string, series: string) => readonly string[];
}

interface Group {
  service: string;
  version: string | undefined;
  dims: readonly string[];
  windows: Counts[];
  examples: string[];
}

/**
 * Evaluates one SLO from store counts: per service × groupBy dimensions (summed over versions,
 * with burn-rate alerts and levels) and per service × version × dimensions (windows, budget and
 * level; alerts are raised on the summed group only, so a deploy does not double every page).
 * Groups come sorted by service, dimensions, then version (summed group first).
 */
export function evaluateSlo(
  def: SloDefinition,
  series: readonly SeriesWindows[],
  input: EvaluationInput,
): SloStatus {
  const width = input.windowsMs.length;
  const summed = new Map<string, Group>();
  // Keyed by the series' id under the current `groupBy`, not as stored: after `groupBy` is
  // reordered one series is stored under two ids (the dimension names go into the id in `groupBy`
  // order), and two groups of one version would repeat its series on `/metrics` with half the
  // counts each.
  const perVersion = new Map<string, Group>();
  const groupFor = (
    map: Map<string, Group>,
    key: string,
    labels: SeriesLabels,
    version: string | undefined,
  ) => {
    let g = map.get(key);
    if (g === undefined) {
      g = {
        service: labels.service,
        version,
        dims: labels.dims,
        windows: Array.from({ length: width }, emptyCounts),
        examples: [],
      };
      map.set(key, g);
    }
    return g;
  };
  // The store lists every series with events in the longest window of any SLO (and keeps fine
  // buckets for a day whatever the window): a version that left this SLO's windows would stay
  // listed with empty windows, on `/metrics` and the status page, for as long as another SLO or
  // the store holds it.
  const widest = input.windowsMs.indexOf(Math.max(def.windowMs, input.levelWindowMs, CATEGORY_WINDOW.ms));
  for (const s of series) {
    if (s.slo !== def.name) continue;
    if (widest >= 0 && s.windows[widest]!.total === 0) continue;
    const labels = decodeSeries(s.series, def.groupBy);
    if (labels === undefined) continue;
    const examples = input.examples?.(s.slo, s.series) ?? [];
    const one = groupFor(perVersion, encodeSeries(labels, def.groupBy), labels, labels.version);
    const all = groupFor(summed, JSON.stringify([labels.service, ...labels.dims]), labels, undefined);
    for (const g of [one, all]) {
      for (let i = 0; i < width; i++) addCounts(g.windows[i]!, s.windows[i]!);
      g.examples.push(...examples);
    }
  }
  const groups = [...summed.values(), ...perVersion.values()]
    .sort(compareGroups)
    .map((g) => evaluateGroup(def, g, input));
  return {
    name: def.name,
    ...(def.description === undefined ? {} : { description: def.description }),
    tier: def.tier,
    sli: def.sli,
    objective: def.objective,
    window: windowName(def.windowMs),
    evaluatedAt: input.nowMs,
    groupBy: [...def.groupBy],
    groups,
  };
}

function evaluateGroup(def: SloDefinition, g: Group, input: EvaluationInput): SloGroupStatus {
  const at = (ms: number): Counts => {
    const i = input.windowsMs.indexOf(ms);
    if (i < 0) throw new Error(`window ${ms} ms missing from the snapshot`);
    return g.windows[i]!;
  };
  const windows = reportedWindows(def).map((w) => windowStatus(w.name, at(w.ms), def.objective));
  const burn = new Map(windows.map((w) => [w.window, w.burnRate]));
  const whole = windows[windows.length - 1]!;
  const remaining = budgetRemaining(whole, def.objective);
  // An hour without events is not burning (null), whatever the older events did; only an SLO
  // window shorter than the hour has nothing better than its whole window.
  const currentBurn = def.windowMs >= ETA_WINDOW_MS ? (burn.get(ETA_WINDOW) ?? null) : whole.burnRate;
  const alerts: BurnAlert[] = [];
  if (g.version === undefined) {
    for (const rule of scaledBurnRules(def.windowMs)) {
      const long = at(rule.longWindowMs);
      if (long.total < Math.max(1, def.minEvents)) continue;
      const longRate = burn.get(rule.longWindow) ?? null;
      const shortRate = burn.get(rule.shortWindow) ?? null;
      if (
        longRate !== null &&
        shortRate !== null &&
        longRate > rule.threshold &&
        shortRate > rule.threshold
      ) {
        alerts.push({
          severity: rule.severity,
          longWindow: rule.longWindow,
          shortWindow: rule.shortWindow,
          threshold: rule.threshold,
          longBurnRate: longRate,
          shortBurnRate: shortRate,
        });
      }
    }
  }
  const categories = at(CATEGORY_WINDOW.ms).extra;
  const topErrorCategories = Object.entries(categories)
    .filter(([k]) => k.startsWith(CATEGORY_COUNTER_PREFIX))
    .map(([k, count]) => ({ category: k.slice(CATEGORY_COUNTER_PREFIX.length), count }))
    .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category))
    .slice(0, TOP_CATEGORIES);
  const status: SloGroupStatus = {
    service: g.service,
    windows,
    budgetRemaining: remaining,
    exhaustionEtaMs: exhaustionEtaMs(remaining, currentBurn, def.windowMs),
    alerts,
    level: thresholdLevel(def.levels, at(input.levelWindowMs), def.minEvents),
    topErrorCategories,
    exampleTraceIds: [...new Set(g.examples)].slice(0, MAX_EXAMPLE_TRACE_IDS),
  };
  if (g.version !== undefined) status.version = g.version;
  if (def.groupBy.length > 0)
    status.labels = Object.fromEntries(def.groupBy.map((d, i) => [d, g.dims[i] ?? '']));
  return status;
}

function compareGroups(a: Group, b: Group): number {
  if (a.service !== b.service) return a.service < b.service ? -1 : 1;
  const da = a.dims.join('\u0000');
  const db = b.dims.join('\u0000');
  if (da !== db) return da < db ? -1 : 1;
  if (a.version === b.version) return 0;
  if (a.version === undefined) return -1;
  if (b.version === undefined) return 1;
  return a.version < b.version ? -1 : 1;
}
