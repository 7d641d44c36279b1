import {
  closestName,
  formatDuration,
  type GateAnswer,
  type GateSloEvidence,
  gateWaitsForData,
} from '@breakwater/protocol';
import type { SeriesWindows } from '../../store/types.ts';
import { scaledBurnRules } from '../alert-policy.ts';
import { type CollectedCounts, collectSlo, newCounts, servicesWithEvents } from './collect.ts';
import { type GateConfig, rulesFor } from './config.ts';
import type { GateDataSource, GateSloDefinition } from './data-source.ts';
import { combineVerdicts, decideOperations, type SloRules, type SloVerdict } from './decide.ts';

/** Categories, error types and trace ids listed per SLO in an answer. */
const TOP_N = 5;
/** Services named in a no-data answer when none is close to the asked one. */
const MAX_LISTED_SERVICES = 5;

/** A gate question (the query string of `GET /v1/gate`). */
export interface GateQuery {
  service: string;
  version: string;
  /** Explicit baseline versions; empty = every other version seen in the window. */
  baseline: readonly string[];
  /** SLOs to judge (each then required); empty = every SLO with events for the service. */
  slos: readonly string[];
  /** Versions kept out of the automatic baseline (answered ROLLBACK lately); not of an explicit one. */
  notBaseline?: readonly string[] | undefined;
}

/** A question the gate cannot answer as asked (unknown SLO name): a 400, not a decision. */
export class GateQueryError extends Error {
  override readonly name = 'GateQueryError';
}

/** The effective rules of one SLO, with `fastBurn: page` resolved against its window. */
export function sloRules(config: GateConfig, def: GateSloDefinition, requested: boolean): SloRules {
  const r = rulesFor(config, def.name);
  const fastBurn =
    r.fastBurn === 'page'
      ? scaledBurnRules(def.windowMs)
          .filter((rule) => rule.severity === 'page')
          .map((rule) => ({
            longWindowMs: rule.longWindowMs,
            shortWindowMs: rule.shortWindowMs,
            burnRate: rule.threshold,
          }))
      : r.fastBurn.map((rule) => ({
          longWindowMs: rule.longWindow,
          shortWindowMs: rule.shortWindow,
          burnRate: rule.burnRate,
        }));
  return {
    windowMs: r.window,
    minEvents: r.minEvents,
    reserve: r.reserve,
    significance: r.significance,
    sustainedBurnRate: r.sustainedBurnRate,
    fastBurn,
    compare: r.compare,
    compareMargin: r.compareMargin,
    required: r.required || requested,
  };
}

/** The SLOs a query judges; throws {@link GateQueryError} for names that do not exist. */
export function selectSlos(
  source: GateDataSource,
  config: GateConfig,
  names: readonly string[],
): GateSloDefinition[] {
  const all = source.slos();
  if (names.length === 0) return all.filter((d) => !config.exclude.includes(d.name));
  const byName = new Map(all.map((d) => [d.name, d]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    throw new GateQueryError(
      `unknown SLO ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${all.map((d) => d.name).join(', ') || 'none'}`,
    );
  }
  return names.map((n) => byName.get(n)!);
}

/** A gate answer and what the store knew of the service. */
export interface GateEvaluation {
  answer: GateAnswer;
  /**
   * Whether any judged SLO holds an event of the service (any version) over its window. False
   * for a name nothing reported, e.g. a typo or a made-up service.
   */
  serviceHasData: boolean;
}

/**
 * Answers a gate question from one store snapshot: collects each SLO's counts for the version,
 * its baseline and the whole service (per operation when the SLO groups by operation), judges
 * each SLO ({@link decideOperations}) and combines them. SLOs without any event for the service
 * are left out unless named in the query.
 */
export async function evaluateGate(
  source: GateDataSource,
  config: GateConfig,
  query: GateQuery,
  nowMs: number,
): Promise<GateAnswer> {
  return (await evaluateGateDetailed(source, config, query, nowMs)).answer;
}

/** {@link evaluateGate}, also telling whether the store holds any event of the service. */
export async function evaluateGateDetailed(
  source: GateDataSource,
  config: GateConfig,
  query: GateQuery,
  nowMs: number,
): Promise<GateEvaluation> {
  const defs = selectSlos(source, config, query.slos);
  const requested = new Set(query.slos);
  const rules = new Map(defs.map((d) => [d.name, sloRules(config, d, requested.has(d.name))]));
  const windows = new Set<number>();
  for (const d of defs) {
    const r = rules.get(d.name)!;
    windows.add(r.windowMs).add(d.windowMs);
    for (const f of r.fastBurn) windows.add(f.longWindowMs).add(f.shortWindowMs);
  }
  const windowsMs = [...windows].sort((a, b) => a - b);
  const snapshot = defs.length === 0 ? [] : await source.snapshot(nowMs, windowsMs);

  const verdicts = [];
  const baseline = new Set<string>(query.baseline);
  const evidence: GateSloEvidence[] = [];
  let serviceHasData = false;
  for (const def of defs) {
    const r = rules.get(def.name)!;
    const collected = collectSlo(def, snapshot, windowsMs, {
      service: query.service,
      version: query.version,
      baseline: query.baseline,
      notBaseline: query.notBaseline ?? [],
      gateWindowMs: r.windowMs,
    });
    if (collected.service.total > 0) serviceHasData = true;
    else if (!requested.has(def.name) && collected.overflowEvents === 0) continue;
    for (const v of collected.baselineVersions) baseline.add(v);
    // An SLO without any event of the service (judged only when named or overflowed).
    const parts =
      collected.operations.length > 0
        ? collected.operations
        : [newCounts(undefined, windowsMs, query.baseline.length > 0)];
    const judged = decideOperations(
      parts.map((p) => ({
        slo: def.name,
        operation: p.operation,
        objective: def.objective,
        version: p.version,
        baseline: p.baseline,
        service: p.service,
      })),
      r,
    );
    const verdict = overflowed(judged, def, collected.overflowEvents, r.windowMs);
    verdicts.push(verdict);
    evidence.push({
      ...verdict.evidence,
      ...(judged.deciding === undefined ? {} : details(source, def, parts[judged.deciding]!)),
      decision: verdict.decision,
    });
  }
  const defaultWindow = config.window;
  const unknownService = serviceHasData ? undefined : serviceHint(query.service, defs, snapshot, windowsMs);
  const { decision, reasons } = combineVerdicts(verdicts, defaultWindow, unknownService);
  const answer: GateAnswer = {
    decision,
    service: query.service,
    version: query.version,
    baseline: [...baseline].sort(),
    reasons,
    slos: evidence,
    window: formatDuration(defaultWindow),
    evaluatedAt: nowMs,
    // From the codes this collector knows: a reader that does not know one still reads this.
    waitingForData: gateWaitsForData({ decision, reasons }),
  };
  return { answer, serviceHasData };
}

/**
 * `verdict`, unless the SLO counted events in its overflow series over the gate window: those
 * may be the version's own (a new version is a new series, the first to overflow), unseen by
 * every rule, so nothing short of a ROLLBACK on what is seen can stand. The version is not
 * judged on this SLO: HALT `series_overflow`, until its series limit is raised.
 */
function overflowed(
  verdict: SloVerdict,
  def: GateSloDefinition,
  overflowEvents: number,
  windowMs: number,
): SloVerdict {
  if (overflowEvents === 0 || verdict.decision === 'ROLLBACK') return verdict;
  return {
    decision: 'HALT',
    reasons: [
      ...verdict.reasons,
      {
        code: 'series_overflow',
        message: `${overflowEvents} events over ${formatDuration(windowMs)} went to overflow series of SLO ${def.name} that may hold the service's (its maxSeries reached): the version's may be among them, unseen; raise the SLO's maxSeries`,
        slo: def.name,
        decision: 'HALT',
      },
    ],
    evidence: { ...verdict.evidence, judged: false },
  };
}

/**
 * What to tell a question about a service without any event: most often a mistyped name (a
 * deploy pipeline's variable), so the closest service with events is named, or, when there are
 * few, all of them.
 */
function serviceHint(
  service: string,
  defs: readonly GateSloDefinition[],
  snapshot: readonly SeriesWindows[],
  windowsMs: readonly number[],
): string {
  const seen = servicesWithEvents(defs, snapshot, windowsMs);
  const closest = closestName(service, seen);
  const some =
    closest !== undefined
      ? `did you mean "${closest}"?`
      : seen.size === 0
        ? 'no service has any'
        : seen.size <= MAX_LISTED_SERVICES
          ? `services with events: ${[...seen].sort().join(', ')}`
          : `${seen.size} services have events, none named close to it`;
  return `no event of service "${service}" at all (${some})`;
}

/**
 * Incident details for one SLO (the deciding operation's, when judged per operation): top
 * categories, error types, failing dependency, trace ids.
 */
function details(
  source: GateDataSource,
  def: GateSloDefinition,
  c: CollectedCounts,
): Partial<GateSloEvidence> {
  const out: Partial<GateSloEvidence> = {};
  if (c.categories.size > 0) {
    out.topErrorCategories = top(c.categories).map(([category, count]) => ({ category, count }));
  }
  if (c.errorTypes.size > 0)
    out.topErrorTypes = top(c.errorTypes).map(([errorType, count]) => ({ errorType, count }));
  let worst: [string, { bad: number; total: number }] | undefined;
  for (const entry of c.dependencies)
    if (entry[1].bad > 0 && (worst === undefined || entry[1].bad > worst[1].bad)) worst = entry;
  if (worst !== undefined) out.failingDependency = { dependency: worst[0], ...worst[1] };
  if (source.examples !== undefined) {
    const ids = new Set<string>();
    for (const series of c.versionSeries) for (const id of source.examples(def.name, series)) ids.add(id);
    if (ids.size > 0) out.exampleTraceIds = [...ids].slice(0, TOP_N);
  }
  return out;
}

function top(map: ReadonlyMap<string, number>): [string, number][] {
  return [...map].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, TOP_N);
}
