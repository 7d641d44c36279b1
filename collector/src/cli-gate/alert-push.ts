import type { Clock } from '@breakwater/protocol';
import { AlertmanagerPusher } from '../act/alertmanager.ts';
import type { DesiredAlert } from '../act/alerts.ts';
import { gateAlertLabels, gateIncidentAnnotations } from '../act/gate/incident-alerts.ts';
import type { IncidentReport } from '../act/gate/report.ts';
import { silentLogger } from '../silent-logger.ts';
import { sleep } from './poll.ts';

/** Where {@link postIncidentAlert} posts: an Alertmanager base URL and the headers it needs. */
export interface AlertTarget {
  url: string;
  /** Extra request headers (e.g. `authorization` for an authenticating proxy). */
  headers: Readonly<Record<string, string>>;
  /** Extra labels on the alert, under its own (as the collector adds `alertmanager.labels`). */
  labels: Readonly<Record<string, string>>;
  /** Per-request timeout. */
  timeoutMs: number;
}

/**
 * Pauses before the second and third post after a failure (network, timeout, 5xx, 408, 429): the
 * page must outlast an Alertmanager restarting, and the CLI has no later run to send it again.
 */
export const ALERT_RETRY_DELAYS_MS = [1_000, 3_000] as const;

/**
 * Posts one incident to Alertmanager with the SLO engine's pusher, again after a failure (see
 * {@link ALERT_RETRY_DELAYS_MS}) but not after a refusal (another 4xx: it would be refused again).
 * No `endsAt`: Alertmanager resolves it after its `resolve_timeout`. Calls `onRetry` before each
 * retry; resolves with the last error text when it was not delivered (the gate's exit code does not
 * depend on it).
 */
export async function postIncidentAlert(
  target: AlertTarget,
  report: IncidentReport,
  clock: Clock,
  onRetry: (error: string, delayMs: number) => void,
): Promise<string | undefined> {
  const alert: DesiredAlert = {
    labels: { ...target.labels, ...gateAlertLabels(report) },
    annotations: {
      ...gateIncidentAnnotations(report),
      ...(report.rollback === null
        ? {}
        : { rollback_latency_seconds: (report.rollback.latencyMs / 1000).toFixed(1) }),
      ...(report.recovery === null ? {} : { recovered: String(report.recovery.recovered) }),
    },
  };
  for (let attempt = 0; ; attempt++) {
    const outcome = await postOnce(target, alert, clock);
    if (outcome.error === undefined) return undefined;
    const delayMs = ALERT_RETRY_DELAYS_MS[attempt];
    if (outcome.refused || delayMs === undefined) return outcome.error;
    onRetry(outcome.error, delayMs);
    await sleep(clock, delayMs);
  }
}

/** One delivery attempt: the error text unless delivered, and whether Alertmanager refused it. */
async function postOnce(
  target: AlertTarget,
  alert: DesiredAlert,
  clock: Clock,
): Promise<{ error: string | undefined; refused: boolean }> {
  const pusher = new AlertmanagerPusher({
    url: target.url,
    headers: target.headers,
    clock,
    // Its own lines would promise retries it never makes here: each attempt is said by the caller.
    logger: silentLogger,
    timeoutMs: target.timeoutMs,
  });
  pusher.update([alert]);
  await pusher.idle();
  const stats = pusher.stats;
  // Stopped before its own retry fires: the next attempt is this function's.
  await pusher.stop();
  if (stats.deliveries > 0) return { error: undefined, refused: false };
  return { error: stats.lastError ?? 'not delivered', refused: stats.rejections > 0 };
}
