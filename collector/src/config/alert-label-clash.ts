import { ALERT_LABEL_NAMES } from '../act/alerts.ts';
import type { SloDefinition } from './slo/definition.ts';
import { dimensionLabel } from './slo/dimension-label.ts';

/**
 * `alertmanager.labels` keys that name a label the collector sets on its alerts itself (the
 * alert's own labels, and each SLO's group labels): the collector's value would silently win.
 */
export function clashingAlertLabels(
  extraLabels: Readonly<Record<string, string>>,
  slos: readonly SloDefinition[],
): { key: string; message: string }[] {
  const own = new Map<string, string>(ALERT_LABEL_NAMES.map((name) => [name, 'every alert']));
  for (const slo of slos)
    for (const dim of slo.groupBy) {
      const label = dimensionLabel(dim);
      if (!own.has(label)) own.set(label, `the alerts of SLO ${slo.name} (groupBy ${dim})`);
    }
  return Object.keys(extraLabels)
    .filter((key) => own.has(key))
    .map((key) => ({
      key,
      message: `the collector sets label "${key}" on ${own.get(key)} itself; give this one another name`,
    }));
}
