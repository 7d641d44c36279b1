import { GATE_ALERT_LABELS, SLO_ALERT_LABELS } from '../act/alert-labels.ts';
import type { SloDefinition } from './slo/definition.ts';
import { dimensionLabel } from './slo/dimension-label.ts';

/** Which alerts carry each label the collector sets itself, for the message. */
function ownLabels(slos: readonly SloDefinition[]): Map<string, string> {
  const own = new Map<string, string>();
  const gate: readonly string[] = GATE_ALERT_LABELS;
  const slo: readonly string[] = SLO_ALERT_LABELS;
  for (const label of new Set([...slo, ...gate])) {
    const where =
      slo.includes(label) && gate.includes(label)
        ? 'every alert'
        : slo.includes(label)
          ? 'the SLO alerts'
          : 'the deployment gate alerts (BreakwaterDeploymentGate)';
    own.set(label, where);
  }
  for (const def of slos)
    for (const dim of def.groupBy) {
      const label = dimensionLabel(dim);
      if (!own.has(label)) own.set(label, `the alerts of SLO ${def.name} (groupBy ${dim})`);
    }
  return own;
}

/**
 * `alertmanager.labels` keys that name a label the collector sets itself on an alert it sends
 * (an SLO alert's or a deployment gate alert's own labels, and each SLO's group labels): the
 * collector's value would silently win.
 */
export function clashingAlertLabels(
  extraLabels: Readonly<Record<string, string>>,
  slos: readonly SloDefinition[],
): { key: string; message: string }[] {
  const own = ownLabels(slos);
  return Object.keys(extraLabels)
    .filter((key) => own.has(key))
    .map((key) => ({
      key,
      message: `the collector sets label "${key}" on ${own.get(key)} itself; give this one another name`,
    }));
}
