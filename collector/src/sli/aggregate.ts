import type { SloDefinition } from '../config/slo/definition.ts';
import { type SpanRecord, STATUS_ERROR } from '../decode/span-record.ts';
import {
  CATEGORY_COUNTER_PREFIX,
  type CompiledSlo,
  compileSlo,
  SLOW_CATEGORY,
  UNCLASSIFIED_CATEGORY,
} from './compile.ts';
import type { CountDelta } from './counts.ts';
import { encodeSeries, type SeriesLabels } from './series.ts';

/** Bad events' trace ids kept per group and batch, for alert annotations. */
export const EXAMPLES_PER_BATCH = 3;

/** One group's counts from one batch, ready for the store. */
export interface GroupDelta extends CountDelta {
  labels: SeriesLabels;
  /** Trace ids of a few bad events. */
  exampleTraceIds: string[];
}

interface Acc {
  labels: SeriesLabels;
  good: number;
  total: number;
  extra: Record<string, number>;
  examples: string[];
}

/** Per-SLO state while one batch is aggregated. */
interface BatchState {
  slo: CompiledSlo;
  /** service → version → dimension values… → accumulator. */
  accs: Map<string, Map<string, unknown>>;
  /** Every accumulator, in first-seen order. */
  all: Acc[];
  // The last group hit: consecutive spans usually share resource and dimensions, and comparing
  // a few strings is cheaper than building and hashing a key.
  lastService: string | undefined;
  lastVersion: string | undefined;
  lastAcc: Acc | undefined;
  /** The current span's dimension values (reused for every span). */
  scratch: string[];
}

/**
 * Turns spans into SLI events: for every SLO, good/total per service × `service.version` ×
 * `groupBy` dimensions, plus bad events per error category, latency-level counters and example
 * trace ids. A whole batch collapses into a few deltas before the store is touched.
 *
 * Operation spans and spans without `breakwater.role` count; per-attempt spans do not (an
 * operation succeeds or fails once, however many attempts it took).
 */
export class SliAggregator {
  private readonly slos: readonly CompiledSlo[];

  constructor(definitions: readonly SloDefinition[]) {
    this.slos = definitions.map(compileSlo);
  }

  /** The compiled SLOs, in definition order. */
  get compiled(): readonly CompiledSlo[] {
    return this.slos;
  }

  /** Aggregates one batch. Cheap per span: a few predicate calls and counter increments. */
  aggregate(spans: readonly SpanRecord[]): GroupDelta[] {
    const states: BatchState[] = this.slos.map((slo) => ({
      slo,
      accs: new Map(),
      all: [],
      lastService: undefined,
      lastVersion: undefined,
      lastAcc: undefined,
      scratch: new Array<string>(slo.dims.length).fill(''),
    }));
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]!;
      if (span.role === 'attempt') continue;
      for (let j = 0; j < states.length; j++) {
        const state = states[j]!;
        const slo = state.slo;
        if (!slo.total(span)) continue;
        const acc = accFor(state, span);
        acc.total++;
        if (slo.isBad(span)) {
          const key = CATEGORY_COUNTER_PREFIX + (span.errorCategory ?? uncategorized(slo, span));
          acc.extra[key] = (acc.extra[key] ?? 0) + 1;
          if (acc.examples.length < EXAMPLES_PER_BATCH) acc.examples.push(span.traceId);
        } else acc.good++;
        const bounds = slo.latencyBounds;
        for (let k = 0; k < bounds.length; k++) {
          if (span.durationMs <= bounds[k]!) {
            const key = slo.latencyKeys[k]!;
            acc.extra[key] = (acc.extra[key] ?? 0) + 1;
          }
        }
      }
    }
    const out: GroupDelta[] = [];
    for (const state of states) {
      const counted = state.slo.latencyCountedKeys;
      for (const acc of state.all) {
        // Every event of the batch was counted against every bound: set once per group, not per span.
        for (let k = 0; k < counted.length; k++) acc.extra[counted[k]!] = acc.total;
        out.push({
          slo: state.slo.definition.name,
          series: encodeSeries(acc.labels, state.slo.definition.groupBy),
          labels: acc.labels,
          counts: { good: acc.good, total: acc.total, extra: acc.extra },
          exampleTraceIds: acc.examples,
        });
      }
    }
    return out;
  }
}

function accFor(state: BatchState, span: SpanRecord): Acc {
  const service = span.service;
  const version = span.serviceVersion ?? '';
  const dims = state.slo.dims;
  const values = state.scratch;
  for (let k = 0; k < dims.length; k++) values[k] = dimValue(dims[k]!(span));
  const last = state.lastAcc;
  if (last !== undefined && service === state.lastService && version === state.lastVersion) {
    const lastDims = last.labels.dims;
    let k = 0;
    while (k < dims.length && values[k] === lastDims[k]) k++;
    if (k === dims.length) return last;
  }
  // Nested maps keyed by the span's own strings: the decoders intern them, so lookups reuse
  // cached hashes instead of building and hashing a concatenated key per span. Nothing is
  // allocated unless the group is new in this batch.
  let node = state.accs.get(service);
  if (node === undefined) {
    node = new Map();
    state.accs.set(service, node);
  }
  let key = version;
  for (let k = 0; k < dims.length; k++) {
    let next = node.get(key) as Map<string, unknown> | undefined;
    if (next === undefined) {
      next = new Map();
      node.set(key, next);
    }
    node = next;
    key = values[k]!;
  }
  let acc = node.get(key) as Acc | undefined;
  if (acc === undefined) {
    acc = { labels: { service, version, dims: values.slice() }, good: 0, total: 0, extra: {}, examples: [] };
    node.set(key, acc);
    state.all.push(acc);
  }
  state.lastService = service;
  state.lastVersion = version;
  state.lastAcc = acc;
  return acc;
}

function dimValue(v: string | number | boolean | undefined): string {
  return v === undefined ? '' : typeof v === 'string' ? v : String(v);
}

/**
 * The category of a bad event without `breakwater.error.category`: a latency SLO's event that
 * did not fail was bad for being slow (an on-call reading "unclassified" would look for errors).
 */
function uncategorized(slo: CompiledSlo, span: SpanRecord): string {
  return slo.definition.sli === 'latency' && span.statusCode !== STATUS_ERROR
    ? SLOW_CATEGORY
    : UNCLASSIFIED_CATEGORY;
}
