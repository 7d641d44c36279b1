/**
 * Labels the collector sets on the alerts it sends, per kind of alert. The alert builders and the
 * configuration check share these lists: an `alertmanager.labels` key that reuses one would be
 * overwritten by the collector's value, so the check refuses it, and a label a builder adds
 * without listing it here would slip past the check.
 */

/**
 * The SLO alerts' own labels (`BreakwaterErrorBudgetBurn`, `BreakwaterSloLevel`): the group's
 * `slo`, `tier` and `service`, and the alert's. Each SLO's `groupBy` labels come on top.
 */
export const SLO_ALERT_LABELS = ['alertname', 'severity', 'level', 'slo', 'tier', 'service'] as const;

/** The deployment gate's incident alerts' labels (`BreakwaterDeploymentGate`). */
export const GATE_ALERT_LABELS = ['alertname', 'severity', 'service', 'version', 'decision'] as const;

export type GateAlertLabel = (typeof GATE_ALERT_LABELS)[number];

/** What Alertmanager takes as a label name (Prometheus's rule), for labels users add. */
export const ALERT_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
