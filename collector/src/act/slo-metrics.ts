import {
  ALERT_LEVELS,
  ALERT_SEVERITIES,
  parseDuration,
  SLO_METRIC_PREFIX,
  type SloStatus,
} from '@breakwater/protocol';
import { writeFamily, writeSample } from '../exposition/prometheus-text.ts';
import { groupLabels, versionLabel } from './labels.ts';

/** Lifetime event counters of one series (since the process started). */
export interface EventCounter {
  labels: Record<string, string>;
  good: number;
  total: number;
}

const P = SLO_METRIC_PREFIX;

/** Metric names on `/metrics`. */
export const SLO_METRICS = {
  OBJECTIVE: `${P}objective`,
  WINDOW_SECONDS: `${P}window_seconds`,
  ERROR_RATIO: `${P}error_ratio`,
  BURN_RATE: `${P}burn_rate`,
  BUDGET_REMAINING: `${P}budget_remaining`,
  BUDGET_EXHAUSTION_SECONDS: `${P}budget_exhaustion_seconds`,
  EVENTS_GOOD: `${P}events_good_total`,
  EVENTS: `${P}events_total`,
  ALERT_FIRING: `${P}alert_firing`,
  LEVEL: `${P}level`,
  LAST_EVALUATION: `${P}last_evaluation_timestamp_seconds`,
} as const;

/**
 * Appends the `breakwater_slo_*` families: objective and window per SLO; error ratio and burn
 * rate per window, budget remaining and exhaustion ETA per group (the group summed over
 * versions has no `version` label; spans without a version get `version="(unset)"`); lifetime good/total counters per version; burn-rate alert
 * and level gauges per summed group. Windows without events are left out rather than written
 * as NaN.
 */
export function writeSloMetrics(
  out: string[],
  statuses: readonly SloStatus[],
  counters: Iterable<EventCounter>,
  evaluatedAtMs: number | undefined,
): void {
  writeFamily(out, SLO_METRICS.OBJECTIVE, 'gauge', 'Target share of good events of the SLO.');
  for (const s of statuses)
    writeSample(out, SLO_METRICS.OBJECTIVE, { slo: s.name, tier: s.tier, sli: s.sli }, s.objective);

  writeFamily(out, SLO_METRICS.WINDOW_SECONDS, 'gauge', 'Length of the SLO rolling window in seconds.');
  for (const s of statuses)
    writeSample(
      out,
      SLO_METRICS.WINDOW_SECONDS,
      { slo: s.name, tier: s.tier },
      parseDuration(s.window) / 1000,
    );

  writeFamily(out, SLO_METRICS.ERROR_RATIO, 'gauge', 'Share of bad events over the window.');
  for (const s of statuses) {
    for (const g of s.groups) {
      const labels = groupLabels(s, g);
      for (const w of g.windows)
        if (w.errorRatio !== null)
          writeSample(out, SLO_METRICS.ERROR_RATIO, { ...labels, window: w.window }, w.errorRatio);
    }
  }
  writeFamily(
    out,
    SLO_METRICS.BURN_RATE,
    'gauge',
    'Error-budget burn rate over the window (1 = budget lasts exactly the SLO window).',
  );
  for (const s of statuses) {
    for (const g of s.groups) {
      const labels = groupLabels(s, g);
      for (const w of g.windows)
        if (w.burnRate !== null)
          writeSample(out, SLO_METRICS.BURN_RATE, { ...labels, window: w.window }, w.burnRate);
    }
  }
  writeFamily(
    out,
    SLO_METRICS.BUDGET_REMAINING,
    'gauge',
    'Share of the error budget left over the SLO window (negative when overspent).',
  );
  for (const s of statuses)
    for (const g of s.groups)
      writeSample(out, SLO_METRICS.BUDGET_REMAINING, groupLabels(s, g), g.budgetRemaining);

  writeFamily(
    out,
    SLO_METRICS.BUDGET_EXHAUSTION_SECONDS,
    'gauge',
    'Seconds until the error budget is spent at the current (1h) burn rate.',
  );
  for (const s of statuses) {
    for (const g of s.groups) {
      if (g.exhaustionEtaMs !== null)
        writeSample(out, SLO_METRICS.BUDGET_EXHAUSTION_SECONDS, groupLabels(s, g), g.exhaustionEtaMs / 1000);
    }
  }

  // Counters are per version; spans without `service.version` get the same placeholder as the
  // per-version gauges, so one query selects the same series in both.
  const list = [...counters].map((c) =>
    c.labels.version === undefined
      ? c
      : { ...c, labels: { ...c.labels, version: versionLabel(c.labels.version) } },
  );
  writeFamily(
    out,
    SLO_METRICS.EVENTS_GOOD,
    'counter',
    'Good SLI events counted since the collector started.',
  );
  for (const c of list) writeSample(out, SLO_METRICS.EVENTS_GOOD, c.labels, c.good);
  writeFamily(out, SLO_METRICS.EVENTS, 'counter', 'SLI events counted since the collector started.');
  for (const c of list) writeSample(out, SLO_METRICS.EVENTS, c.labels, c.total);

  writeFamily(
    out,
    SLO_METRICS.ALERT_FIRING,
    'gauge',
    '1 while a multiwindow burn-rate alert of this severity fires.',
  );
  for (const s of statuses) {
    for (const g of s.groups) {
      if (g.version !== undefined) continue;
      const labels = groupLabels(s, g);
      for (const severity of ALERT_SEVERITIES) {
        writeSample(
          out,
          SLO_METRICS.ALERT_FIRING,
          { ...labels, severity },
          g.alerts.some((a) => a.severity === severity) ? 1 : 0,
        );
      }
    }
  }
  writeFamily(
    out,
    SLO_METRICS.LEVEL,
    'gauge',
    '1 for the current threshold level of the SLI, 0 for the others.',
  );
  for (const s of statuses) {
    for (const g of s.groups) {
      if (g.version !== undefined) continue;
      const labels = groupLabels(s, g);
      for (const level of ALERT_LEVELS)
        writeSample(out, SLO_METRICS.LEVEL, { ...labels, level }, g.level === level ? 1 : 0);
    }
  }
  if (evaluatedAtMs !== undefined) {
    writeFamily(out, SLO_METRICS.LAST_EVALUATION, 'gauge', 'Time of the last SLO evaluation (Unix seconds).');
    writeSample(out, SLO_METRICS.LAST_EVALUATION, undefined, evaluatedAtMs / 1000);
  }
}
