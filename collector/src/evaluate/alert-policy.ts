import type { AlertSeverity } from '@breakwater/protocol';

/** Length of the SLO window the SRE Workbook thresholds are stated for. */
export const REFERENCE_WINDOW_MS = 30 * 86_400_000;

/** One multiwindow burn-rate rule: fire when both windows burn faster than the threshold. */
export interface BurnRule {
  severity: AlertSeverity;
  longWindow: string;
  longWindowMs: number;
  shortWindow: string;
  shortWindowMs: number;
  /** Threshold for a 30-day SLO. */
  referenceThreshold: number;
}

const H = 3_600_000;
const M = 60_000;

/**
 * The SRE Workbook's multiwindow, multi-burn-rate rules for a 30-day SLO: page on 2 % of the
 * budget in 1 h (14.4) or 5 % in 6 h (6), ticket on 10 % in 1 d (3) or 10 % in 3 d (1); each
 * long window paired with a short one (1/12 of it) so alerts reset soon after recovery.
 */
export const BURN_RULES: readonly BurnRule[] = [
  {
    severity: 'page',
    longWindow: '1h',
    longWindowMs: H,
    shortWindow: '5m',
    shortWindowMs: 5 * M,
    referenceThreshold: 14.4,
  },
  {
    severity: 'page',
    longWindow: '6h',
    longWindowMs: 6 * H,
    shortWindow: '30m',
    shortWindowMs: 30 * M,
    referenceThreshold: 6,
  },
  {
    severity: 'ticket',
    longWindow: '1d',
    longWindowMs: 24 * H,
    shortWindow: '2h',
    shortWindowMs: 2 * H,
    referenceThreshold: 3,
  },
  {
    severity: 'ticket',
    longWindow: '3d',
    longWindowMs: 72 * H,
    shortWindow: '6h',
    shortWindowMs: 6 * H,
    referenceThreshold: 1,
  },
];

/** A rule with its threshold scaled to one SLO's window. */
export interface ScaledBurnRule extends BurnRule {
  threshold: number;
}

/**
 * The rules for an SLO window of `windowMs`. Each workbook rule means "this share of the budget
 * spent within the long window"; the burn rate that spends the same share of a `W`-long budget
 * is `threshold₃₀ × W / 30d`. Thresholds never go below 1 (a burn rate at most 1 never exhausts
 * the budget), and rules whose long window is longer than the SLO window are dropped.
 *
 * Examples: 28 d → 13.44 / 5.6 / 2.8 / 1; 7 d → 3.36 / 1.4 / 1 / 1; 30 d → 14.4 / 6 / 3 / 1.
 */
export function scaledBurnRules(windowMs: number): ScaledBurnRule[] {
  return BURN_RULES.filter((r) => r.longWindowMs <= windowMs).map((r) => ({
    ...r,
    threshold: Math.max(1, round6((r.referenceThreshold * windowMs) / REFERENCE_WINDOW_MS)),
  }));
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
