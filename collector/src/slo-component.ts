import type { SloStatus } from '@breakwater/protocol';
import { alertmanagerPusherFrom } from './act/alertmanager.ts';
import { desiredAlerts } from './act/alerts.ts';
import { FiringAlertsFile } from './act/firing-alerts-file.ts';
import { type EventCounter, writeSloMetrics } from './act/slo-metrics.ts';
import { sloRoutes } from './act/slo-routes.ts';
import { writeStateSaveFailures } from './act/state-file-metrics.ts';
import type { CollectorComponent, ComponentContext } from './component.ts';
import { dimensionLabel } from './config/slo/dimension-label.ts';
import { levelsPagingWhileMet } from './config/slo/levels-paging-while-met.ts';
import { resolveSlos } from './config/slo/resolve.ts';
import { urlForDisplay } from './config/url-for-display.ts';
import { evaluateAll } from './evaluate/evaluator.ts';
import type { GateDataSource } from './evaluate/gate/data-source.ts';
import { longestVersionWindowMs } from './evaluate/gate/version-window.ts';
import { writeFamily, writeSample } from './exposition/prometheus-text.ts';
import { SliAggregator } from './sli/aggregate.ts';
import { countedEventsKey } from './sli/counted-events.ts';
import { type RetiringSlo, retirements } from './sli/retire.ts';
import { SeriesLimiter } from './sli/series-limit.ts';
import { openStore } from './store/open-store.ts';
import { StoreClock } from './store/store-clock.ts';

/** Counts are kept this long beyond an SLO's window, so the oldest coarse bucket is whole. */
const RETENTION_MARGIN_MS = 3_600_000;
/** How often old buckets are coarsened and dropped. */
const COMPACTION_INTERVAL_MS = 600_000;
/** Route answers reuse an evaluation this recent when nothing was ingested since. */
const ROUTE_CACHE_MS = 1_000;

/** The SLO engine component, with the views other components read. */
export interface SloComponent extends CollectorComponent {
  /** Current SLO statuses (a cached evaluation when nothing was ingested since). */
  current(): Promise<readonly SloStatus[]>;
  /** The engine's definitions and store, for the deployment gate (the same store, not a copy). */
  readonly gateSource: GateDataSource;
}

/**
 * The SLO engine as a collector component: sli → store → evaluate → act.
 *
 * - `spanSink` turns each batch into a few count deltas and resolves once the store made them
 *   durable, so the receiver acknowledges only what survives a crash.
 * - The store is read and written on its own time ({@link StoreClock}): wall time as of start,
 *   advanced by the monotonic clock, so a step of the wall clock moves no window.
 * - A loop on the injected clock evaluates every `evaluation.interval`, updates Alertmanager
 *   and compacts the store, retiring the series of versions that stopped (`sli/retire.ts`); a
 *   failed compaction is logged and retried on the next tick, and the evaluation runs
 *   regardless. Routes evaluate on demand (reusing a fresh result).
 * - `writeMetrics` exposes the last evaluation as `breakwater_slo_*`, the configured interval as
 *   `breakwater_slo_evaluation_interval_seconds`, and the engine's own failures as
 *   `breakwater_slo_engine_errors_total{stage}`.
 */
export async function createSloComponent(context: ComponentContext): Promise<SloComponent> {
  const { config, clock } = context;
  const logger = context.logger.child({ component: 'slo' });
  const definitions = resolveSlos(config);
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const longest = Math.max(...definitions.map((d) => d.windowMs), 0);
  // SLOs no longer configured keep the window they last had (the store remembers it), and at
  // least the longest one configured, so a config slip does not wipe history.
  let remembered: ReadonlyMap<string, number> = new Map();
  const retention = (slo: string) =>
    (byName.get(slo)?.windowMs ?? Math.max(remembered.get(slo) ?? 0, longest)) + RETENTION_MARGIN_MS;
  const store = openStore(config, context.dataDir, retention);
  // Counts judged by another definition of an SLO would be misread as this one's (a threshold
  // raised from 1 s to 2 s would keep its old slow calls burning the budget for a whole window).
  const changed = store.adoptDefinitions(new Map(definitions.map((d) => [d.name, countedEventsKey(d)])));
  for (const slo of changed.setAside)
    logger.warn(
      { slo },
      'SLO events changed (sli, selector, threshold or bad events) since its stored counts: they are set aside (kept for its window, not read), so its windows and budget start empty',
    );
  for (const slo of changed.restored)
    logger.info(
      { slo },
      'SLO events are back to an earlier definition: the counts set aside under it are read again',
    );
  remembered = store.rememberWindows(new Map(definitions.map((d) => [d.name, d.windowMs])));
  const storeClock = new StoreClock(clock, store.latestBucketStart());
  if (storeClock.aheadOfWallMs > 60_000) {
    logger.warn(
      { aheadOfWallMs: storeClock.aheadOfWallMs },
      'the SLO store holds counts stamped later than the wall clock reads; store time goes on from them',
    );
  }
  // Windows end at the store's now; a caller's wall-clock reading is only for its reports.
  const storeView = {
    snapshot: (_wallNowMs: number, windowsMs: readonly number[]) =>
      store.snapshot(storeClock.now(), windowsMs),
  };
  const aggregator = new SliAggregator(definitions);
  const limiter = new SeriesLimiter(definitions);
  /** Events folded into each SLO's overflow series since start. */
  const overflowEvents = new Map<string, number>();
  const examplesFor = (slo: string, series: string) => store.examples(slo, series);
  const counters = new Map<string, EventCounter>();
  const am = config.alertmanager;
  // This pusher also probes Alertmanager while nothing fires; the gate's goes to the same URL.
  const pusher = alertmanagerPusherFrom(am, clock, logger, true);
  // Kept where the SLO counts are: durable unless the store is memory-only.
  const firingFile =
    pusher === undefined || config.store.kind === 'memory'
      ? undefined
      : new FiringAlertsFile(context.dataDir, logger);
  if (firingFile !== undefined) pusher!.resume(await firingFile.load());

  // The limiter and lifetime counters follow the series with counts within their SLO's
  // retention, so series that aged out free their place and their memory, also while a quiet
  // store has not deleted them yet (it deletes only up to its newest count, see BucketIndex).
  // Every SLO the store holds counts of has its retention here, the dropped ones too: a dropped
  // SLO's own window may be longer than any configured one.
  const retentionWindows = [
    ...new Set([...[...byName.keys(), ...remembered.keys()].map(retention), longest + RETENTION_MARGIN_MS]),
  ];
  // A version's series that took no event for as long as the gate reads a version gives its place
  // back: its counts are folded into the service's overflow version (see `sli/retire.ts`).
  const retireAfter = new Map(definitions.map((d) => [d.name, longestVersionWindowMs(config.gate, d)]));
  const syncWindows = [...new Set([...retentionWindows, ...retireAfter.values()])];
  const retiring = new Map<string, RetiringSlo>(
    definitions.map((d) => [
      d.name,
      {
        groupBy: d.groupBy,
        retireAfterMs: retireAfter.get(d.name)!,
        retireIndex: syncWindows.indexOf(retireAfter.get(d.name)!),
        heldIndex: syncWindows.indexOf(retention(d.name)),
      },
    ]),
  );
  // Retiring writes to the store, so only the ticks do it (a failure there is logged and retried):
  // one at start must not fail the collector's start.
  const syncWithStore = async (retire: boolean) => {
    const now = storeClock.now();
    let snapshot = await store.snapshot(now, syncWindows);
    const folds = retire ? retirements(snapshot, retiring, now) : [];
    if (folds.length > 0 && (await store.fold(folds)).length > 0)
      snapshot = await store.snapshot(now, syncWindows);
    const held = snapshot.filter((s) => s.windows[syncWindows.indexOf(retention(s.slo))]!.total > 0);
    limiter.reset(held);
    const keys = new Set(held.map((s) => `${s.slo}\u0000${s.series}`));
    for (const key of counters.keys()) if (!keys.has(key)) counters.delete(key);
  };
  await syncWithStore(false);

  /** The last evaluation: wall time (for `/metrics`), monotonic time (for its age), result. */
  let latest: { at: number; atMono: number; statuses: SloStatus[] } | undefined;
  let ingestedSinceEvaluation = true;
  let evaluating: Promise<SloStatus[]> | undefined;
  let timer: ReturnType<typeof clock.setTimeout> | undefined;
  /** Monotonic time of the last successful compaction. */
  let lastCompaction = Number.NEGATIVE_INFINITY;
  let stopped = false;
  /** Failed compactions and evaluations since start: a persistent failure shows on a dashboard. */
  const engineErrors = { compaction: 0, evaluation: 0 };

  const evaluate = (): Promise<SloStatus[]> => {
    if (evaluating !== undefined) return evaluating;
    ingestedSinceEvaluation = false;
    const run = async () => {
      const nowMs = clock.now();
      const atMono = clock.monotonic();
      const statuses = await evaluateAll(definitions, storeView, {
        nowMs,
        levelWindowMs: config.evaluation.levelWindow,
        examples: examplesFor,
      });
      latest = { at: nowMs, atMono, statuses };
      const desired = desiredAlerts(statuses, {
        levels: am.levels,
        extraLabels: am.labels,
        levelWindowMs: config.evaluation.levelWindow,
      });
      pusher?.update(desired);
      // Not only `desired`: a resolution Alertmanager has not taken yet must be sent again after a restart.
      if (pusher !== undefined) firingFile?.save(pusher.unresolved());
      return statuses;
    };
    evaluating = run()
      .catch((error: unknown) => {
        engineErrors.evaluation++;
        throw error;
      })
      .finally(() => {
        evaluating = undefined;
      });
    return evaluating;
  };

  const current = async (): Promise<readonly SloStatus[]> => {
    if (
      latest !== undefined &&
      !ingestedSinceEvaluation &&
      clock.monotonic() - latest.atMono < ROUTE_CACHE_MS
    )
      return latest.statuses;
    return evaluate();
  };

  const tick = async () => {
    timer = undefined;
    const now = clock.monotonic();
    if (now - lastCompaction >= COMPACTION_INTERVAL_MS) {
      // Compaction (and retiring quiet series) is housekeeping: a failure (e.g. a SQLite error)
      // must not cost this tick's evaluation, or alerts and `breakwater_slo_*` go stale. It is
      // retried on the next tick.
      try {
        await store.compact(storeClock.now());
        await syncWithStore(true);
        lastCompaction = now;
      } catch (error) {
        engineErrors.compaction++;
        logger.error({ err: error }, 'SLO store compaction failed');
      }
    }
    try {
      await evaluate();
    } catch (error) {
      logger.error({ err: error }, 'SLO evaluation failed');
    }
    if (!stopped) timer = clock.setTimeout(() => void tick(), config.evaluation.interval);
  };

  const writeSeriesMetrics = (out: string[]) => {
    writeFamily(out, 'breakwater_slo_series', 'gauge', 'Series an SLO keeps (its overflow series excluded).');
    for (const [slo, n] of limiter.counts()) writeSample(out, 'breakwater_slo_series', { slo }, n);
    writeFamily(
      out,
      'breakwater_slo_series_limit',
      'gauge',
      'Most series an SLO keeps (maxSeries); events of further series go to its overflow series.',
    );
    for (const d of definitions)
      writeSample(out, 'breakwater_slo_series_limit', { slo: d.name }, d.maxSeries);
    writeFamily(
      out,
      'breakwater_slo_overflow_events_total',
      'counter',
      'Events counted in the overflow series because the SLO had maxSeries series.',
    );
    for (const d of definitions)
      writeSample(
        out,
        'breakwater_slo_overflow_events_total',
        { slo: d.name },
        overflowEvents.get(d.name) ?? 0,
      );
  };

  // The engine's health: with the interval next to the last evaluation's time, an alert can tell
  // a stale evaluation from a long interval without being told the configuration.
  const writeEngineHealth = (out: string[]) => {
    writeFamily(
      out,
      'breakwater_slo_evaluation_interval_seconds',
      'gauge',
      'Configured time between SLO evaluations (evaluation.interval).',
    );
    writeSample(
      out,
      'breakwater_slo_evaluation_interval_seconds',
      undefined,
      config.evaluation.interval / 1000,
    );
    writeFamily(
      out,
      'breakwater_slo_engine_errors_total',
      'counter',
      'Failed SLO store compactions (retried on the next tick) and evaluations (alerts and breakwater_slo_* keep their last values).',
    );
    for (const [stage, n] of Object.entries(engineErrors))
      writeSample(out, 'breakwater_slo_engine_errors_total', { stage }, n);
  };

  logger.info(
    {
      slos: definitions.map((d) => d.name),
      store: store.kind,
      // Origin and path: the query may hold a proxy's token.
      alertmanager: am.url === undefined ? null : urlForDisplay(am.url),
    },
    'SLO engine ready',
  );
  for (const slo of definitions) {
    const advice = levelsPagingWhileMet(slo);
    if (advice !== undefined) logger.warn({ slo: slo.name }, `SLO levels: ${advice}`);
  }

  return {
    name: 'slo',
    current,
    gateSource: {
      slos: () => definitions,
      snapshot: storeView.snapshot,
      now: () => storeClock.now(),
      examples: examplesFor,
    },
    // Counted at the store's now, not at the receiver's wall-clock receipt time (see StoreClock).
    async spanSink(spans) {
      const aggregated = aggregator.aggregate(spans);
      if (aggregated.length === 0) return;
      const admission = limiter.admit(aggregated);
      const deltas = admission.deltas;
      try {
        await store.commit(storeClock.now(), deltas);
      } catch (error) {
        limiter.release(admission);
        throw error;
      }
      limiter.confirm(admission);
      ingestedSinceEvaluation = true;
      for (const [slo, n] of admission.overflowEvents)
        overflowEvents.set(slo, (overflowEvents.get(slo) ?? 0) + n);
      for (const d of deltas) {
        const key = `${d.slo}\u0000${d.series}`;
        let c = counters.get(key);
        if (c === undefined) {
          const def = byName.get(d.slo)!;
          const labels: Record<string, string> = {
            slo: d.slo,
            tier: def.tier,
            service: d.labels.service,
            version: d.labels.version,
          };
          def.groupBy.forEach((dim, i) => {
            labels[dimensionLabel(dim)] = d.labels.dims[i] ?? '';
          });
          c = { labels, good: 0, total: 0 };
          counters.set(key, c);
        }
        c.good += d.counts.good;
        c.total += d.counts.total;
      }
    },
    routes: sloRoutes(current),
    writeMetrics(out) {
      writeSloMetrics(out, latest?.statuses ?? [], counters.values(), latest?.at);
      writeSeriesMetrics(out);
      writeEngineHealth(out);
      if (firingFile !== undefined)
        writeStateSaveFailures(out, 'breakwater_slo_state_save_failures_total', [firingFile.file]);
      if (pusher !== undefined) {
        const stats = pusher.stats;
        writeFamily(
          out,
          'breakwater_slo_alertmanager_deliveries_total',
          'counter',
          'Successful alert deliveries to Alertmanager.',
        );
        writeSample(out, 'breakwater_slo_alertmanager_deliveries_total', undefined, stats.deliveries);
        writeFamily(
          out,
          'breakwater_slo_alertmanager_failures_total',
          'counter',
          'Failed alert deliveries to Alertmanager (retried with backoff).',
        );
        writeSample(out, 'breakwater_slo_alertmanager_failures_total', undefined, stats.failures);
        writeFamily(
          out,
          'breakwater_slo_alertmanager_rejections_total',
          'counter',
          'Alert batches Alertmanager refused with a 4xx (not retried; firing alerts are re-sent on the resend interval).',
        );
        writeSample(out, 'breakwater_slo_alertmanager_rejections_total', undefined, stats.rejections);
        if (stats.reachable !== undefined) {
          writeFamily(
            out,
            'breakwater_slo_alertmanager_up',
            'gauge',
            'Whether Alertmanager answered the last contact: a delivery, or a readiness probe (GET /-/ready) every resend interval while no alert fires.',
          );
          writeSample(out, 'breakwater_slo_alertmanager_up', undefined, stats.reachable ? 1 : 0);
        }
      }
    },
    async start() {
      await tick();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await pusher?.stop();
      await evaluating?.catch(() => undefined);
      // The deliveries stop cut short: what they carried is still unresolved.
      if (pusher !== undefined) firingFile?.save(pusher.unresolved());
      await firingFile?.flush();
      await store.close();
    },
  };
}
