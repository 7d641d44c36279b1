import type { SloDefinition } from '../config/slo/definition.ts';
import { EXAMPLES_PER_BATCH, type GroupDelta } from './aggregate.ts';
import { addCounts, emptyCounts } from './counts.ts';
import { decodeSeries, encodeSeries, overflowLabels } from './series.ts';

/** The deltas of one batch after {@link SeriesLimiter.admit}, and what to undo if it fails. */
export interface Admission {
  /** Deltas to commit: admitted series as they were, the rest folded into overflow series. */
  deltas: GroupDelta[];
  /** Events folded into each SLO's overflow series. */
  overflowEvents: ReadonlyMap<string, number>;
  /** Series this batch admitted (released again by {@link SeriesLimiter.release}). */
  added: readonly { slo: string; series: string }[];
}

interface SloLimit {
  max: number;
  groupBy: readonly string[];
  overflowSeries: string;
  overflowLabels: GroupDelta['labels'];
  admitted: Set<string>;
}

/**
 * Caps the series an SLO keeps (each one costs store rows, counters and ~100 `/metrics` lines,
 * and every distinct `service.name` a client sends would otherwise make one). The first
 * `maxSeries` series of an SLO are kept; events of further series are counted in one overflow
 * series whose labels are all `__overflow__`, so totals and budgets stay right.
 *
 * The admitted set mirrors the series the store holds: seeded from it at start and after each
 * compaction ({@link reset}), so series that age out free their place.
 */
export class SeriesLimiter {
  private readonly slos = new Map<string, SloLimit>();

  constructor(definitions: readonly SloDefinition[]) {
    for (const def of definitions) {
      const labels = overflowLabels(def.groupBy.length);
      this.slos.set(def.name, {
        max: def.maxSeries,
        groupBy: def.groupBy,
        overflowSeries: encodeSeries(labels, def.groupBy),
        overflowLabels: labels,
        admitted: new Set(),
      });
    }
  }

  /**
   * Replaces the admitted series with those the store holds (overflow series excluded). Series
   * stored under an SLO's earlier `groupBy` are ignored until they age out, and take no place.
   */
  reset(stored: Iterable<{ slo: string; series: string }>): void {
    for (const limit of this.slos.values()) limit.admitted.clear();
    for (const { slo, series } of stored) {
      const limit = this.slos.get(slo);
      if (limit === undefined || series === limit.overflowSeries) continue;
      if (decodeSeries(series, limit.groupBy) !== undefined) limit.admitted.add(series);
    }
  }

  /**
   * Admits a batch's deltas: new series while the SLO has room, the rest folded into its
   * overflow series. Call {@link release} if the batch is then not committed.
   */
  admit(deltas: readonly GroupDelta[]): Admission {
    const out: GroupDelta[] = [];
    const added: { slo: string; series: string }[] = [];
    let overflow: Map<string, GroupDelta> | undefined;
    for (const d of deltas) {
      const limit = this.slos.get(d.slo);
      if (limit === undefined || limit.admitted.has(d.series) || d.series === limit.overflowSeries) {
        out.push(d);
        continue;
      }
      if (limit.admitted.size < limit.max) {
        limit.admitted.add(d.series);
        added.push({ slo: d.slo, series: d.series });
        out.push(d);
        continue;
      }
      overflow ??= new Map();
      let o = overflow.get(d.slo);
      if (o === undefined) {
        o = {
          slo: d.slo,
          series: limit.overflowSeries,
          labels: limit.overflowLabels,
          counts: emptyCounts(),
          exampleTraceIds: [],
        };
        overflow.set(d.slo, o);
      }
      addCounts(o.counts, d.counts);
      for (const id of d.exampleTraceIds)
        if (o.exampleTraceIds.length < EXAMPLES_PER_BATCH) o.exampleTraceIds.push(id);
    }
    const overflowEvents = new Map<string, number>();
    if (overflow !== undefined) {
      for (const o of overflow.values()) {
        out.push(o);
        overflowEvents.set(o.slo, o.counts.total);
      }
    }
    return { deltas: out, overflowEvents, added };
  }

  /** Undoes an admission whose commit failed, so a rejected batch takes no place. */
  release(admission: Admission): void {
    for (const { slo, series } of admission.added) this.slos.get(slo)?.admitted.delete(series);
  }

  /**
   * Marks a committed batch's series as admitted again, in case a concurrent batch that admitted
   * one of them failed and released it.
   */
  confirm(admission: Admission): void {
    for (const d of admission.deltas) {
      const limit = this.slos.get(d.slo);
      if (limit !== undefined && d.series !== limit.overflowSeries) limit.admitted.add(d.series);
    }
  }

  /** Series currently admitted per SLO (overflow series excluded). */
  counts(): Map<string, number> {
    return new Map([...this.slos].map(([slo, limit]) => [slo, limit.admitted.size]));
  }
}
