import { parseDuration, type SliKind, type SloTier } from '@breakwater/protocol';
import type { SloSection } from '../slo-section.ts';
import {
  availabilityBad,
  DEFAULT_BAD_EVENTS,
  DEFAULT_LATENCY_LEVELS,
  DEFAULT_SUCCESS_RATE_LEVELS,
  defaultAvailabilitySlo,
  latencyLevelsFor,
  successRateLevelsFor,
  technicalSlos,
} from './defaults.ts';
import type { LevelThresholds, SloDefinition } from './definition.ts';
import type { NativeSlo } from './native-schema.ts';
import { percentToRatio } from './objective.ts';
import {
  OPENSLO_ANNOTATIONS,
  type OpenSloSli,
  type OpenSloSlo,
  type RatioMetric,
  splitList,
} from './openslo-schema.ts';
import type { Selector } from './selector-schema.ts';

/** The part of the collector configuration the SLO engine reads. */
export type SloConfig = Pick<SloSection, 'slos' | 'defaultSlos' | 'technicalSlos' | 'evaluation'>;

/**
 * Every SLO the collector runs, in one normalized shape: the configured ones (both forms), then
 * the default set (when `defaultSlos` asks for it) and the technical SLOs, skipping a built-in
 * whose name a configured SLO already uses (so a built-in can be overridden by name).
 */
export function resolveSlos(config: SloConfig): SloDefinition[] {
  const { minEvents, maxSeries } = config.evaluation;
  const slis = new Map<string, OpenSloSli>();
  for (const entry of config.slos)
    if ('kind' in entry && entry.kind === 'SLI') slis.set(entry.metadata.name, entry);

  const out: SloDefinition[] = [];
  for (const entry of config.slos) {
    if ('kind' in entry) {
      if (entry.kind === 'SLO') out.push(fromOpenSlo(entry, slis, minEvents, maxSeries));
    } else out.push(fromNative(entry, minEvents, maxSeries));
  }
  const configured = out.length;
  const builtins: SloDefinition[] = [];
  if (config.defaultSlos === true || (config.defaultSlos === 'auto' && configured === 0)) {
    builtins.push(defaultAvailabilitySlo(minEvents, maxSeries));
  }
  if (config.technicalSlos) builtins.push(...technicalSlos(minEvents, maxSeries));
  const taken = new Set(out.map((d) => d.name));
  for (const b of builtins) if (!taken.has(b.name)) out.push(b);
  return out;
}

function fromNative(slo: NativeSlo, minEvents: number, maxSeries: number): SloDefinition {
  const latency = slo.sli === 'latency';
  return {
    name: slo.name,
    description: slo.description,
    tier: slo.tier,
    sli: slo.sli,
    objective: percentToRatio(slo.objective),
    windowMs: parseDuration(slo.window),
    total: [slo.selector],
    good: latency ? [{ maxDuration: slo.threshold }] : undefined,
    bad: latency ? undefined : availabilityBad(slo.bad ?? DEFAULT_BAD_EVENTS),
    groupBy: slo.groupBy,
    levels: levelsFor(
      slo.sli,
      slo.levels as Record<string, number | undefined> | undefined,
      slo.objective,
      slo.threshold,
    ),
    minEvents: slo.minEvents ?? minEvents,
    maxSeries: slo.maxSeries ?? maxSeries,
    origin: 'native',
  };
}

function fromOpenSlo(
  doc: OpenSloSlo,
  slis: ReadonlyMap<string, OpenSloSli>,
  minEvents: number,
  maxSeries: number,
): SloDefinition {
  const spec = doc.spec;
  const objective = spec.objectives[0]!;
  const ref = spec.indicatorRef ?? objective.indicatorRef;
  const indicator =
    spec.indicator?.spec ??
    objective.indicator?.spec ??
    (ref === undefined ? undefined : slis.get(ref)?.spec);
  // The schema guarantees an indicator with a ratioMetric; this guards direct callers.
  const ratio: RatioMetric | undefined = indicator?.ratioMetric;
  if (ratio === undefined) throw new Error(`SLO "${doc.metadata.name}": no ratioMetric indicator`);

  const objectiveRatio = objective.target ?? percentToRatio(objective.targetPercent!);
  const service = spec.service === '*' ? undefined : spec.service;
  const total = ratio.total.metricSource.spec.map(
    (s): Selector => (service !== undefined && s.service === undefined ? { ...s, service: [service] } : s),
  );
  const good = ratio.good?.metricSource.spec;
  const bad = ratio.bad?.metricSource.spec;
  const ann = doc.metadata.annotations ?? {};
  const sliAnn = ann[OPENSLO_ANNOTATIONS.SLI] as SliKind | undefined;
  const sli: SliKind =
    sliAnn ?? (good?.some((s) => s.maxDuration !== undefined) ? 'latency' : 'availability');
  const tierLabel = doc.metadata.labels?.tier;
  const tier = (Array.isArray(tierLabel) ? tierLabel[0] : tierLabel) as SloTier | undefined;
  const minAnn = ann[OPENSLO_ANNOTATIONS.MIN_EVENTS];
  const groupAnn = ann[OPENSLO_ANNOTATIONS.GROUP_BY];
  return {
    name: doc.metadata.name,
    description: spec.description ?? doc.metadata.displayName,
    tier: tier ?? 'business',
    sli,
    objective: objectiveRatio,
    windowMs: parseDuration(spec.timeWindow[0]!.duration),
    total,
    good,
    bad,
    groupBy: groupAnn === undefined ? [] : splitList(groupAnn),
    // OpenSLO has no levels: the defaults follow its objective, and a latency SLO's threshold.
    levels: levelsFor(sli, undefined, objectiveRatio * 100, latencyThreshold(good)),
    minEvents: minAnn === undefined ? minEvents : Number(minAnn),
    maxSeries,
    origin: 'openslo',
  };
}

/** A latency SLO's threshold: the longest `maxDuration` of its good selectors (ms). */
export function latencyThreshold(good: readonly Selector[] | undefined): number | undefined {
  let longest: number | undefined;
  for (const s of good ?? [])
    if (s.maxDuration !== undefined) longest = Math.max(longest ?? 0, s.maxDuration);
  return longest;
}

/**
 * Configured levels over the defaults for the SLI kind (latency durations already in ms). An SLO
 * with no levels at all gets defaults that follow its objective (percent) or latency threshold
 * (ms), so it does not page while met: see {@link successRateLevelsFor} and
 * {@link latencyLevelsFor}. Once any level is given, the others keep the fixed defaults its order
 * was checked against.
 */
function levelsFor(
  sli: SliKind,
  given: Record<string, number | undefined> | undefined,
  objectivePercent: number,
  thresholdMs: number | undefined,
): LevelThresholds {
  if (sli === 'latency') {
    const d = given === undefined ? latencyLevelsFor(thresholdMs, objectivePercent) : DEFAULT_LATENCY_LEVELS;
    return {
      kind: 'latency',
      quantile: given?.quantile ?? d.quantile,
      warningMs: given?.warning ?? d.warningMs,
      severeMs: given?.severe ?? d.severeMs,
      emergencyMs: given?.emergency ?? d.emergencyMs,
    };
  }
  const d = given === undefined ? successRateLevelsFor(objectivePercent) : DEFAULT_SUCCESS_RATE_LEVELS;
  return {
    kind: 'success_rate',
    warning: given?.warning ?? d.warning,
    severe: given?.severe ?? d.severe,
    emergency: given?.emergency ?? d.emergency,
  };
}
