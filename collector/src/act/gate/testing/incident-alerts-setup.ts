import { ManualClock } from '@breakwater/protocol';
import type { DesiredAlert } from '../../alerts.ts';
import { GateIncidentAlerts, type GateIncidentAlertsOptions } from '../incident-alerts.ts';

/** The TTL the gate incident tests give their alerts. */
export const INCIDENT_TTL_MS = 30 * 60_000;

/**
 * Gate incident alerts on a manual clock with a 30-minute TTL, pushing to a recording sink:
 * `pushed` has every update, `latest()` the alerts desired now.
 */
export function incidentAlertsSetup(
  options: Partial<Omit<GateIncidentAlertsOptions, 'sink' | 'clock'>> = {},
) {
  const clock = new ManualClock();
  const pushed: DesiredAlert[][] = [];
  const alerts = new GateIncidentAlerts({
    sink: { update: (desired) => pushed.push([...desired]) },
    clock,
    ttlMs: INCIDENT_TTL_MS,
    ...options,
  });
  const latest = (): DesiredAlert[] => pushed.at(-1) ?? [];
  return { clock, alerts, pushed, latest };
}
