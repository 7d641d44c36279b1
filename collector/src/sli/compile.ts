import type { SloDefinition } from '../config/slo/definition.ts';
import { fieldReader, type SpanField } from '../config/slo/span-fields.ts';
import { STATUS_ERROR } from '../decode/span-record.ts';
import { compileAnyOf, type SpanPredicate } from './selector.ts';

/** Prefix of the side counter for bad events of one error category. */
export const CATEGORY_COUNTER_PREFIX = 'c:';
/** Category counted for a bad event that carries no `breakwater.error.category`. */
export const UNCLASSIFIED_CATEGORY = 'unclassified';
/** Category counted for a latency SLO's bad event that did not fail: it was too slow. */
export const SLOW_CATEGORY = 'slow';

/** Side counter of events at most `ms` long (latency levels). */
export function latencyCounterKey(ms: number): string {
  return `le:${ms}`;
}

/**
 * Side counter of the events `le:<ms>` was counted over: those that arrived while `ms` was a
 * configured bound. Levels divide by it rather than by the bucket's total, so events stored
 * before a threshold was configured do not read as slower than it.
 */
export function latencyCountedKey(ms: number): string {
  return `n:${ms}`;
}

/** An SLO ready for the hot path: predicates compiled, group readers resolved. */
export interface CompiledSlo {
  readonly definition: SloDefinition;
  readonly total: SpanPredicate;
  /** True when an event (already in `total`) is bad. */
  readonly isBad: SpanPredicate;
  readonly dims: readonly SpanField[];
  /** Latency-level bounds (ms) and their side-counter keys; empty for success-rate levels. */
  readonly latencyBounds: readonly number[];
  readonly latencyKeys: readonly string[];
  /** Per bound, the key of the count of events it was counted over (see latencyCountedKey). */
  readonly latencyCountedKeys: readonly string[];
}

/** Compiles one definition. */
export function compileSlo(definition: SloDefinition): CompiledSlo {
  let isBad: SpanPredicate;
  if (definition.bad !== undefined) {
    const anyBad = compileAnyOf(definition.bad);
    // Availability SLOs only ever call failed spans bad: one status test spares the common
    // successful span every alternative.
    const failuresOnly =
      definition.bad.length > 0 &&
      definition.bad.every((b) => b.status?.length === 1 && b.status[0] === 'error');
    isBad = failuresOnly ? (s) => s.statusCode === STATUS_ERROR && anyBad(s) : anyBad;
  } else {
    const good = compileAnyOf(definition.good ?? []);
    isBad = (s) => !good(s);
  }
  const levels = definition.levels;
  const latencyBounds =
    levels.kind === 'latency'
      ? [...new Set([levels.warningMs, levels.severeMs, levels.emergencyMs])].sort((a, b) => a - b)
      : [];
  return {
    definition,
    total: compileAnyOf(definition.total),
    isBad,
    dims: definition.groupBy.map(fieldReader),
    latencyBounds,
    latencyKeys: latencyBounds.map(latencyCounterKey),
    latencyCountedKeys: latencyBounds.map(latencyCountedKey),
  };
}
