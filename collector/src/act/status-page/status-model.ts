import {
  type BreakerSignal,
  type Clock,
  formatDuration,
  type GateAnswer,
  type SloStatus,
} from '@breakwater/protocol';
import type { Logger } from '../../component.ts';
import type { DesiredAlert, DesiredAlertsOptions } from '../alerts.ts';
import { AlertLog } from './alert-log.ts';
import { BudgetHistory, budgetKey } from './budget-history.ts';
import {
  type DependencyHealth,
  type DependencyView,
  type RecentAlert,
  type SloView,
  STATUS_SECTIONS,
  type StatusSection,
  type StatusSnapshot,
  type StatusSources,
} from './types.ts';

/** Sizes and inputs of a {@link StatusModel}. */
export interface StatusModelOptions {
  clock: Clock;
  logger: Logger;
  sources: StatusSources;
  /** Budget samples kept per SLO group. */
  historyCapacity: number;
  /** SLO groups with a budget history. */
  historySeries: number;
  /** Alerts listed (firing ones always are). */
  alertCapacity: number;
  /** Gate decisions listed. */
  gateCapacity: number;
  /** How SLO statuses turn into alerts (the `alertmanager:` settings). */
  alertOptions: DesiredAlertsOptions;
}

const STATE_ORDER: Record<string, number> = { open: 0, half_open: 1, closed: 2 };

/**
 * What the status page shows, assembled from the sources on demand, plus the little state the
 * page needs that no other component keeps: budget history per SLO group, the recent-alert log
 * and (optionally) gate decisions handed in by the gate.
 */
export class StatusModel {
  private readonly options: StatusModelOptions;
  private readonly history: BudgetHistory;
  private readonly alertLog: AlertLog;
  private readonly gateLog: GateAnswer[] = [];
  /** Last failure message per section, so a failing source is logged once, not every second. */
  private readonly lastErrors = new Map<StatusSection, string>();
  /** Wall time at construction minus monotonic time: the budget history's time base. */
  private readonly historyOffset: number;

  constructor(options: StatusModelOptions) {
    this.options = options;
    this.historyOffset = options.clock.now() - options.clock.monotonic();
    this.history = new BudgetHistory({ capacity: options.historyCapacity, maxSeries: options.historySeries });
    this.alertLog = new AlertLog(options.alertCapacity, options.alertOptions);
  }

  /** Takes one budget sample of every SLO group (called on the sampling interval). */
  async sample(): Promise<void> {
    const slos = this.options.sources.slos;
    if (slos === undefined) return;
    try {
      const statuses = await slos();
      this.history.sample(statuses, this.historyNow());
      const incidents = this.gateIncidents();
      if (incidents !== undefined) this.alertLog.update(statuses, this.options.clock.now(), incidents);
      this.lastErrors.delete('slos');
    } catch (error) {
      this.failed('slos', error);
    }
  }

  /** Keeps a gate decision for the page (newest first, bounded). */
  recordGateDecision(answer: GateAnswer): void {
    this.gateLog.unshift(answer);
    if (this.gateLog.length > this.options.gateCapacity) this.gateLog.length = this.options.gateCapacity;
  }

  /** A full snapshot of every section. */
  async build(): Promise<StatusSnapshot> {
    const { sources } = this.options;
    const errors: StatusSnapshot['errors'] = {};
    const available = Object.fromEntries(
      STATUS_SECTIONS.map((s) => [s, false]),
    ) as StatusSnapshot['available'];
    available.slos = sources.slos !== undefined;
    available.signals = sources.signals !== undefined;
    available.dependencies = sources.dependencies !== undefined;
    available.breakerStates = sources.breakerStates !== undefined;
    available.alerts =
      sources.alerts !== undefined || sources.slos !== undefined || sources.gateIncidents !== undefined;
    available.gateDecisions = true;

    const read = async <T>(
      section: StatusSection,
      fn: (() => T | Promise<T>) | undefined,
      empty: T,
    ): Promise<T> => {
      if (fn === undefined) return empty;
      try {
        const value = await fn();
        this.lastErrors.delete(section);
        return value;
      } catch (error) {
        errors[section] = this.failed(section, error);
        return empty;
      }
    };

    const statuses = await read<readonly SloStatus[]>('slos', sources.slos, []);
    const now = this.options.clock.now();
    if (sources.alerts === undefined && errors.slos === undefined) {
      const incidents = this.gateIncidents(errors);
      if (incidents !== undefined) this.alertLog.update(statuses, now, incidents);
    }
    const rawSignals = await read('signals', sources.signals, [] as readonly BreakerSignal[]);
    const dependencies = await read('dependencies', sources.dependencies, []);
    const breakerStates = await read('breakerStates', sources.breakerStates, []);
    const alerts =
      sources.alerts === undefined
        ? this.alertLog.list()
        : await read<readonly RecentAlert[]>('alerts', sources.alerts, []);
    const gate = await read('gateDecisions', sources.gateDecisions, []);

    return {
      now,
      available,
      errors,
      slos: statuses.map((slo) => this.sloView(slo)),
      signals: activeSignals(rawSignals),
      dependencies: dependencies.map(dependencyHealth).sort(byStateThenName),
      breakerStates: breakerStates.map((s) => ({ ...s })),
      alerts: alerts.map((a) => ({ ...a, labels: { ...a.labels } })),
      gateDecisions: mergeGate(gate, this.gateLog, this.options.gateCapacity),
    };
  }

  /**
   * The gate's firing incidents, for the alert log; undefined should the source fail (logged
   * once, and put in `errors`). The log then stays as it was: without the incidents it would mark
   * them resolved.
   */
  private gateIncidents(errors?: StatusSnapshot['errors']): readonly DesiredAlert[] | undefined {
    const source = this.options.sources.gateIncidents;
    if (source === undefined) return [];
    try {
      const incidents = source();
      this.lastErrors.delete('alerts');
      return incidents;
    } catch (error) {
      const message = this.failed('alerts', error);
      if (errors !== undefined) errors.alerts = message;
      return undefined;
    }
  }

  /**
   * The time budget samples are keyed on: wall time as of construction advanced by the monotonic
   * clock. A step of the wall clock moves it not at all, so after a step back new samples are still
   * added (not written over the last one for as long as the step) and the chart's spacing stays
   * true; the page only draws the points against one another.
   */
  private historyNow(): number {
    return this.historyOffset + this.options.clock.monotonic();
  }

  private sloView(slo: SloStatus): SloView {
    return {
      ...slo,
      groups: slo.groups.map((group) => ({
        ...group,
        budgetHistory: group.version === undefined ? this.history.get(budgetKey(slo.name, group)) : [],
      })),
    };
  }

  private failed(section: StatusSection, error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    if (this.lastErrors.get(section) !== message) {
      this.lastErrors.set(section, message);
      this.options.logger.warn({ err: error, section }, 'status source failed');
    }
    return message;
  }
}

/**
 * The signals a source hands out, as it hands them out: `ttlMs` is the time each has left (the
 * fleet breaker cuts it on the monotonic clock), so one is in force while that is positive.
 * `issuedAt` is wall time and only informational; comparing it with the wall clock would hide
 * every active signal after the clock stepped forward by more than its TTL.
 */
function activeSignals(input: unknown): BreakerSignal[] {
  const list = (
    Array.isArray(input) ? input : ((input as { signals?: BreakerSignal[] }).signals ?? [])
  ) as BreakerSignal[];
  return list
    .filter((s) => s.ttlMs > 0)
    .map((s) => ({ ...s }))
    .sort(byStateThenName);
}

function dependencyHealth(view: DependencyView): DependencyHealth {
  return {
    dependency: view.dependency,
    ...(view.service === undefined ? {} : { service: view.service }),
    state: view.state,
    ...(view.allow === undefined ? {} : { allow: view.allow }),
    windows: view.windows.map((w) => ({
      window: formatDuration(w.durationMs),
      calls: w.stats.calls,
      failures: w.stats.failures,
      ratio: w.stats.ratio,
      failingInstances: w.stats.failingInstances,
      reportingInstances: w.stats.reportingInstances,
      topErrorTypes: w.stats.topErrorTypes.map((t) => ({ ...t })),
    })),
  };
}

function byStateThenName(
  a: { state: string; dependency: string; service?: string | undefined },
  b: { state: string; dependency: string; service?: string | undefined },
): number {
  return (
    (STATE_ORDER[a.state] ?? 3) - (STATE_ORDER[b.state] ?? 3) ||
    a.dependency.localeCompare(b.dependency) ||
    (a.service ?? '').localeCompare(b.service ?? '')
  );
}

function mergeGate(
  fromSource: readonly GateAnswer[],
  recorded: readonly GateAnswer[],
  capacity: number,
): GateAnswer[] {
  const seen = new Set<string>();
  const out: GateAnswer[] = [];
  for (const answer of [...fromSource, ...recorded].sort((a, b) => b.evaluatedAt - a.evaluatedAt)) {
    const key = `${answer.service}\u0000${answer.version}\u0000${answer.evaluatedAt}\u0000${answer.decision}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(answer);
    if (out.length >= capacity) break;
  }
  return out;
}
