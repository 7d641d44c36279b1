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

/**
 * Body of `GET /v1/status` and the data of every `status` event on `GET /v1/status/events`
 * (`status-delta` events, sent to a client that asks for them with `?deltas=1`, carry a
 * {@link StatusDelta} to it instead).
 */
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

/**
 * How one list of the snapshot became the next: rows are matched by identity (an SLO by name,
 * an SLO group by service, labels and version, a signal by dependency and service, ...) and
 * addressed by their place in the list the viewer holds, so a client needs no key of its own.
 */
export interface StatusListDelta {
  /**
   * The new list in order, present when rows were added, removed, moved or sent again whole:
   * `[start, count]` takes `count` rows of the previous list from index `start`; an object is a
   * row as it is now (a new one, or one whose set of fields changed). Absent: same rows, same order.
   */
  rows?: (readonly [number, number] | object)[];
  /** Rows changed in place, by their index in the new list (after `rows`). */
  patch?: StatusRowPatch[];
}

/** What changed in one row that stayed. */
export interface StatusRowPatch {
  /** Index of the row in the new list. */
  i: number;
  /** Fields whose value changed, each whole. */
  set?: Record<string, unknown>;
  /**
   * Point series that moved on (a group's `budgetHistory`): `[drop, points]` drops the first
   * `drop` points and appends `points`.
   */
  tail?: Record<string, readonly [number, readonly unknown[]]>;
  /** Nested lists that changed (an SLO's `groups`). */
  lists?: Record<string, StatusListDelta>;
}

/**
 * Data of a `status-delta` event on `GET /v1/status/events`: what turns the snapshot of the
 * event `from` (the SSE `id` of the last `status` or `status-delta` event) into this event's.
 * Applied to any other snapshot it is wrong: a client holding another one must reconnect, and
 * gets a full snapshot first.
 */
export interface StatusDelta {
  /** SSE id of the event this one follows. */
  from: string;
  /** Collector time of the new snapshot, epoch ms. */
  now: number;
  /** Other top-level fields (`available`, `errors`) that changed, each whole. */
  set?: Partial<StatusSnapshot>;
  /** Sections whose rows changed. */
  lists?: Partial<Record<StatusSection, StatusListDelta>>;
}
