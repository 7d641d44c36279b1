import type { GateAnswer, TimerHandle } from '@breakwater/protocol';
import { statusRoutes } from './act/status-page/routes.ts';
import { StatusModel } from './act/status-page/status-model.ts';
import { StatusStream } from './act/status-page/status-stream.ts';
import type { StatusSnapshot, StatusSources } from './act/status-page/types.ts';
import type { CollectorComponent, ComponentContext } from './component.ts';
import { writeFamily, writeSample } from './exposition/prometheus-text.ts';

export type {
  BudgetPoint,
  DependencyHealth,
  RecentAlert,
  SloView,
  StatusSnapshot,
  StatusSources,
} from './act/status-page/types.ts';

/** Tuning of the status component; the defaults suit a collector in production. */
export interface StatusComponentOptions {
  /** How often each SLO group's budget is sampled for the chart (default 10 s). */
  sampleIntervalMs?: number;
  /** Budget samples kept per SLO group (default 180: 30 minutes at 10 s). */
  historyCapacity?: number;
  /** SLO groups with a budget history (default 500); with more, the worst (as the page lists them). */
  historySeries?: number;
  /** Alerts listed besides the firing ones (default 50). */
  alertCapacity?: number;
  /** Gate decisions listed (default 20). */
  gateCapacity?: number;
  /** Least time between two snapshots sent to one viewer (default 1 s). */
  minIntervalMs?: number;
  /** How often sources are re-read while someone watches (default 1 s). */
  pollIntervalMs?: number;
  /** SSE heartbeat interval (default 15 s). */
  heartbeatMs?: number;
  /** Concurrent page viewers (default 64). */
  maxSubscribers?: number;
}

/** The status component, with hooks for the components that feed it. */
export interface StatusComponent extends CollectorComponent {
  /** Builds a snapshot now (what `GET /v1/status` returns). */
  snapshot(): Promise<StatusSnapshot>;
  /** Keeps a gate decision for the page (for a gate that does not keep its own history). */
  recordGateDecision(answer: GateAnswer): void;
  /** Tells viewers something changed (same as a source's `onChange` firing). */
  changed(): void;
  /** Page viewers connected now. */
  readonly viewers: number;
}

/**
 * The built-in status page (act stage): `GET /` serves a self-contained page (inline CSS and
 * script under a hash-pinned CSP, no external resources), which shows SLOs with budget charts,
 * dependency health, fleet signals, SDK breaker states, recent alerts and gate decisions, live
 * over `GET /v1/status/events` (a full snapshot, then deltas: the page asks for them, other
 * clients get full snapshots); `GET /v1/status` returns the same
 * snapshot as JSON. Both data
 * routes need the `admin` scope when auth is on; the page asks for a token.
 */
export function createStatusComponent(
  ctx: ComponentContext,
  sources: StatusSources,
  options: StatusComponentOptions = {},
): StatusComponent {
  const { clock } = ctx;
  const logger = ctx.logger.child({ component: 'status' });
  const alertmanager = (
    ctx.config as { alertmanager?: { levels?: boolean; labels?: Record<string, string> } }
  ).alertmanager;
  const model = new StatusModel({
    clock,
    logger,
    sources,
    historyCapacity: options.historyCapacity ?? 180,
    historySeries: options.historySeries ?? 500,
    alertCapacity: options.alertCapacity ?? 50,
    gateCapacity: options.gateCapacity ?? 20,
    alertOptions: { levels: alertmanager?.levels ?? true, extraLabels: alertmanager?.labels ?? {} },
  });
  const build = () => model.build();
  const stream = new StatusStream({
    clock,
    logger,
    build,
    minIntervalMs: options.minIntervalMs ?? 1_000,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    retryMs: 2_000,
    maxSubscribers: options.maxSubscribers ?? 64,
  });
  const sampleIntervalMs = options.sampleIntervalMs ?? 10_000;
  let timer: TimerHandle | undefined;
  let unsubscribe: (() => void) | undefined;
  let stopped = false;

  const sampleLoop = async (): Promise<void> => {
    timer = undefined;
    await model.sample();
    if (!stopped) timer = clock.setTimeout(() => void sampleLoop(), sampleIntervalMs);
  };

  return {
    name: 'status',
    routes: statusRoutes(build, stream),
    snapshot: build,
    recordGateDecision(answer) {
      model.recordGateDecision(answer);
      stream.changed();
    },
    changed() {
      stream.changed();
    },
    get viewers() {
      return stream.size;
    },
    writeMetrics(out) {
      writeFamily(
        out,
        'breakwater_status_viewers',
        'gauge',
        'Status page viewers connected to the live stream.',
      );
      writeSample(out, 'breakwater_status_viewers', undefined, stream.size);
      writeFamily(
        out,
        'breakwater_status_events_total',
        'counter',
        'Status events (full snapshots and deltas) sent to page viewers.',
      );
      writeSample(out, 'breakwater_status_events_total', undefined, stream.stats.events);
      writeFamily(
        out,
        'breakwater_status_viewers_refused_total',
        'counter',
        'Status page viewers refused with 503 because maxSubscribers were connected.',
      );
      writeSample(out, 'breakwater_status_viewers_refused_total', undefined, stream.stats.rejected);
      writeFamily(
        out,
        'breakwater_status_viewers_dropped_total',
        'counter',
        'Status page viewers disconnected for not reading what was sent (stalled for two heartbeats).',
      );
      writeSample(out, 'breakwater_status_viewers_dropped_total', undefined, stream.stats.dropped);
    },
    async start() {
      stopped = false;
      unsubscribe = sources.onChange?.(() => stream.changed());
      await sampleLoop();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
      stream.stop();
    },
  };
}
