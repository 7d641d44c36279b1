import type { GateAnswer } from '@breakwater/protocol';
import { alertmanagerPusherFrom, type PusherStats } from './act/alertmanager.ts';
import type { DesiredAlert } from './act/alerts.ts';
import { type AlertSink, GateIncidentAlerts } from './act/gate/incident-alerts.ts';
import { FileIncidentStore } from './act/gate/incident-store.ts';
import { GateMetrics, writeIncidentMetrics } from './act/gate/metrics.ts';
import { FileRolledBackStore } from './act/gate/rolled-back-store.ts';
import { gateRoutes } from './act/gate/routes.ts';
import { writeStateSaveFailures } from './act/state-file-metrics.ts';
import type { CollectorComponent, ComponentContext } from './component.ts';
import type { GateConfig } from './evaluate/gate/config.ts';
import type { GateDataSource } from './evaluate/gate/data-source.ts';
import { evaluateGateDetailed, type GateQuery } from './evaluate/gate/evaluate-gate.ts';
import { evaluateHealth } from './evaluate/gate/health.ts';
import { RolledBackVersions } from './evaluate/gate/rolled-back-versions.ts';
import { writeFamily, writeSample } from './exposition/prometheus-text.ts';
import { TokenAuth } from './receive/auth.ts';

/** Options beyond the collector configuration (mostly for tests). */
export interface GateComponentOptions {
  /** Use this parsed `gate:` section instead of `ctx.config.gate`. */
  config?: GateConfig;
  /** Where incident alerts go; default an Alertmanager pusher when `alertmanager.url` is set. */
  alertSink?: AlertSink;
}

/** The gate component, with its parts exposed for tests and the status page. */
export interface GateComponent extends CollectorComponent {
  readonly config: GateConfig;
  readonly metrics: GateMetrics;
  /** Answers a gate question (and counts it), as `GET /v1/gate` does. */
  decide(query: GateQuery): Promise<GateAnswer>;
  /** The most recent answers, newest first (for the status page). */
  recentDecisions(): readonly GateAnswer[];
  /**
   * The incident alerts firing now (ROLLBACK pages, HALT tickets), for the status page; empty
   * when incident alerts are off.
   */
  firingIncidents(): readonly DesiredAlert[];
  /** Calls `listener` after every answer; returns an unsubscribe function. */
  onDecision(listener: (answer: GateAnswer) => void): () => void;
}

/** Where incident alerts go on a collector without `alertmanager.url`: nowhere. */
const NO_ALERTMANAGER: AlertSink = { update() {} };

/** Answers kept for {@link GateComponent.recentDecisions}. */
const RECENT_DECISIONS = 20;

/**
 * The deployment gate as a collector component (evaluate → act): answers PROCEED / HALT /
 * ROLLBACK for a service version from the SLO engine's counts (read through `dataSource`),
 * serves the gate API (`gate` scope; see `act/gate/routes.ts`), raises incident alerts for
 * ROLLBACK and HALT (kept in `<dataDir>/gate-incidents.json` unless the store is memory-only, and
 * pushed again on start), remembers the versions it answered ROLLBACK for to keep them out of
 * later automatic baselines (in `<dataDir>/gate-rolled-back.json`, likewise), and exposes
 * `breakwater_gate_*` on `/metrics`.
 */
export function createGateComponent(
  ctx: ComponentContext,
  dataSource: GateDataSource,
  options: GateComponentOptions = {},
): GateComponent {
  const config = options.config ?? ctx.config.gate;
  const { clock } = ctx;
  const logger = ctx.logger.child({ component: 'gate' });
  const metrics = new GateMetrics();
  const am = ctx.config.alertmanager;
  // Gate state is kept where the SLO counts are: durable unless the store is memory-only.
  const durable = ctx.config.store.kind !== 'memory';
  const incidentStore =
    durable && config.alerts.enabled ? new FileIncidentStore(ctx.dataDir, logger) : undefined;
  const rolledBackStore = durable ? new FileRolledBackStore(ctx.dataDir, logger) : undefined;
  const pusher =
    options.alertSink === undefined && config.alerts.enabled
      ? alertmanagerPusherFrom(am, clock, logger)
      : undefined;
  const incidents = !config.alerts.enabled
    ? undefined
    : new GateIncidentAlerts({
        // Without Alertmanager they are still tracked: the status page lists them.
        sink: options.alertSink ?? pusher ?? NO_ALERTMANAGER,
        clock,
        ttlMs: config.alerts.ttl,
        extraLabels: am.labels,
        ...(incidentStore === undefined ? {} : { store: incidentStore }),
        ...(config.alerts.traceUrlTemplate === undefined
          ? {}
          : { traceUrlTemplate: config.alerts.traceUrlTemplate }),
      });
  const auth = new TokenAuth(ctx.config.auth.tokens);

  const recent: GateAnswer[] = [];
  const listeners = new Set<(answer: GateAnswer) => void>();

  // Kept as long as the longest gate window: by then a rolled-back version's events have left it.
  const rolledBack = new RolledBackVersions(
    clock,
    Math.max(config.window, ...Object.values(config.slos).map((o) => o.window ?? 0)),
    rolledBackStore,
  );
  // Loaded now, not at start: the gate API answers from the moment the listener is up, while the
  // components before it may still be starting, and a question must not find the set empty.
  const restoring = rolledBack.restore();
  const evaluate = async (query: GateQuery) => {
    await restoring;
    return evaluateGateDetailed(
      dataSource,
      config,
      { ...query, notBaseline: rolledBack.of(query.service) },
      clock.now(),
    );
  };

  const decide = async (query: GateQuery): Promise<GateAnswer> => {
    const { answer, serviceHasData } = await evaluate(query);
    if (answer.decision === 'ROLLBACK') {
      rolledBack.add(answer.service, answer.version);
      // On disk before the pipeline hears it: the fix it deploys next may meet a restarted collector.
      await rolledBack.flush();
    }
    metrics.decision(answer.service, answer.decision, serviceHasData);
    incidents?.record(answer);
    recent.unshift(answer);
    if (recent.length > RECENT_DECISIONS) recent.length = RECENT_DECISIONS;
    for (const listener of listeners) {
      try {
        listener(answer);
      } catch (error) {
        logger.warn({ err: error }, 'gate decision listener failed');
      }
    }
    if (answer.decision !== 'PROCEED') {
      logger.info(
        {
          service: answer.service,
          version: answer.version,
          decision: answer.decision,
          reasons: answer.reasons.map((r) => r.code),
        },
        'gate decision',
      );
    }
    return answer;
  };

  return {
    name: 'gate',
    config,
    metrics,
    decide,
    recentDecisions: () => recent,
    firingIncidents: () => incidents?.firingAlerts() ?? [],
    onDecision(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    routes: gateRoutes({
      decide,
      preview: async (query) => (await evaluate(query)).answer,
      health: (service, excluded, since) =>
        evaluateHealth(dataSource, config, service, excluded, clock.now(), since),
      recordRollback(event) {
        if (event.kind === 'rollback') metrics.rollback(event.service, event.latencyMs, event.exitCode);
        else metrics.recovery(event.service, event.recovered);
        logger.info({ ...event }, `gate ${event.kind} reported`);
      },
      ...(auth.enabled
        ? {
            authorize(token: string | null | undefined) {
              const verdict = auth.checkToken(token, 'gate');
              return verdict.ok
                ? { ok: true as const }
                : {
                    ok: false as const,
                    status: verdict.status,
                    challenge: verdict.challenge,
                    message: verdict.message,
                  };
            },
          }
        : {}),
    }),
    writeMetrics(out) {
      metrics.write(out);
      if (incidents !== undefined) writeIncidentMetrics(out, incidents);
      if (pusher !== undefined) writePusherMetrics(out, pusher.stats);
      writeStateSaveFailures(
        out,
        'breakwater_gate_state_save_failures_total',
        [incidentStore?.file, rolledBackStore?.file].filter((f) => f !== undefined),
      );
    },
    async start() {
      await restoring;
      await incidents?.restore(new Set(dataSource.slos().map((d) => d.name)));
    },
    async stop() {
      await rolledBack.flush();
      await incidents?.stop();
      await pusher?.stop();
    },
  };
}

/**
 * Delivery counters of the gate's own Alertmanager pusher (incident alerts), as the SLO engine
 * exposes its pusher's under `breakwater_slo_alertmanager_*`.
 */
function writePusherMetrics(out: string[], stats: PusherStats): void {
  // Names spelled out, so a search (and the check of examples/deploy/known-metrics.json against
  // the source) finds the series the alerting rules read.
  const counters: [string, string, number][] = [
    [
      'breakwater_gate_alertmanager_deliveries_total',
      'Successful incident alert deliveries to Alertmanager.',
      stats.deliveries,
    ],
    [
      'breakwater_gate_alertmanager_failures_total',
      'Failed incident alert deliveries to Alertmanager (retried with backoff).',
      stats.failures,
    ],
    [
      'breakwater_gate_alertmanager_rejections_total',
      'Incident alert batches Alertmanager refused with a 4xx (not retried; firing incidents are re-sent on the resend interval).',
      stats.rejections,
    ],
  ];
  for (const [family, help, value] of counters) {
    writeFamily(out, family, 'counter', help);
    writeSample(out, family, undefined, value);
  }
}
