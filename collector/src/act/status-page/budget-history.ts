import { ALERT_LEVELS, ALERT_SEVERITIES, type SloGroupStatus, type SloStatus } from '@breakwater/protocol';
import type { BudgetPoint } from './types.ts';

/** Sizes of a {@link BudgetHistory}. */
export interface BudgetHistoryOptions {
  /** Samples kept per series; older ones are dropped. */
  capacity: number;
  /** Series kept: with more groups than that, the worst (see {@link worstFirst}); the least recently sampled go first. */
  maxSeries: number;
}

/** Identifies one summed SLO group (SLO, service and `groupBy` labels; never a version). */
export function budgetKey(slo: string, group: Pick<SloGroupStatus, 'service' | 'labels'>): string {
  const labels = Object.entries(group.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([slo, group.service, labels]);
}

/**
 * Budget remaining over time per summed SLO group, sampled by the status component on its own
 * interval. Bounded twice: a ring of `capacity` samples per series and at most `maxSeries` series.
 * With more groups than that, only the worst are sampled (the rows the page lists first: kept in
 * the engine's order, those listed last had charts and the burning ones, anywhere, often not);
 * a series no longer sampled (its service went away, or others are worse) is the first dropped.
 */
export class BudgetHistory {
  private readonly options: BudgetHistoryOptions;
  /** Insertion order = last-sampled order (a series is re-inserted when sampled). */
  private readonly series = new Map<string, BudgetPoint[]>();

  constructor(options: BudgetHistoryOptions) {
    this.options = options;
  }

  /**
   * Records the budget of every summed group in `statuses` at `nowMs`, a time that must not step
   * back (see `StatusModel`): a sample at or before the last one replaces it.
   */
  sample(statuses: readonly SloStatus[], nowMs: number): void {
    const groups: [string, SloGroupStatus][] = [];
    for (const slo of statuses) {
      for (const group of slo.groups) {
        if (group.version !== undefined || !Number.isFinite(group.budgetRemaining)) continue;
        groups.push([slo.name, group]);
      }
    }
    if (groups.length > this.options.maxSeries) {
      groups.sort(([, a], [, b]) => worstFirst(a, b));
      groups.length = this.options.maxSeries;
    }
    for (const [slo, group] of groups) {
      const key = budgetKey(slo, group);
      const points = this.series.get(key) ?? [];
      this.series.delete(key);
      const last = points.at(-1);
      if (last !== undefined && last[0] >= nowMs) points[points.length - 1] = [nowMs, group.budgetRemaining];
      else points.push([nowMs, group.budgetRemaining]);
      if (points.length > this.options.capacity) points.splice(0, points.length - this.options.capacity);
      this.series.set(key, points);
    }
    while (this.series.size > this.options.maxSeries) {
      this.series.delete(this.series.keys().next().value as string);
    }
  }

  /** A copy of one series, oldest first (empty when never sampled). */
  get(key: string): BudgetPoint[] {
    return (this.series.get(key) ?? []).map((p): BudgetPoint => [p[0], p[1]]);
  }

  get size(): number {
    return this.series.size;
  }
}

/**
 * The order the status page lists SLO rows in: a page-severity burn alert firing, then a ticket,
 * then the higher level, then the least budget left.
 */
export function worstFirst(a: SloGroupStatus, b: SloGroupStatus): number {
  return badness(b) - badness(a) || a.budgetRemaining - b.budgetRemaining;
}

function badness(group: SloGroupStatus): number {
  let severity = 0; // ALERT_SEVERITIES lists the most urgent first
  for (const alert of group.alerts) {
    const rank = ALERT_SEVERITIES.indexOf(alert.severity);
    if (rank >= 0) severity = Math.max(severity, ALERT_SEVERITIES.length - rank);
  }
  return severity * ALERT_LEVELS.length + Math.max(0, ALERT_LEVELS.indexOf(group.level));
}
