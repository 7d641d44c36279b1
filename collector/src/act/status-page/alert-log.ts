import type { SloStatus } from '@breakwater/protocol';
import { type DesiredAlert, type DesiredAlertsOptions, desiredAlerts } from '../alerts.ts';
import type { RecentAlert } from './types.ts';

interface Entry {
  alert: RecentAlert;
}

/**
 * Recent alerts derived from successive SLO statuses with the same rules the collector uses for
 * Alertmanager ({@link desiredAlerts}), plus other alerts the collector raises (the gate's
 * incidents): an alert appears when it starts firing and stays listed as resolved once it stops,
 * until `capacity` newer entries push it out. Firing alerts are never pushed out by resolved ones.
 */
export class AlertLog {
  private readonly capacity: number;
  private readonly options: DesiredAlertsOptions;
  private readonly entries = new Map<string, Entry>();

  constructor(capacity: number, options: DesiredAlertsOptions) {
    this.capacity = capacity;
    this.options = options;
  }

  /** Folds in the alerts that fire for `statuses` at `nowMs`, and the `others` firing then. */
  update(statuses: readonly SloStatus[], nowMs: number, others: readonly DesiredAlert[] = []): void {
    const firing = new Set<string>();
    for (const desired of [...desiredAlerts(statuses, this.options), ...others]) {
      const key = alertKey(desired.labels);
      firing.add(key);
      const existing = this.entries.get(key);
      const summary = desired.annotations.summary ?? '';
      if (existing !== undefined && existing.alert.state === 'firing') {
        existing.alert.summary = summary;
        continue;
      }
      // New, or firing again after it resolved: a fresh entry at the end (newest).
      this.entries.delete(key);
      this.entries.set(key, {
        alert: {
          name: desired.labels.alertname ?? 'alert',
          severity: desired.labels.severity ?? '',
          state: 'firing',
          labels: { ...desired.labels },
          summary,
          startsAt: nowMs,
        },
      });
    }
    for (const [key, entry] of this.entries) {
      if (entry.alert.state === 'firing' && !firing.has(key)) {
        entry.alert.state = 'resolved';
        entry.alert.endsAt = nowMs;
        // Move to the end: it changed most recently.
        this.entries.delete(key);
        this.entries.set(key, entry);
      }
    }
    let excess = this.entries.size - this.capacity;
    for (const [key, entry] of this.entries) {
      if (excess <= 0) break;
      if (entry.alert.state === 'resolved') {
        this.entries.delete(key);
        excess--;
      }
    }
  }

  /** Firing alerts first (newest first), then resolved ones (most recently resolved first). */
  list(): RecentAlert[] {
    const all = [...this.entries.values()].map((e) => ({ ...e.alert, labels: { ...e.alert.labels } }));
    const firing = all.filter((a) => a.state === 'firing').sort((a, b) => b.startsAt - a.startsAt);
    const resolved = all
      .filter((a) => a.state === 'resolved')
      .sort((a, b) => (b.endsAt ?? 0) - (a.endsAt ?? 0));
    return [...firing, ...resolved];
  }
}

function alertKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
