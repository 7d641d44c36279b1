import {
  type Clock,
  type GateAnswer,
  gateSloLabel,
  gateWaitsForData,
  type TimerHandle,
} from '@breakwater/protocol';
import type { GateAlertLabel } from '../alert-labels.ts';
import type { DesiredAlert } from '../alerts.ts';
import { covers, type IncidentScope, scopeOf, widen, withoutRemovedSlos } from './incident-scope.ts';
import type { IncidentStore } from './incident-store.ts';
import { buildIncidentReport, type IncidentReport } from './report.ts';

/** `alertname` of deployment-gate incidents. */
export const GATE_ALERT_NAME = 'BreakwaterDeploymentGate';

/**
 * Most incidents kept (and pushed) at once. A HALT for budget below the reserve needs no event of
 * the version itself, so every made-up version of such a service would raise one; beyond this the
 * least recently raised tickets go first, then pages (a page needs the version's own events).
 */
export const MAX_GATE_INCIDENTS = 1_000;

/** The part of `AlertmanagerPusher` used here. */
export interface AlertSink {
  update(desired: readonly DesiredAlert[]): void;
}

/** One firing incident. */
interface Incident {
  /** The alert's own labels (`extraLabels` are added when pushed). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When it stops firing, on the monotonic clock (a wall-clock step must not stretch a page). */
  expiresAt: number;
  /** What raised it; `undefined` for one restored from an older collector's file. */
  scope: IncidentScope | undefined;
}

/** Options of {@link GateIncidentAlerts}. */
export interface GateIncidentAlertsOptions {
  sink: AlertSink;
  clock: Clock;
  /** An incident keeps firing this long after the last answer that raised it. */
  ttlMs: number;
  traceUrlTemplate?: string;
  extraLabels?: Readonly<Record<string, string>>;
  /** Keeps incidents across restarts (see {@link GateIncidentAlerts.restore}); none: memory only. */
  store?: IncidentStore;
  /** Default {@link MAX_GATE_INCIDENTS}. */
  maxIncidents?: number;
}

/**
 * The labels of a gate incident alert, raised by the collector or posted by `breakwater gate`.
 * Typed by {@link GateAlertLabel}, so a label added here must be listed there too, where the
 * configuration check reads it.
 */
export function gateAlertLabels(
  answer: Pick<GateAnswer, 'service' | 'version' | 'decision'>,
): Record<GateAlertLabel, string> {
  return {
    alertname: GATE_ALERT_NAME,
    service: answer.service,
    version: answer.version,
    decision: answer.decision,
    severity: answer.decision === 'ROLLBACK' ? 'page' : 'ticket',
  };
}

/**
 * Incident alerts for gate answers: ROLLBACK raises a `page`, HALT (other than for missing data)
 * a `ticket`, per service × version. A PROCEED for the same service and version resolves it if
 * it judged at least the SLOs that raised it, against the same baseline ({@link covers}): anyone
 * who may ask the gate could otherwise silence a page by asking a narrower question (`slo=` an
 * SLO that passes). Likewise a narrower HALT does not turn a page into a ticket, and a narrower
 * answer raising it again widens what a PROCEED must judge. Otherwise an incident expires
 * `ttlMs` after the last answer that raised it (gate answers are pulled, so nothing else would
 * ever clear it). The pusher re-sends and resolves as usual.
 *
 * With a `store`, {@link restore} (call it once at start) brings unexpired incidents back after a
 * restart, and every change from then on is saved. Without it nothing would re-send them after a
 * restart, and Alertmanager would resolve a page after its `resolve_timeout`, long before `ttlMs`.
 */
export class GateIncidentAlerts {
  private readonly options: GateIncidentAlertsOptions;
  private readonly incidents = new Map<string, Incident>();
  private timer: TimerHandle | undefined;
  private droppedCount = 0;
  /** Saves wait for {@link restore}: one before it would overwrite what it is about to load. */
  private restored = false;

  constructor(options: GateIncidentAlertsOptions) {
    this.options = options;
  }

  /** Updates the incidents from one answer. */
  record(answer: GateAnswer): void {
    const key = JSON.stringify([answer.service, answer.version]);
    const existing = this.incidents.get(key);
    if (answer.decision === 'PROCEED') {
      if (existing !== undefined && covers(answer, existing.scope)) {
        this.incidents.delete(key);
        this.push();
      }
      return;
    }
    if (gateWaitsForData(answer)) return;
    let scope: IncidentScope | undefined = scopeOf(answer);
    if (existing !== undefined && !covers(answer, existing.scope)) {
      // A narrower question: it may raise the incident again, never lower or narrow it.
      if (answer.decision === 'HALT' && existing.labels.severity === 'page') return;
      scope = existing.scope === undefined ? undefined : widen(existing.scope, answer);
    }
    // Re-inserted, so the map's order is the order of the last answers (eviction takes the oldest).
    this.incidents.delete(key);
    this.incidents.set(key, {
      ...this.alertFor(answer),
      expiresAt: this.options.clock.monotonic() + this.options.ttlMs,
      scope,
    });
    this.push();
  }

  /**
   * Loads the stored incidents that have not expired and pushes them again. One recorded since
   * start wins over its stored copy; none fires longer than `ttlMs` from now (the TTL may have
   * been shortened meanwhile). With `sloNames` (the SLOs configured now), an incident's scope
   * loses the SLOs no longer configured: no answer judges those, so an SLO renamed or removed
   * meanwhile would leave a PROCEED unable to resolve it (see {@link withoutRemovedSlos}).
   */
  async restore(sloNames?: ReadonlySet<string>): Promise<void> {
    const { store, clock, ttlMs } = this.options;
    if (store === undefined) return;
    const stored = await store.load();
    this.restored = true;
    // The file holds wall-clock expiries: the time each has left is read against the wall clock
    // once, here, and then timed on the monotonic clock.
    const now = clock.now();
    const mono = clock.monotonic();
    for (const { key, expiresAt, scope, labels, annotations } of stored) {
      if (expiresAt <= now || this.incidents.has(key)) continue;
      const left = Math.min(expiresAt - now, ttlMs);
      const kept = sloNames === undefined ? scope : withoutRemovedSlos(scope, sloNames);
      this.incidents.set(key, { labels, annotations, expiresAt: mono + left, scope: kept });
    }
    // Also when all had expired (the save drops them) or some were raised meanwhile (never saved).
    if (stored.length > 0 || this.incidents.size > 0) this.push();
  }

  /**
   * The incident alerts firing now, as pushed (with `extraLabels`), least recently raised first.
   * Read by the status page, which lists them with the SLO alerts.
   */
  firingAlerts(): DesiredAlert[] {
    const now = this.options.clock.monotonic();
    const out: DesiredAlert[] = [];
    for (const incident of this.incidents.values()) {
      if (incident.expiresAt > now) out.push(this.pushed(incident));
    }
    return out;
  }

  /** Incidents currently firing. */
  get firing(): number {
    return this.incidents.size;
  }

  /** Incidents dropped since start because the most (`maxIncidents`) were firing. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Stops the expiry timer and waits for the last save; stored incidents stay for the next start. */
  async stop(): Promise<void> {
    this.clearTimer();
    await this.options.store?.flush();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private push(): void {
    const now = this.options.clock.monotonic();
    for (const [key, incident] of this.incidents) if (incident.expiresAt <= now) this.incidents.delete(key);
    this.evict();
    this.options.sink.update([...this.incidents.values()].map((i) => this.pushed(i)));
    if (this.restored) this.save(now);
    this.clearTimer();
    let next = Number.POSITIVE_INFINITY;
    for (const i of this.incidents.values()) next = Math.min(next, i.expiresAt);
    if (Number.isFinite(next))
      this.timer = this.options.clock.setTimeout(() => this.push(), Math.max(0, next - now));
  }

  /** The alert pushed for `incident`: its own labels over `extraLabels`. */
  private pushed(incident: Incident): DesiredAlert {
    return { labels: { ...this.options.extraLabels, ...incident.labels }, annotations: incident.annotations };
  }

  /** Saves the incidents, with wall-clock expiries (as of now) for the next start. */
  private save(monoNow: number): void {
    const wallNow = this.options.clock.now();
    this.options.store?.save(
      [...this.incidents].map(([key, { labels, annotations, expiresAt, scope }]) => ({
        key,
        labels,
        annotations,
        expiresAt: wallNow + (expiresAt - monoNow),
        ...(scope === undefined ? {} : { scope }),
      })),
    );
  }

  /** Drops incidents beyond the cap: the oldest ticket, else the oldest page. */
  private evict(): void {
    const max = this.options.maxIncidents ?? MAX_GATE_INCIDENTS;
    while (this.incidents.size > max) {
      let victim: string | undefined;
      for (const [key, incident] of this.incidents) {
        if (incident.labels.severity !== 'page') {
          victim = key;
          break;
        }
      }
      this.incidents.delete(victim ?? (this.incidents.keys().next().value as string));
      this.droppedCount++;
    }
  }

  /** The incident's alert, without `extraLabels` (added when pushed). */
  private alertFor(answer: GateAnswer): DesiredAlert {
    const report = buildIncidentReport(
      answer,
      this.options.traceUrlTemplate === undefined ? {} : { traceUrlTemplate: this.options.traceUrlTemplate },
    );
    return { labels: gateAlertLabels(answer), annotations: gateIncidentAnnotations(report) };
  }
}

/**
 * The annotations of an incident alert: the collector's, and those `breakwater gate
 * --alertmanager-url` posts (the same alert, so Alertmanager shows the same whoever sent it).
 */
export function gateIncidentAnnotations(report: IncidentReport): Record<string, string> {
  return {
    summary: report.summary,
    description: report.reasons
      .filter((r) => r.decision !== undefined)
      .map((r) => `${r.code}: ${r.message}`)
      .join('; '),
    baseline: report.baseline.join(', ') || 'none',
    budget_remaining:
      report.slos
        .map((s) => `${gateSloLabel(s.slo, s.operation)}=${(s.budgetRemaining * 100).toFixed(2)}%`)
        .join(' ') || 'n/a',
    top_error_categories:
      report.topErrorCategories.map((c) => `${c.category}=${c.count}`).join(', ') || 'none',
    failing_dependency: report.failingDependency?.dependency ?? 'unknown',
    example_trace_ids: report.exampleTraces.map((t) => t.url ?? t.traceId).join(' ') || 'none',
  };
}
