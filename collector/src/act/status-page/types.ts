import type {
  ActiveSignals,
  BreakerSignal,
  GateAnswer,
  OverrideState,
  SloGroupStatus,
  SloStatus,
} from '@breakwater/protocol';
import type { FleetBreakerState } from '../../breaker-states/breaker-state-table.ts';
import type { DependencyView } from '../../evaluate/fleet/fleet-breaker.ts';
import type { DesiredAlert } from '../alerts.ts';

export type { DependencyView, FleetBreakerState };

/** A value a provider may return directly or as a promise. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * An alert as the status page lists it: firing now, or resolved a little while ago.
 * Derived from the SLO statuses (the same alerts the collector pushes to Alertmanager) unless a
 * source provides its own list.
 */
export interface RecentAlert {
  /** `alertname` label, e.g. `BreakwaterErrorBudgetBurn`. */
  name: string;
  /** `page` or `ticket`. */
  severity: string;
  state: 'firing' | 'resolved';
  /** Every label of the alert (slo, tier, service, …). */
  labels: Record<string, string>;
  /** One sentence for people. */
  summary: string;
  /** When it started firing, epoch ms (collector clock). */
  startsAt: number;
  /** When it stopped firing; absent while firing. */
  endsAt?: number;
}

/**
 * Where the status page gets its data. Every provider is optional: a section without one is
 * shown as "not available on this collector". Providers are called when a snapshot is built (at
 * most once a second while someone watches, plus every history sample), so they must be cheap
 * reads of state the components already keep. A provider that throws blanks only its section.
 */
export interface StatusSources {
  /** Current SLO statuses (e.g. the SLO engine's last evaluation). */
  slos?(): MaybePromise<readonly SloStatus[]>;
  /** Breaker signals in force now (the fleet component's hub snapshot). */
  signals?(): ActiveSignals | readonly BreakerSignal[];
  /** Every dependency the fleet breaker tracks, with its window statistics. */
  dependencies?(): readonly DependencyView[];
  /** Latest breaker state reported by every SDK instance. */
  breakerStates?(): readonly FleetBreakerState[];
  /** Recent alerts; when absent they are derived from {@link slos} and {@link gateIncidents}. */
  alerts?(): readonly RecentAlert[];
  /**
   * The gate's incident alerts firing now (ROLLBACK pages, HALT tickets): listed with the SLO
   * alerts, so a rollback stays on the page while it pages, however many decisions followed.
   */
  gateIncidents?(): readonly DesiredAlert[];
  /** Recent gate decisions, newest first (merged with those given to `recordGateDecision`). */
  gateDecisions?(): readonly GateAnswer[];
  /**
   * Subscribes to "something changed" notifications (e.g. a signal issued), so viewers see it
   * at once instead of at the next poll. Returns the unsubscribe function.
   */
  onChange?(listener: () => void): () => void;
}

/** One window of a dependency's health, as the page shows it. */
export interface DependencyWindowView {
  /** Window length, e.g. `"10s"`. */
  window: string;
  calls: number;
  failures: number;
  /** failures / calls, 0..1 (0 without calls). */
  ratio: number;
  failingInstances: number;
  reportingInstances: number;
  topErrorTypes: { type: string; count: number }[];
}

/** A dependency tracked by the fleet breaker. */
export interface DependencyHealth {
  dependency: string;
  /** Set when the dependency is judged per service. */
  service?: string;
  state: OverrideState;
  /** Fraction admitted while ramping. */
  allow?: number;
  windows: DependencyWindowView[];
}

/**
 * One point of an SLO group's budget history: `[epoch ms, budget remaining]`. The time is the
 * collector's wall time at start advanced by its monotonic clock, so it does not step with the
 * wall clock (it may differ from `StatusSnapshot.now` by as much as the clock stepped).
 */
export type BudgetPoint = [number, number];

/** An SLO group with its recent budget history. */
export interface SloGroupView extends SloGroupStatus {
  /** Budget-remaining samples, oldest first (kept for the summed groups only, else empty). */
  budgetHistory: BudgetPoint[];
}

/** An SLO as the status page shows it. */
export interface SloView extends Omit<SloStatus, 'groups'> {
  groups: SloGroupView[];
}

/** Names of the page's sections, in the order they are shown. */
export const STATUS_SECTIONS = [
  'signals',
  'slos',
  'dependencies',
  'breakerStates',
  'alerts',
  'gateDecisions',
] as const;
export type StatusSection = (typeof STATUS_SECTIONS)[number];

/** Body of `GET /v1/status` and the data of every `status` event on `GET /v1/status/events`. */
export interface StatusSnapshot {
  /** Collector time of the snapshot, epoch ms. */
  now: number;
  /** Which sections have a source on this collector. */
  available: Record<StatusSection, boolean>;
  /** Sections whose source failed this time, with the error message. */
  errors: Partial<Record<StatusSection, string>>;
  slos: SloView[];
  /**
   * Signals in force, as the source handed them out: `issuedAt` as issued (wall time, for
   * reading), `ttlMs` the time each has left, so it expires at about `now + ttlMs`.
   */
  signals: BreakerSignal[];
  dependencies: DependencyHealth[];
  breakerStates: FleetBreakerState[];
  alerts: RecentAlert[];
  gateDecisions: GateAnswer[];
}
