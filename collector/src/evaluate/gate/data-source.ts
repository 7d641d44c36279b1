import type { SeriesWindows } from '../../store/types.ts';

/**
 * What the gate needs to know about one SLO. The SLO engine's `SloDefinition` satisfies it as is.
 */
export interface GateSloDefinition {
  readonly name: string;
  /** Target good ratio, 0 < objective < 1. */
  readonly objective: number;
  /** The SLO window (the budget is computed over it). */
  readonly windowMs: number;
  /** `groupBy` dimensions, in the order the series ids encode them. */
  readonly groupBy: readonly string[];
}

/**
 * The gate's narrow view of the SLO engine: its definitions, its store and its example trace
 * ids. The collector wires the SLO component's own objects in, so the gate reads the very counts
 * the SLO engine keeps (one store, one truth).
 */
export interface GateDataSource {
  slos(): readonly GateSloDefinition[];
  /**
   * `SloStore.snapshot`: every series summed over each window ending now. `nowMs` is the
   * caller's wall-clock reading of now; the SLO component ends the windows at its store's own
   * reading of the same instant (see `StoreClock`), which a wall-clock step does not move.
   */
  snapshot(nowMs: number, windowsMs: readonly number[]): Promise<SeriesWindows[]>;
  /**
   * The source's own reading of now, where its snapshot's windows end (the SLO engine's store
   * time), when it is not the caller's `nowMs`: windows that must start at a minute boundary of
   * the store are measured from it.
   */
  now?(): number;
  /** Trace ids of recent bad events of one series, most recent first. */
  examples?(slo: string, series: string): readonly string[];
}
