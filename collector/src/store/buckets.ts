import {
  addCounts,
  type Counts,
  cloneCounts,
  emptyCounts,
  type RetentionFn,
  type SeriesFold,
  type SeriesWindows,
} from './types.ts';

/** Fine buckets: one minute, so the 5m…1d windows are exact to the minute. */
export const FINE_BUCKET_MS = 60_000;
/** Coarse buckets: one hour, for counts older than {@link FINE_SPAN_MS}. */
export const COARSE_BUCKET_MS = 3_600_000;
/**
 * How long counts stay in fine buckets: one day plus two hours, so every window up to `1d` is
 * exact to the minute; older counts (the `3d` and whole-SLO windows) are exact to the hour.
 * A 30-day series then holds at most ~1,560 fine + ~720 coarse buckets.
 */
export const FINE_SPAN_MS = 26 * 3_600_000;

/** Bucket resolution, as stored. */
export type Resolution = typeof FINE_BUCKET_MS | typeof COARSE_BUCKET_MS;

/** One bucket's identity. */
export interface BucketRef {
  slo: string;
  series: string;
  res: Resolution;
  start: number;
}

/** A bucket and its new counts (absolute, not a delta). */
export interface BucketWrite extends BucketRef {
  counts: Counts;
}

/** What a compaction or a fold changes: buckets to write (absolute) and buckets to delete. */
export interface BucketPlan {
  writes: BucketWrite[];
  deletes: BucketRef[];
}

interface Series {
  fine: Map<number, Counts>;
  coarse: Map<number, Counts>;
}

/**
 * Counts per SLO × series × time bucket, in memory. Both embedded stores keep their working set
 * here; the SQLite store persists every change before applying it.
 */
export class BucketIndex {
  private readonly slos = new Map<string, Map<string, Series>>();
  /** Start and end of the newest bucket ever held (`-Infinity` while empty). */
  private newestStart = Number.NEGATIVE_INFINITY;
  private newestEnd = Number.NEGATIVE_INFINITY;

  /**
   * The bucket a commit at `timeMs` goes to: always a minute bucket. Compaction coarsens it once
   * it is old; deciding here from an earlier compaction's time would let one compaction run with
   * a clock far ahead send every later commit to hourly buckets.
   */
  bucketFor(timeMs: number): { res: Resolution; start: number } {
    return { res: FINE_BUCKET_MS, start: floorTo(timeMs, FINE_BUCKET_MS) };
  }

  /** Start of the newest bucket held, i.e. no count was committed before it (`-Infinity`: none). */
  get latestStart(): number {
    return this.newestStart;
  }

  /** Current counts of one bucket (a copy; empty when absent). */
  get(ref: BucketRef): Counts {
    const found = this.map(ref.slo, ref.series, ref.res, false)?.get(ref.start);
    return found === undefined ? emptyCounts() : cloneCounts(found);
  }

  /** Sets one bucket's counts (absolute). */
  set(write: BucketWrite): void {
    this.map(write.slo, write.series, write.res, true)!.set(write.start, write.counts);
    if (write.start > this.newestStart) this.newestStart = write.start;
    if (write.start + write.res > this.newestEnd) this.newestEnd = write.start + write.res;
  }

  /** Removes one bucket (and the series once it is empty). */
  delete(ref: BucketRef): void {
    const bySeries = this.slos.get(ref.slo);
    const series = bySeries?.get(ref.series);
    if (series === undefined) return;
    (ref.res === FINE_BUCKET_MS ? series.fine : series.coarse).delete(ref.start);
    if (series.fine.size === 0 && series.coarse.size === 0) {
      bySeries!.delete(ref.series);
      if (bySeries!.size === 0) this.slos.delete(ref.slo);
    }
  }

  /** Moves every series of SLO `from` to SLO `to`, replacing what `to` held. */
  renameSlo(from: string, to: string): void {
    const bySeries = this.slos.get(from);
    this.slos.delete(to);
    if (bySeries === undefined) return;
    this.slos.delete(from);
    this.slos.set(to, bySeries);
  }

  /** Whether any bucket of the series is held. */
  has(slo: string, series: string): boolean {
    return this.slos.get(slo)?.has(series) ?? false;
  }

  /** Number of buckets held (for tests and the status page). */
  get bucketCount(): number {
    let n = 0;
    for (const bySeries of this.slos.values())
      for (const s of bySeries.values()) n += s.fine.size + s.coarse.size;
    return n;
  }

  /** See {@link SloStore.snapshot}. */
  snapshot(nowMs: number, windowsMs: readonly number[]): SeriesWindows[] {
    // Each bucket is added once, to the smallest window holding it; prefix sums then give every
    // window, so the cost is one pass over the buckets whatever the number of windows.
    const order = windowsMs.map((w, i) => [w, i] as const).sort((a, b) => a[0] - b[0]);
    const longest = order.length === 0 ? 0 : order[order.length - 1]![0];
    const out: SeriesWindows[] = [];
    for (const [slo, bySeries] of this.slos) {
      for (const [id, series] of bySeries) {
        const rings = order.map(() => emptyCounts());
        let any = false;
        for (const [buckets, res] of [
          [series.fine, FINE_BUCKET_MS],
          [series.coarse, COARSE_BUCKET_MS],
        ] as const) {
          for (const [start, counts] of buckets) {
            // Measured from the bucket's end: a window holds every bucket that overlaps it.
            const age = nowMs - (start + res);
            if (age >= longest) continue;
            let k = 0;
            while (order[k]![0] <= age) k++;
            addCounts(rings[k]!, counts);
            any = true;
          }
        }
        if (!any) continue;
        const windows: Counts[] = new Array(windowsMs.length);
        const running = emptyCounts();
        for (let k = 0; k < order.length; k++) {
          addCounts(running, rings[k]!);
          windows[order[k]![1]] = cloneCounts(running);
        }
        out.push({ slo, series: id, windows });
      }
    }
    return out;
  }

  /**
   * What {@link compact} would change at `nowMs`: fine buckets older than {@link FINE_SPAN_MS}
   * merge into hourly buckets; buckets older than the SLO's retention go.
   *
   * Age is counted from `nowMs` or from the end of the newest bucket, whichever is earlier: a
   * `nowMs` far ahead of every count (a clock set a month ahead, a host booted with the wrong
   * time) would otherwise delete history that is still in its window once the clock is right.
   * Nothing is lost by waiting: while no newer count arrives, the store does not grow.
   */
  planCompaction(nowMs: number, retention: RetentionFn): BucketPlan {
    const at = Math.min(nowMs, this.newestEnd);
    const fineCutoff = floorTo(at - FINE_SPAN_MS, COARSE_BUCKET_MS);
    const writes = new Map<string, BucketWrite>();
    const deletes: BucketRef[] = [];
    for (const [slo, bySeries] of this.slos) {
      const oldest = at - retention(slo);
      for (const [id, series] of bySeries) {
        for (const [start, counts] of series.fine) {
          if (start >= fineCutoff) continue;
          deletes.push({ slo, series: id, res: FINE_BUCKET_MS, start });
          const coarseStart = floorTo(start, COARSE_BUCKET_MS);
          if (coarseStart + COARSE_BUCKET_MS <= oldest) continue;
          const key = `${slo}\u0000${id}\u0000${coarseStart}`;
          let w = writes.get(key);
          if (w === undefined) {
            const base = series.coarse.get(coarseStart);
            w = {
              slo,
              series: id,
              res: COARSE_BUCKET_MS,
              start: coarseStart,
              counts: base ? cloneCounts(base) : emptyCounts(),
            };
            writes.set(key, w);
          }
          addCounts(w.counts, counts);
        }
        for (const start of series.coarse.keys()) {
          if (start + COARSE_BUCKET_MS <= oldest) {
            deletes.push({ slo, series: id, res: COARSE_BUCKET_MS, start });
            writes.delete(`${slo}\u0000${id}\u0000${start}`);
          }
        }
      }
    }
    return { writes: [...writes.values()], deletes };
  }

  /**
   * What {@link SloStore.fold} changes: every bucket of each quiet `from` deleted and added to
   * `to`'s bucket of the same resolution and start. Returns the folds it plans with the plan.
   */
  planFold(folds: readonly SeriesFold[]): { plan: BucketPlan; done: SeriesFold[] } {
    const writes = new Map<string, BucketWrite>();
    const deletes: BucketRef[] = [];
    const done: SeriesFold[] = [];
    // A series folded into is not folded away in the same plan, nor the other way round: its
    // buckets would be read before this plan's writes to it.
    const froms = new Set<string>();
    const tos = new Set<string>();
    for (const f of folds) {
      const from = this.slos.get(f.slo)?.get(f.from);
      if (from === undefined || f.from === f.to || newestEnd(from) > f.quietSinceMs) continue;
      const fromKey = `${f.slo}\u0000${f.from}`;
      const toKey = `${f.slo}\u0000${f.to}`;
      if (tos.has(fromKey) || froms.has(toKey)) continue;
      froms.add(fromKey);
      tos.add(toKey);
      done.push(f);
      for (const [buckets, res] of [
        [from.fine, FINE_BUCKET_MS],
        [from.coarse, COARSE_BUCKET_MS],
      ] as const) {
        for (const [start, counts] of buckets) {
          deletes.push({ slo: f.slo, series: f.from, res, start });
          const key = `${f.slo}\u0000${f.to}\u0000${res}\u0000${start}`;
          let w = writes.get(key);
          if (w === undefined) {
            const ref: BucketRef = { slo: f.slo, series: f.to, res, start };
            w = { ...ref, counts: this.get(ref) };
            writes.set(key, w);
          }
          addCounts(w.counts, counts);
        }
      }
    }
    return { plan: { writes: [...writes.values()], deletes }, done };
  }

  /** Applies a plan from {@link planCompaction} or {@link planFold}. */
  applyPlan(plan: BucketPlan): void {
    for (const d of plan.deletes) this.delete(d);
    for (const w of plan.writes) this.set(w);
  }

  private map(slo: string, id: string, res: Resolution, create: boolean): Map<number, Counts> | undefined {
    let bySeries = this.slos.get(slo);
    if (bySeries === undefined) {
      if (!create) return undefined;
      bySeries = new Map();
      this.slos.set(slo, bySeries);
    }
    let series = bySeries.get(id);
    if (series === undefined) {
      if (!create) return undefined;
      series = { fine: new Map(), coarse: new Map() };
      bySeries.set(id, series);
    }
    return res === FINE_BUCKET_MS ? series.fine : series.coarse;
  }
}

/** End of the newest bucket of `series`. */
function newestEnd(series: Series): number {
  let end = Number.NEGATIVE_INFINITY;
  for (const start of series.fine.keys()) end = Math.max(end, start + FINE_BUCKET_MS);
  for (const start of series.coarse.keys()) end = Math.max(end, start + COARSE_BUCKET_MS);
  return end;
}

/** Rounds `t` down to a multiple of `size`. */
export function floorTo(t: number, size: number): number {
  return Math.floor(t / size) * size;
}
