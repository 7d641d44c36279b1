import { ATTR, SEMCONV } from '@breakwater/protocol';
import { CATEGORY_COUNTER_PREFIX } from '../../sli/compile.ts';
import { decodeSeries, overflowKind } from '../../sli/series.ts';
import type { SeriesWindows } from '../../store/types.ts';
import type { GoodTotal } from '../burn-rate.ts';
import type { GateSloDefinition } from './data-source.ts';

/** Dimensions that name the dependency a span called, best first. */
const DEPENDENCY_DIMS = ['dependency', ATTR.DEPENDENCY];
const ERROR_TYPE_DIMS = [SEMCONV.ERROR_TYPE];

/**
 * `groupBy` dimensions that tell one span of a request from another: the GenAI operation (a field
 * or its attribute key) and the span name. An agent request makes an `invoke_agent` span, its
 * `chat` spans and its `execute_tool` spans; counted in one SLO they are not independent events,
 * so the gate judges each operation apart instead of summing them. Other dimensions (model,
 * provider, dependency, tool, `error.type`, attributes) split one kind of event: summed.
 */
export const OPERATION_DIMS: readonly string[] = ['operation', SEMCONV.GEN_AI_OPERATION_NAME, 'span'];

/** The `groupBy` dimensions of `def` the gate judges apart (see {@link OPERATION_DIMS}), in order. */
export function operationDims(groupBy: readonly string[]): string[] {
  return groupBy.filter((dim) => OPERATION_DIMS.includes(dim));
}

/** The operation one series of an SLO belongs to (see {@link operationOf}). */
export interface SeriesOperation {
  /** Tells the SLO's operations apart: the same for every series of one operation. */
  key: string;
  /** The operation's dimension values; undefined when the SLO does not group by operation. */
  operation: Record<string, string> | undefined;
}

/**
 * The operation a series of an SLO grouped by `groupBy` counts, from its decoded `dims`: the
 * values of its operation dimensions ({@link OPERATION_DIMS}). An SLO that does not group by
 * operation has one, unnamed. The service's overflow series (every label `__overflow__`) is an
 * operation of its own.
 */
export function operationOf(groupBy: readonly string[], dims: readonly string[]): SeriesOperation {
  const opDims = operationDims(groupBy);
  const values = opDims.map((dim) => dims[groupBy.indexOf(dim)] ?? '');
  return {
    key: JSON.stringify(values),
    operation: opDims.length === 0 ? undefined : Object.fromEntries(opDims.map((d, i) => [d, values[i]!])),
  };
}

/** One operation's counts for a gate question (or the SLO's, when it does not group by operation). */
export interface CollectedCounts {
  /** The operation's dimension values; undefined when the SLO does not group by operation. */
  operation: Record<string, string> | undefined;
  /** The version under test per window length. */
  version: Map<number, GoodTotal>;
  /** Baseline over the gate window; undefined when no baseline version had events (or was named). */
  baseline: GoodTotal | undefined;
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
}

/**
 * Counts without any event, of one operation (or of the SLO: `operation` undefined), over each
 * of `windowsMs`; with an (empty) baseline when the baseline versions were named.
 */
export function newCounts(
  operation: Record<string, string> | undefined,
  windowsMs: readonly number[],
  explicitBaseline: boolean,
): CollectedCounts {
  return {
    operation,
    version: new Map(windowsMs.map((ms) => [ms, { good: 0, total: 0 }])),
    baseline: explicitBaseline ? { good: 0, total: 0 } : undefined,
    service: { good: 0, total: 0 },
    categories: new Map(),
    dependencies: new Map(),
    errorTypes: new Map(),
    versionSeries: [],
  };
}

/** One SLO's counts for a gate question, summed over `groupBy` dimensions but the operation's. */
export interface CollectedSlo {
  /**
   * Per operation when the SLO groups by operation (those with events of the service in any
   * window, sorted), else a single entry summed over every `groupBy` dimension. Empty when the
   * SLO groups by operation and the service has no event.
   */
  operations: CollectedCounts[];
  /** Every version and operation of the service over the SLO window. */
  service: GoodTotal;
  /** Baseline versions that contributed (or were named). */
  baselineVersions: Set<string>;
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
  /** Versions left out of the automatic baseline (see `RolledBackVersions`). */
  notBaseline: readonly string[];
  gateWindowMs: number;
}

/**
 * Sums one SLO's series for a gate question, per operation when the SLO groups by one.
 * `windowsMs` is the order of `SeriesWindows.windows`. Series whose id does not decode with the
 * SLO's current `groupBy` are skipped (as the SLO engine does), so a config change never misreads
 * old counts.
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
    operations: [],
    service: { good: 0, total: 0 },
    baselineVersions: new Set(explicit),
    overflowEvents: 0,
  };
  const opDims = operationDims(def.groupBy);
  const parts = new Map<string, CollectedCounts>();
  const partOf = (dims: readonly string[]): CollectedCounts => {
    const { key, operation } = operationOf(def.groupBy, dims);
    let part = parts.get(key);
    if (part === undefined) {
      part = newCounts(operation, windowsMs, explicit.size > 0);
      parts.set(key, part);
    }
    return part;
  };
  // An SLO judged on its summed counts has its one entry even without events.
  if (opDims.length === 0) partOf([]);
  const depIndex = dimIndex(def.groupBy, DEPENDENCY_DIMS);
  const providerIndex = def.groupBy.indexOf('provider');
  const modelIndex = def.groupBy.indexOf('model');
  const toolIndex = def.groupBy.indexOf('tool');
  const typeIndex = dimIndex(def.groupBy, ERROR_TYPE_DIMS);
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
      // Of no one operation: it taints the whole SLO (see `overflowEvents`).
      out.overflowEvents += gate?.total ?? 0;
      continue;
    }
    // A series without any event in any window (if the store lists one) makes no operation.
    if (opDims.length > 0 && !s.windows.some((w) => w.total > 0)) continue;
    const part = partOf(labels.dims);
    if (whole !== undefined) add(part.service, whole);
    if (labels.version === query.version) {
      part.versionSeries.push(s.series);
      for (let i = 0; i < windowsMs.length; i++) add(part.version.get(windowsMs[i]!)!, s.windows[i]!);
      if (gate === undefined || gate.total === 0) continue;
      const bad = gate.total - gate.good;
      for (const [key, count] of Object.entries(gate.extra)) {
        if (key.startsWith(CATEGORY_COUNTER_PREFIX) && count > 0) {
          const category = key.slice(CATEGORY_COUNTER_PREFIX.length);
          part.categories.set(category, (part.categories.get(category) ?? 0) + count);
        }
      }
      const dependency = dependencyOf(labels.dims, depIndex, providerIndex, modelIndex, toolIndex);
      if (dependency !== undefined) {
        const d = part.dependencies.get(dependency) ?? { bad: 0, total: 0 };
        d.bad += bad;
        d.total += gate.total;
        part.dependencies.set(dependency, d);
      }
      const errorType = typeIndex < 0 ? undefined : labels.dims[typeIndex];
      if (errorType !== undefined && errorType !== '' && bad > 0) {
        part.errorTypes.set(errorType, (part.errorTypes.get(errorType) ?? 0) + bad);
      }
      continue;
    }
    if (gate === undefined) continue;
    const isBaseline =
      explicit.size > 0
        ? explicit.has(labels.version)
        : labels.version !== '' && gate.total > 0 && !query.notBaseline.includes(labels.version);
    if (!isBaseline) continue;
    part.baseline ??= { good: 0, total: 0 };
    add(part.baseline, gate);
    out.baselineVersions.add(labels.version);
  }
  out.operations = [...parts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, part]) => part);
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
