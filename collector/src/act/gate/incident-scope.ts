import type { GateAnswer } from '@breakwater/protocol';

/**
 * What a gate incident was raised on: the SLOs that failed and the baseline compared against.
 * A later answer speaks for the incident only if it judged at least those SLOs against the same
 * baseline; a narrower question (`slo=` an SLO that passes, another `baseline=`) answers
 * something else and must not resolve or downgrade a page.
 */
export interface IncidentScope {
  /** SLO names, sorted. */
  slos: string[];
  /** Baseline versions, sorted (as in the answer). */
  baseline: string[];
}

/** The scope an answer raises an incident on: its failing SLOs (every SLO if none is named). */
export function scopeOf(answer: GateAnswer): IncidentScope {
  const failing = answer.slos.filter((s) => s.decision !== 'PROCEED').map((s) => s.slo);
  const slos = failing.length > 0 ? failing : answer.slos.map((s) => s.slo);
  return { slos: [...new Set(slos)].sort(), baseline: [...answer.baseline].sort() };
}

/**
 * Whether `answer` judged every SLO of `scope` (enough events to judge it) against the same
 * baseline. An unknown scope (an incident saved by an older collector) is covered by nothing.
 */
export function covers(answer: GateAnswer, scope: IncidentScope | undefined): boolean {
  if (scope === undefined) return false;
  const baseline = [...answer.baseline].sort();
  if (baseline.length !== scope.baseline.length || baseline.some((v, i) => v !== scope.baseline[i]))
    return false;
  const judged = new Set(answer.slos.filter((s) => s.judged === true).map((s) => s.slo));
  return scope.slos.every((slo) => judged.has(slo));
}

/** `scope` widened by the SLOs `answer` raised on (same baseline as `scope`). */
export function widen(scope: IncidentScope, answer: GateAnswer): IncidentScope {
  return { slos: [...new Set([...scope.slos, ...scopeOf(answer).slos])].sort(), baseline: scope.baseline };
}

/**
 * `scope` without the SLOs not in `configured`: after a restart with an SLO renamed or removed no
 * answer judges it, so a scope naming it would be covered by none and its incident run to its
 * TTL. A scope left with no SLO is covered by any answer against its baseline.
 */
export function withoutRemovedSlos(
  scope: IncidentScope | undefined,
  configured: ReadonlySet<string>,
): IncidentScope | undefined {
  if (scope === undefined) return undefined;
  return { slos: scope.slos.filter((slo) => configured.has(slo)), baseline: scope.baseline };
}
