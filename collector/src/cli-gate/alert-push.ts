import type { Clock } from '@breakwater/protocol';
import { AlertmanagerPusher } from '../act/alertmanager.ts';
import { gateAlertLabels, gateIncidentAnnotations } from '../act/gate/incident-alerts.ts';
import type { IncidentReport } from '../act/gate/report.ts';
import type { Logger } from '../component.ts';

/** Where {@link postIncidentAlert} posts: an Alertmanager base URL and the headers it needs. */
export interface AlertTarget {
  url: string;
  /** Extra request headers (e.g. `authorization` for an authenticating proxy). */
  headers: Readonly<Record<string, string>>;
  /** Extra labels on the alert, under its own (as the collector adds `alertmanager.labels`). */
  labels: Readonly<Record<string, string>>;
}

/**
 * Posts one incident to Alertmanager with the SLO engine's pusher and waits for the delivery
 * attempt. No `endsAt`: Alertmanager resolves it after its `resolve_timeout`. Resolves with the
 * error text when the delivery failed (the gate's exit code does not depend on it).
 */
export async function postIncidentAlert(
  target: AlertTarget,
  report: IncidentReport,
  clock: Clock,
  logger: Logger,
): Promise<string | undefined> {
  const pusher = new AlertmanagerPusher({
    url: target.url,
    headers: target.headers,
    clock,
    logger,
    timeoutMs: 10_000,
  });
  pusher.update([
    {
      labels: { ...target.labels, ...gateAlertLabels(report) },
      annotations: {
        ...gateIncidentAnnotations(report),
        ...(report.rollback === null
          ? {}
          : { rollback_latency_seconds: (report.rollback.latencyMs / 1000).toFixed(1) }),
        ...(report.recovery === null ? {} : { recovered: String(report.recovery.recovered) }),
      },
    },
  ]);
  await pusher.idle();
  const stats = pusher.stats;
  await pusher.stop();
  return stats.deliveries > 0 ? undefined : (stats.lastError ?? 'not delivered');
}
