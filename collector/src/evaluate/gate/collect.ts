import { ATTR, SEMCONV } from '@breakwater/protocol';
import { CATEGORY_COUNTER_PREFIX } from '../../sli/compile.ts';
import { decodeSeries, overflowKind } from '../../sli/series.ts';
import type { SeriesWindows } from '../../store/types.ts';
import type { GoodTotal } from '../burn-rate.ts';
import type { GateSloDefinition } from './data-source.ts';

/** Dimensions that name the dependency a span called, best first. */
const DEPENDENCY_DIMS = ['dependency', ATTR.DEPENDENCY];
const ERROR_TYPE_DIMS = [SEMCONV.ERROR_TYPE];

/** One SLO's counts for a gate question, summed over `groupBy` dimensions. */
export interface CollectedSlo {
  /** The version under test per window length. */
  version: Map<number, GoodTotal>;
  /** Baseline over the gate window; undefined when no baseline version had events (or was named). */
  baseline: GoodTotal | undefined;
  /** Baseline versions that contributed (or were named). */
  baselineVersions: Set<string>;
  /** Every version over the SLO window. */
  service: GoodTotal;
  /** Bad events of the version per category over the gate window. */
  categories: Map<string, number>;
  /** Bad and total events of the version per dependency over the gate window (when grouped so). */
  dependencies: Map<string, { bad: number; total: number }>;
  /** Bad events of the version per `error.type` over the gate window (when grouped so). */
  errorTypes: Map<string, number>;
  /** Series ids of the version (for example trace ids). */
  versionSeries: string[];
  /**
   * Events over the gate window of the SLO's overflow series that may hold the version's (a new
   * version is a new series, the first to overflow): the service's own overflow series, and the
   * fleet's unless the service had a series before the gate window (see `SeriesLimiter`).
   */
  overflowEvents: number;
}

/** What to collect. */
export interface CollectQuery {
  service: string;
  version: string;
  /** Explicit baseline versions; empty = every other (non-empty) version with events. */
  baseline: readonly string[];
  gateWindowMs: number;
}

/**
 * Sums one SLO's series for a gate question. `windowsMs` is the order of `SeriesWindows.windows`.
 * Series whose id does not decode with the SLO's current `groupBy` are skipped (as the SLO engine
 * does), so a config change never misreads old counts.
 */
export function collectSlo(
  def: GateSloDefinition,
  series: readonly SeriesWindows[],
  windowsMs: readonly number[],
  query: CollectQuery,
): CollectedSlo {
  const gateIndex = windowsMs.indexOf(query.gateWindowMs);
  const wholeIndex = windowsMs.indexOf(def.windowMs);
  const explicit = new Set(query.baseline);
  const out: CollectedSlo = {
    version: new Map(windowsMs.map((ms) => [ms, { good: 0, total: 0 }])),
    baseline: undefined,
    baselineVersions: new Set(explicit),
    service: { good: 0, total: 0 },
    categories: new Map(),
    dependencies: new Map(),
    errorTypes: new Map(),
    versionSeries: [],
    overflowEvents: 0,
  };
  const depIndex = dimIndex(def.groupBy, DEPENDENCY_DIMS);
  const providerIndex = def.groupBy.indexOf('provider');
  const modelIndex = def.groupBy.indexOf('model');
  const toolIndex = def.groupBy.indexOf('tool');
  const typeIndex = dimIndex(def.groupBy, ERROR_TYPE_DIMS);
  let baseline: GoodTotal | undefined = explicit.size > 0 ? { good: 0, total: 0 } : undefined;
  let fleetOverflowEvents = 0;
  // Whether the service had a series before the gate window: it then had one throughout (a
  // series with events in the SLO window is still stored), so the limiter folded none of its
  // events into the fleet overflow series, only into its own.
  let knownBeforeGateWindow = false;

  for (const s of series) {
    if (s.slo !== def.name) continue;
    const labels = decodeSeries(s.series, def.groupBy);
    if (labels === undefined) continue;
    const overflow = overflowKind(labels);
    if (overflow === 'fleet') {
      fleetOverflowEvents += s.windows[gateIndex]?.total ?? 0;
      continue;
    }
    if (labels.service !== query.service) continue;
    const whole = s.windows[wholeIndex];
    if (whole !== undefined) add(out.service, whole);
    const gate = s.windows[gateIndex];
    if ((whole?.total ?? 0) > (gate?.total ?? 0)) knownBeforeGateWindow = true;
    if (overflow === 'service') {
      out.overflowEvents += gate?.total ?? 0;
      continue;
    }
    if (labels.version === query.version) {
      out.versionSeries.push(s.series);
      for (let i = 0; i < windowsMs.length; i++) add(out.version.get(windowsMs[i]!)!, s.windows[i]!);
      if (gate === undefined || gate.total === 0) continue;
      const bad = gate.total - gate.good;
      for (const [key, count] of Object.entries(gate.extra)) {
        if (key.startsWith(CATEGORY_COUNTER_PREFIX) && count > 0) {
          const category = key.slice(CATEGORY_COUNTER_PREFIX.length);
          out.categories.set(category, (out.categories.get(category) ?? 0) + count);
        }
      }
      const dependency = dependencyOf(labels.dims, depIndex, providerIndex, modelIndex, toolIndex);
      if (dependency !== undefined) {
        const d = out.dependencies.get(dependency) ?? { bad: 0, total: 0 };
        d.bad += bad;
        d.total += gate.total;
        out.dependencies.set(dependency, d);
      }
      const errorType = typeIndex < 0 ? undefined : labels.dims[typeIndex];
      if (errorType !== undefined && errorType !== '' && bad > 0) {
        out.errorTypes.set(errorType, (out.errorTypes.get(errorType) ?? 0) + bad);
      }
      continue;
    }
    if (gate === undefined) continue;
    const isBaseline =
      explicit.size > 0 ? explicit.has(labels.version) : labels.version !== '' && gate.total > 0;
    if (!isBaseline) continue;
    baseline ??= { good: 0, total: 0 };
    add(baseline, gate);
    out.baselineVersions.add(labels.version);
  }
  out.baseline = baseline;
  if (!knownBeforeGateWindow) out.overflowEvents += fleetOverflowEvents;
  return out;
}

/**
 * The services with events in any of `defs`' series over each SLO's own window, for naming what a
 * question about a service without any event may have meant (only asked then: it reads every
 * series once more).
 */
export function servicesWithEvents(
  defs: readonly GateSloDefinition[],
  series: readonly SeriesWindows[],
  windowsMs: readonly number[],
): Set<string> {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const services = new Set<string>();
  for (const s of series) {
    const def = byName.get(s.slo);
    if (def === undefined) continue;
    if ((s.windows[windowsMs.indexOf(def.windowMs)]?.total ?? 0) === 0) continue;
    const labels = decodeSeries(s.series, def.groupBy);
    if (labels !== undefined && overflowKind(labels) !== 'fleet') services.add(labels.service);
  }
  return services;
}

function add(into: GoodTotal, c: GoodTotal): void {
  into.good += c.good;
  into.total += c.total;
}

function dimIndex(groupBy: readonly string[], names: readonly string[]): number {
  for (const name of names) {
    const i = groupBy.indexOf(name);
    if (i >= 0) return i;
  }
  return -1;
}

function dependencyOf(
  dims: readonly string[],
  depIndex: number,
  providerIndex: number,
  modelIndex: number,
  toolIndex: number,
): string | undefined {
  if (depIndex >= 0 && dims[depIndex]) return dims[depIndex];
  if (providerIndex >= 0 && modelIndex >= 0 && dims[providerIndex])
    return `${dims[providerIndex]}/${dims[modelIndex]}`;
  if (toolIndex >= 0 && dims[toolIndex]) return `tool/${dims[toolIndex]}`;
  return undefined;
}
