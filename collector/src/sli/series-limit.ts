import type { SloDefinition } from '../config/slo/definition.ts';
import { EXAMPLES_PER_BATCH, type GroupDelta } from './aggregate.ts';
import { addCounts, emptyCounts } from './counts.ts';
import { decodeSeries, encodeSeries, OVERFLOW_LABEL_VALUE, overflowKind, overflowLabels } from './series.ts';

/** The deltas of one batch after {@link SeriesLimiter.admit}, and what to undo if it fails. */
export interface Admission {
  /** Deltas to commit: admitted series as they were, the rest folded into overflow series. */
  deltas: GroupDelta[];
  /** Events folded into each SLO's overflow series (a service's own and the fleet's). */
  overflowEvents: ReadonlyMap<string, number>;
  /** Series this batch admitted (released again by {@link SeriesLimiter.release}). */
  added: readonly { slo: string; series: string; service: string }[];
  /** Services whose own overflow series this batch started (released again too). */
  addedOverflows: readonly { slo: string; service: string }[];
  /** The deltas of `deltas` that are folds into a service's own overflow series. */
  folded: ReadonlySet<GroupDelta>;
}

interface SloLimit {
  max: number;
  groupBy: readonly string[];
  fleetSeries: string;
  fleetLabels: GroupDelta['labels'];
  /**
   * Admitted series → their service, by their id under the current `groupBy` (see
   * {@link SeriesLimiter.reset}).
   */
  admitted: Map<string, string>;
  /** Admitted series per service: a service with any has room for an overflow series. */
  perService: Map<string, number>;
  /** Services with an overflow series of their own. */
  serviceOverflows: Set<string>;
}

/**
 * Caps the series an SLO keeps (each one costs store rows, counters and ~100 `/metrics` lines,
 * and every distinct `service.name` a client sends would otherwise make one). The first
 * `maxSeries` series of an SLO are kept. Events of further series of a service that has a series
 * of its own are counted in that service's overflow series (version and dimensions
 * `__overflow__`), so one service's many versions or `groupBy` values do not blind the gate to
 * every other service; events of other services go to the SLO's fleet overflow series (every
 * label `__overflow__`). Totals and budgets stay right either way. Services' overflow series are
 * capped at `maxSeries` too (further ones fold into the fleet's), so an SLO holds at most
 * 2 × `maxSeries` + 1 series.
 *
 * The admitted set mirrors the series the store holds: seeded from it at start and after each
 * compaction ({@link reset}), so series that age out or are retired (`sli/retire.ts`) free their
 * place.
 */
export class SeriesLimiter {
  private readonly slos = new Map<string, SloLimit>();

  constructor(definitions: readonly SloDefinition[]) {
    for (const def of definitions) {
      const labels = overflowLabels(def.groupBy.length);
      this.slos.set(def.name, {
        max: def.maxSeries,
        groupBy: def.groupBy,
        fleetSeries: encodeSeries(labels, def.groupBy),
        fleetLabels: labels,
        admitted: new Map(),
        perService: new Map(),
        serviceOverflows: new Set(),
      });
    }
  }

  /**
   * Replaces the admitted series with those the store holds (overflow series take no place).
   * Series stored under an SLO's earlier `groupBy` are ignored until they age out.
   */
  reset(stored: Iterable<{ slo: string; series: string }>): void {
    for (const limit of this.slos.values()) {
      limit.admitted.clear();
      limit.perService.clear();
      limit.serviceOverflows.clear();
    }
    for (const { slo, series } of stored) {
      const limit = this.slos.get(slo);
      if (limit === undefined || series === limit.fleetSeries) continue;
      const labels = decodeSeries(series, limit.groupBy);
      if (labels === undefined) continue;
      const kind = overflowKind(labels);
      if (kind === 'service') limit.serviceOverflows.add(labels.service);
      // By its id under the current `groupBy`: the id names the dimensions in `groupBy` order, so
      // counts stored before a reorder are under another id, and one series must take one place.
      else if (kind === undefined) admitSeries(limit, encodeSeries(labels, limit.groupBy), labels.service);
    }
  }

  /**
   * Admits a batch's deltas: new series while the SLO has room, the rest folded into overflow
   * series. Call {@link release} if the batch is then not committed.
   */
  admit(deltas: readonly GroupDelta[]): Admission {
    const out: GroupDelta[] = [];
    const added: { slo: string; series: string; service: string }[] = [];
    const addedOverflows: { slo: string; service: string }[] = [];
    const folded = new Set<GroupDelta>();
    let overflow: Map<string, GroupDelta> | undefined;
    const overflowEvents = new Map<string, number>();
    for (const d of deltas) {
      const limit = this.slos.get(d.slo);
      if (limit === undefined || limit.admitted.has(d.series) || d.series === limit.fleetSeries) {
        out.push(d);
        continue;
      }
      const service = d.labels.service;
      if (limit.admitted.size < limit.max) {
        admitSeries(limit, d.series, service);
        added.push({ slo: d.slo, series: d.series, service });
        out.push(d);
        continue;
      }
      // A service whose series were all retired into its overflow series (`sli/retire.ts`) still
      // has that one: the gate reads it, not the fleet's, for a service it holds counts of.
      const own =
        service !== OVERFLOW_LABEL_VALUE &&
        (limit.serviceOverflows.has(service) ||
          ((limit.perService.get(service) ?? 0) > 0 && limit.serviceOverflows.size < limit.max));
      const key = own ? `${d.slo}\u0000${service}` : d.slo;
      overflow ??= new Map();
      let o = overflow.get(key);
      if (o === undefined) {
        if (own && !limit.serviceOverflows.has(service)) {
          limit.serviceOverflows.add(service);
          addedOverflows.push({ slo: d.slo, service });
        }
        const labels = own ? overflowLabels(limit.groupBy.length, service) : limit.fleetLabels;
        o = {
          slo: d.slo,
          series: own ? encodeSeries(labels, limit.groupBy) : limit.fleetSeries,
          labels,
          counts: emptyCounts(),
          exampleTraceIds: [],
        };
        overflow.set(key, o);
        if (own) folded.add(o);
      }
      addCounts(o.counts, d.counts);
      for (const id of d.exampleTraceIds)
        if (o.exampleTraceIds.length < EXAMPLES_PER_BATCH) o.exampleTraceIds.push(id);
    }
    if (overflow !== undefined) {
      for (const o of overflow.values()) {
        out.push(o);
        overflowEvents.set(o.slo, (overflowEvents.get(o.slo) ?? 0) + o.counts.total);
      }
    }
    return { deltas: out, overflowEvents, added, addedOverflows, folded };
  }

  /** Undoes an admission whose commit failed, so a rejected batch takes no place. */
  release(admission: Admission): void {
    for (const { slo, series, service } of admission.added) {
      const limit = this.slos.get(slo);
      if (limit?.admitted.delete(series)) {
        const left = (limit.perService.get(service) ?? 1) - 1;
        if (left > 0) limit.perService.set(service, left);
        else limit.perService.delete(service);
      }
    }
    for (const { slo, service } of admission.addedOverflows)
      this.slos.get(slo)?.serviceOverflows.delete(service);
  }

  /**
   * Marks a committed batch's series as admitted again, in case a concurrent batch that admitted
   * one of them failed and released it.
   */
  confirm(admission: Admission): void {
    for (const d of admission.deltas) {
      const limit = this.slos.get(d.slo);
      if (limit === undefined || d.series === limit.fleetSeries) continue;
      if (admission.folded.has(d)) limit.serviceOverflows.add(d.labels.service);
      else admitSeries(limit, d.series, d.labels.service);
    }
  }

  /** Series currently admitted per SLO (overflow series excluded). */
  counts(): Map<string, number> {
    return new Map([...this.slos].map(([slo, limit]) => [slo, limit.admitted.size]));
  }
}

function admitSeries(limit: SloLimit, series: string, service: string): void {
  if (limit.admitted.has(series)) return;
  limit.admitted.set(series, service);
  limit.perService.set(service, (limit.perService.get(service) ?? 0) + 1);
}
