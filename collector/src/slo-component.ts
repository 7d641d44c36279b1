import type { SloStatus } from '@breakwater/protocol';
import { alertmanagerPusherFrom } from './act/alertmanager.ts';
import { desiredAlerts } from './act/alerts.ts';
import { dimensionLabel } from './act/labels.ts';
import { type EventCounter, writeSloMetrics } from './act/slo-metrics.ts';
import { sloRoutes } from './act/slo-routes.ts';
import type { CollectorComponent, ComponentContext } from './component.ts';
import { resolveSlos } from './config/slo/resolve.ts';
import { evaluateAll } from './evaluate/evaluator.ts';
import type { GateDataSource } from './evaluate/gate/data-source.ts';
import { writeFamily, writeSample } from './exposition/prometheus-text.ts';
import { SliAggregator } from './sli/aggregate.ts';
import { openStore } from './store/open-store.ts';

/** Counts are kept this long beyond an SLO's window, so the oldest coarse bucket is whole. */
const RETENTION_MARGIN_MS = 3_600_000;
/** How often old buckets are coarsened and dropped. */
const COMPACTION_INTERVAL_MS = 600_000;
/** Route answers reuse an evaluation this recent when nothing was ingested since. */
const ROUTE_CACHE_MS = 1_000;
/** Recent bad-event trace ids kept per series. */
const EXAMPLES_PER_SERIES = 5;

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
 * - A loop on the injected clock evaluates every `evaluation.interval`, updates Alertmanager
 *   and compacts the store; routes evaluate on demand (reusing a fresh result).
 * - `writeMetrics` exposes the last evaluation as `breakwater_slo_*`.
 */
export async function createSloComponent(context: ComponentContext): Promise<SloComponent> {
  const { config, clock } = context;
  const logger = context.logger.child({ component: 'slo' });
  const definitions = resolveSlos(config);
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const longest = Math.max(...definitions.map((d) => d.windowMs), 0);
  // SLOs no longer configured keep the longest window, so a config slip does not wipe history.
  const retention = (slo: string) => (byName.get(slo)?.windowMs ?? longest) + RETENTION_MARGIN_MS;
  const store = openStore(config, context.dataDir, retention);
  const aggregator = new SliAggregator(definitions);
  const examples = new Map<string, string[]>();
  const examplesFor = (slo: string, series: string) => examples.get(`${slo}\u0000${series}`) ?? [];
  const counters = new Map<string, EventCounter>();
  const am = config.alertmanager;
  const pusher = alertmanagerPusherFrom(am, clock, logger);

  let latest: { at: number; statuses: SloStatus[] } | undefined;
  let ingestedSinceEvaluation = true;
  let evaluating: Promise<SloStatus[]> | undefined;
  let timer: ReturnType<typeof clock.setTimeout> | undefined;
  let lastCompaction = Number.NEGATIVE_INFINITY;
  let stopped = false;

  const evaluate = (): Promise<SloStatus[]> => {
    if (evaluating !== undefined) return evaluating;
    ingestedSinceEvaluation = false;
    const run = async () => {
      const nowMs = clock.now();
      const statuses = await evaluateAll(definitions, store, {
        nowMs,
        levelWindowMs: config.evaluation.levelWindow,
        examples: examplesFor,
      });
      latest = { at: nowMs, statuses };
      pusher?.update(desiredAlerts(statuses, { levels: am.levels, extraLabels: am.labels }));
      return statuses;
    };
    evaluating = run().finally(() => {
      evaluating = undefined;
    });
    return evaluating;
  };

  const current = async (): Promise<readonly SloStatus[]> => {
    if (latest !== undefined && !ingestedSinceEvaluation && clock.now() - latest.at < ROUTE_CACHE_MS)
      return latest.statuses;
    return evaluate();
  };

  const tick = async () => {
    timer = undefined;
    try {
      const now = clock.now();
      if (now - lastCompaction >= COMPACTION_INTERVAL_MS) {
        lastCompaction = now;
        await store.compact(now);
      }
      await evaluate();
    } catch (error) {
      logger.error({ err: error }, 'SLO evaluation failed');
    }
    if (!stopped) timer = clock.setTimeout(() => void tick(), config.evaluation.interval);
  };

  logger.info(
    { slos: definitions.map((d) => d.name), store: store.kind, alertmanager: am.url ?? null },
    'SLO engine ready',
  );

  return {
    name: 'slo',
    current,
    gateSource: {
      slos: () => definitions,
      snapshot: (nowMs, windowsMs) => store.snapshot(nowMs, windowsMs),
      examples: examplesFor,
    },
    async spanSink(spans, receivedAtMs) {
      const deltas = aggregator.aggregate(spans);
      if (deltas.length === 0) return;
      await store.commit(receivedAtMs, deltas);
      ingestedSinceEvaluation = true;
      for (const d of deltas) {
        const key = `${d.slo}\u0000${d.series}`;
        if (d.exampleTraceIds.length > 0) {
          const list = examples.get(key) ?? [];
          list.unshift(...d.exampleTraceIds);
          list.length = Math.min(list.length, EXAMPLES_PER_SERIES);
          examples.set(key, list);
        }
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
      await store.close();
    },
  };
}
