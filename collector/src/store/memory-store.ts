import { BucketIndex } from './buckets.ts';
import { ExampleIndex } from './example-index.ts';
import {
  addCounts,
  type CountDelta,
  type DefinitionChanges,
  type RetentionFn,
  type SeriesFold,
  type SeriesWindows,
  type SloStore,
} from './types.ts';

/** Keeps counts in memory only: fast, and gone on restart. For tests and throwaway runs. */
export class MemoryStore implements SloStore {
  readonly kind = 'memory';
  private readonly index = new BucketIndex();
  private readonly exampleIndex = new ExampleIndex();
  private readonly retention: RetentionFn;

  constructor(retention: RetentionFn) {
    this.retention = retention;
  }

  async commit(timeMs: number, deltas: readonly CountDelta[]): Promise<void> {
    const { res, start } = this.index.bucketFor(timeMs);
    for (const d of deltas) {
      const ref = { slo: d.slo, series: d.series, res, start };
      this.index.set({ ...ref, counts: addCounts(this.index.get(ref), d.counts) });
      if (d.exampleTraceIds !== undefined && d.exampleTraceIds.length > 0) {
        this.exampleIndex.set(d.slo, d.series, this.exampleIndex.merged(d.slo, d.series, d.exampleTraceIds));
      }
    }
  }

  async snapshot(nowMs: number, windowsMs: readonly number[]): Promise<SeriesWindows[]> {
    return this.index.snapshot(nowMs, windowsMs);
  }

  examples(slo: string, series: string): readonly string[] {
    return this.exampleIndex.get(slo, series);
  }

  async compact(nowMs: number): Promise<void> {
    this.index.applyPlan(this.index.planCompaction(nowMs, this.retention));
    this.exampleIndex.retain((slo, series) => this.index.has(slo, series));
  }

  async fold(folds: readonly SeriesFold[]): Promise<SeriesFold[]> {
    const { plan, done } = this.index.planFold(folds);
    this.index.applyPlan(plan);
    this.exampleIndex.retain((slo, series) => this.index.has(slo, series));
    return done;
  }

  latestBucketStart(): number {
    return this.index.latestStart;
  }

  rememberWindows(configured: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
    return new Map(configured);
  }

  adoptDefinitions(): DefinitionChanges {
    return { setAside: [], restored: [] };
  }

  async close(): Promise<void> {}

  /** Buckets held (for tests). */
  get bucketCount(): number {
    return this.index.bucketCount;
  }
}
