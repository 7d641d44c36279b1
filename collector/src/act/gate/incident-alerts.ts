import { type Clock, GATE_NO_DATA_CODES, type GateAnswer, type TimerHandle } from '@breakwater/protocol';
import type { DesiredAlert } from '../alerts.ts';
import { buildIncidentReport } from './report.ts';

/** `alertname` of deployment-gate incidents. */
export const GATE_ALERT_NAME = 'BreakwaterDeploymentGate';

/** The part of `AlertmanagerPusher` used here. */
export interface AlertSink {
  update(desired: readonly DesiredAlert[]): void;
}

/** Options of {@link GateIncidentAlerts}. */
export interface GateIncidentAlertsOptions {
  sink: AlertSink;
  clock: Clock;
  /** An incident keeps firing this long after the last answer that raised it. */
  ttlMs: number;
  traceUrlTemplate?: string;
  extraLabels?: Readonly<Record<string, string>>;
}

/** True when a HALT only means "not enough traffic yet": no incident for that. */
export function isNoDataHalt(answer: Pick<GateAnswer, 'decision' | 'reasons'>): boolean {
  if (answer.decision !== 'HALT') return false;
  return answer.reasons
    .filter((r) => r.decision === 'HALT')
    .every((r) => GATE_NO_DATA_CODES.includes(r.code as never));
}

/**
 * Incident alerts for gate answers: ROLLBACK raises a `page`, HALT (other than for missing data)
 * a `ticket`, per service × version. A PROCEED for the same service and version resolves it;
 * otherwise it expires `ttlMs` after the last answer that raised it (gate answers are pulled, so
 * nothing else would ever clear it). The pusher re-sends and resolves as usual.
 */
export class GateIncidentAlerts {
  private readonly options: GateIncidentAlertsOptions;
  private readonly incidents = new Map<string, { alert: DesiredAlert; expiresAt: number }>();
  private timer: TimerHandle | undefined;

  constructor(options: GateIncidentAlertsOptions) {
    this.options = options;
  }

  /** Updates the incidents from one answer. */
  record(answer: GateAnswer): void {
    const key = JSON.stringify([answer.service, answer.version]);
    if (answer.decision === 'PROCEED') {
      if (this.incidents.delete(key)) this.push();
      return;
    }
    if (isNoDataHalt(answer)) return;
    this.incidents.set(key, {
      alert: this.alertFor(answer),
      expiresAt: this.options.clock.now() + this.options.ttlMs,
    });
    this.push();
  }

  /** Incidents currently firing (tests). */
  get firing(): number {
    return this.incidents.size;
  }

  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private push(): void {
    const now = this.options.clock.now();
    for (const [key, incident] of this.incidents) if (incident.expiresAt <= now) this.incidents.delete(key);
    this.options.sink.update([...this.incidents.values()].map((i) => i.alert));
    this.stop();
    let next = Number.POSITIVE_INFINITY;
    for (const i of this.incidents.values()) next = Math.min(next, i.expiresAt);
    if (Number.isFinite(next))
      this.timer = this.options.clock.setTimeout(() => this.push(), Math.max(0, next - now));
  }

  private alertFor(answer: GateAnswer): DesiredAlert {
    const report = buildIncidentReport(
      answer,
      this.options.traceUrlTemplate === undefined ? {} : { traceUrlTemplate: this.options.traceUrlTemplate },
    );
    return {
      labels: {
        ...this.options.extraLabels,
        alertname: GATE_ALERT_NAME,
        service: answer.service,
        version: answer.version,
        decision: answer.decision,
        severity: answer.decision === 'ROLLBACK' ? 'page' : 'ticket',
      },
      annotations: {
        summary: report.summary,
        description: answer.reasons
          .filter((r) => r.decision !== undefined)
          .map((r) => `${r.code}: ${r.message}`)
          .join('; '),
        baseline: answer.baseline.join(', ') || 'none',
        budget_remaining:
          answer.slos.map((s) => `${s.slo}=${(s.budgetRemaining * 100).toFixed(2)}%`).join(' ') || 'n/a',
        top_error_categories:
          report.topErrorCategories.map((c) => `${c.category}=${c.count}`).join(', ') || 'none',
        failing_dependency: report.failingDependency?.dependency ?? 'unknown',
        example_trace_ids: report.exampleTraces.map((t) => t.url ?? t.traceId).join(' ') || 'none',
      },
    };
  }
}
