import type { WindowStatus } from '@breakwater/protocol';
import { errorBudget } from '../config/slo/objective.ts';

/** Good and total events over a window. */
export interface GoodTotal {
  good: number;
  total: number;
}

/** Share of bad events, `null` without events. */
export function errorRatio(c: GoodTotal): number | null {
  return c.total > 0 ? (c.total - c.good) / c.total : null;
}

/**
 * How fast the error budget burns: the error ratio over the budget `1 - objective`. At burn rate
 * 1 the budget lasts exactly the SLO window; at 14.4 a 30-day budget is gone in 50 hours.
 */
export function burnRate(c: GoodTotal, objective: number): number | null {
  const ratio = errorRatio(c);
  return ratio === null ? null : ratio / errorBudget(objective);
}

/** Error ratio and burn rate over one named window. */
export function windowStatus(window: string, c: GoodTotal, objective: number): WindowStatus {
  return {
    window,
    good: c.good,
    total: c.total,
    errorRatio: errorRatio(c),
    burnRate: burnRate(c, objective),
  };
}

/**
 * Share of the error budget left over the whole SLO window: `1 - bad / (budget × total)`, i.e.
 * `1 - burnRate(whole window)`. 1 without events; negative once overspent.
 */
export function budgetRemaining(whole: GoodTotal, objective: number): number {
  const rate = burnRate(whole, objective);
  return rate === null ? 1 : 1 - rate;
}

/**
 * Milliseconds until the remaining budget is spent if the current burn rate holds (linear):
 * `remaining × window / burnRate`. `0` when the budget is already spent, `null` when nothing is
 * burning (no events or no bad events).
 */
export function exhaustionEtaMs(
  remaining: number,
  currentBurnRate: number | null,
  windowMs: number,
): number | null {
  if (remaining <= 0) return 0;
  if (currentBurnRate === null || currentBurnRate <= 0) return null;
  return Math.round((remaining * windowMs) / currentBurnRate);
}
