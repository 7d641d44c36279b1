import type { SloStatus } from '@breakwater/protocol';
import type { SloDefinition } from '../config/slo/definition.ts';
import type { SeriesWindows, SloStore } from '../store/types.ts';
import { evaluateSlo } from './evaluate-slo.ts';
import { windowPlan } from './windows.ts';

/** Options of {@link evaluateAll}. */
export interface EvaluateAllOptions {
  nowMs: number;
  levelWindowMs: number;
  examples?: (slo: string, series: string) => readonly string[];
}

/** Evaluates every SLO from one store snapshot (one read, whatever the number of SLOs). */
export async function evaluateAll(
  defs: readonly SloDefinition[],
  store: Pick<SloStore, 'snapshot'>,
  options: EvaluateAllOptions,
): Promise<SloStatus[]> {
  const plan = windowPlan(defs, options.levelWindowMs);
  const snapshot = await store.snapshot(options.nowMs, plan.windowsMs);
  const bySlo = new Map<string, SeriesWindows[]>();
  for (const s of snapshot) {
    const list = bySlo.get(s.slo);
    if (list === undefined) bySlo.set(s.slo, [s]);
    else list.push(s);
  }
  const input = {
    nowMs: options.nowMs,
    windowsMs: plan.windowsMs,
    levelWindowMs: options.levelWindowMs,
    examples: options.examples,
  };
  return defs.map((def) => evaluateSlo(def, bySlo.get(def.name) ?? [], input));
}
