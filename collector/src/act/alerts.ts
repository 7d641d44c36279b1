import type { AlertLevel, AlertSeverity, SloGroupStatus, SloStatus } from '@breakwater/protocol';
import { ratioToPercent } from '../config/slo/objective.ts';
import { windowName } from '../evaluate/windows.ts';
import { groupLabels } from './labels.ts';

/** `alertname` of multiwindow burn-rate alerts (also used by `breakwater rules`). */
export const BURN_ALERT_NAME = 'BreakwaterErrorBudgetBurn';
/** `alertname` of threshold-level alerts. */
export const LEVEL_ALERT_NAME = 'BreakwaterSloLevel';

/** Severity a threshold level is routed with: warning can wait, severe and emergency page. */
export const LEVEL_SEVERITY: Record<Exclude<AlertLevel, 'ok'>, AlertSeverity> = {
  warning: 'ticket',
  severe: 'page',
  emergency: 'page',
};

/** An alert as pushed to Alertmanager. */
export interface DesiredAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Options of {@link desiredAlerts}. */
export interface DesiredAlertsOptions {
  /** Also raise threshold-level alerts. */
  levels: boolean;
  /** Labels added to every alert. */
  extraLabels?: Readonly<Record<string, string>>;
  /**
   * `evaluation.levelWindow`, the window the threshold levels were judged over: a level alert
   * quotes the error ratio over it. Without it (or when that window is not a reported one) the
   * description leaves the ratio out rather than quote another window's.
   */
  levelWindowMs?: number;
}

/**
 * The alerts that should be firing now: one per SLO × summed group × severity whose burn-rate
 * rules fire, plus (optionally) one per group whose threshold level is not `ok`. A label added
 * here goes into `SLO_ALERT_LABELS` too (`alert-labels.ts`; `alert-label-clash.test.ts` checks).
 */
export function desiredAlerts(statuses: readonly SloStatus[], options: DesiredAlertsOptions): DesiredAlert[] {
  const out: DesiredAlert[] = [];
  // Reported windows are named by `windowName`, so the level window is found by its name.
  const levelWindowName = options.levelWindowMs === undefined ? undefined : windowName(options.levelWindowMs);
  for (const slo of statuses) {
    for (const group of slo.groups) {
      if (group.version !== undefined) continue;
      const { version: _v, ...base } = groupLabels(slo, group);
      const common = { ...options.extraLabels, ...base };
      for (const severity of ['page', 'ticket'] as const) {
        const fired = group.alerts.filter((a) => a.severity === severity);
        if (fired.length === 0) continue;
        const first = fired[0]!;
        out.push({
          labels: { ...common, alertname: BURN_ALERT_NAME, severity },
          annotations: {
            summary: `${slo.name} (${group.service}): error budget burning ${fmt(first.longBurnRate)}x over ${first.longWindow} and ${fmt(first.shortBurnRate)}x over ${first.shortWindow} (threshold ${fmt(first.threshold)}x)`,
            description: `SLO ${slo.name} (objective ${ratioToPercent(slo.objective)}% over ${slo.window}) for service ${group.service}: ${fired
              .map(
                (a) =>
                  `${a.longWindow}/${a.shortWindow} burn ${fmt(a.longBurnRate)}/${fmt(a.shortBurnRate)} > ${fmt(a.threshold)}`,
              )
              .join('; ')}. ${budgetSentence(group, slo)}`,
            ...details(group),
          },
        });
      }
      if (options.levels && group.level !== 'ok') {
        const level = group.level;
        // The level was judged over `evaluation.levelWindow`; quote that window's ratio (when it
        // is among the reported ones), not whichever window happens to come first.
        const levelWindow = group.windows.find((w) => w.window === levelWindowName);
        out.push({
          labels: { ...common, alertname: LEVEL_ALERT_NAME, severity: LEVEL_SEVERITY[level], level },
          annotations: {
            summary: `${slo.name} (${group.service}): ${level} level on the current ${slo.sli === 'latency' ? 'latency' : 'success rate'}`,
            description: `SLO ${slo.name} for service ${group.service} crossed its ${level} threshold. ${budgetSentence(group, slo)}${
              levelWindow?.errorRatio != null
                ? ` Error ratio over ${levelWindow.window}: ${pct(levelWindow.errorRatio)}.`
                : ''
            }`,
            ...details(group),
          },
        });
      }
    }
  }
  return out;
}

function details(group: SloGroupStatus): Record<string, string> {
  return {
    burn_rates: group.windows
      .map((w) => `${w.window}=${w.burnRate === null ? 'n/a' : fmt(w.burnRate)}`)
      .join(' '),
    budget_remaining: pct(group.budgetRemaining),
    top_error_categories:
      group.topErrorCategories.map((c) => `${c.category}=${c.count}`).join(', ') || 'none',
    example_trace_ids: group.exampleTraceIds.join(', ') || 'none',
  };
}

function budgetSentence(group: SloGroupStatus, slo: SloStatus): string {
  // Spent already (the ETA is then 0): "exhausted in 0s at the current burn" would read as
  // imminent, and as depending on the burn, which it no longer does.
  if (group.budgetRemaining <= 0)
    return `Error budget over ${slo.window} spent: ${pct(group.budgetRemaining)} remaining.`;
  const eta =
    group.exhaustionEtaMs === null
      ? ''
      : `, exhausted in ${humanDuration(group.exhaustionEtaMs)} at the current burn`;
  return `Error budget remaining over ${slo.window}: ${pct(group.budgetRemaining)}${eta}.`;
}

/** Two decimals at most, without trailing zeros (`40`, `14.4`, `0.11`). */
function fmt(x: number): string {
  return String(Number(x.toFixed(2)));
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function humanDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  return `${(ms / 86_400_000).toFixed(1)}d`;
}
