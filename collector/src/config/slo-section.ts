import { z } from 'zod';
import { ALERT_LABEL_NAME } from '../act/alert-labels.ts';
import { derivedDefault } from './derived-default.ts';
import { checkFetchTarget, httpUrl, requestHeaders } from './http-url.ts';
import { DEFAULT_MAX_SERIES } from './slo/defaults.ts';
import { durationMs, timerDurationMs } from './slo/duration-schema.ts';
import { SloListSchema } from './slo/entry-schema.ts';

/** How the SLO engine evaluates. */
export const EvaluationSchema = z
  .object({
    /** How often SLOs are evaluated and alerts updated. */
    interval: timerDurationMs.prefault('10s'),
    /** Minimum events in an alert's long window before a burn-rate alert may fire (and in the level window for levels). */
    minEvents: z.number().int().nonnegative().default(10),
    /** Window of the threshold alert levels (current success rate or latency quantile). */
    levelWindow: durationMs.prefault('5m'),
    /**
     * Series (service × version × `groupBy` values) kept per SLO; events of further series are
     * counted in one overflow series whose labels are all `__overflow__`.
     */
    maxSeries: z.number().int().positive().default(DEFAULT_MAX_SERIES),
  })
  .strict();

/** Pushing alerts to Alertmanager (API v2). Off unless `url` is set. */
export const AlertmanagerSchema = z
  .object({
    /** Base URL, e.g. `http://127.0.0.1:9093`; alerts go to `<url>/api/v2/alerts`. */
    url: httpUrl().optional(),
    /** Firing alerts are re-sent this often (keep it below Alertmanager's `resolve_timeout`, 5m by default). */
    resendInterval: timerDurationMs.prefault('1m'),
    /** Per-request timeout. */
    timeout: timerDurationMs.prefault('10s'),
    /** Also push threshold levels (warning → ticket, severe/emergency → page). */
    levels: z.boolean().default(true),
    /**
     * Extra labels on every alert, e.g. `{ cluster: prod }`; none the collector sets itself
     * (`act/alert-labels.ts`, checked across sections).
     */
    labels: z.record(z.string().regex(ALERT_LABEL_NAME), z.string()).default({}),
    /** `generatorURL` on alerts (e.g. the collector's status page). */
    generatorUrl: z.url({ error: 'expected a URL' }).optional(),
    /**
     * Extra request headers, e.g. `authorization` for an Alertmanager behind an authenticating
     * proxy; `${ENV}` allowed. Also sent with the gate's incident alerts.
     */
    headers: requestHeaders(),
  })
  .strict()
  // Credentials in the URL would fail every delivery (and show in its logs): found at load.
  .superRefine(checkFetchTarget);

/** Where SLO counts are kept. */
export const StoreSchema = z
  .object({
    /** `sqlite` (durable, default) or `memory` (lost on restart; tests and throwaway runs). */
    kind: z.enum(['sqlite', 'memory']).default('sqlite'),
    /** SQLite file; default `<dataDir>/breakwater.db`. */
    path: z.string().min(1).optional().meta(derivedDefault('`breakwater.db` in `dataDir`')),
    /**
     * SQLite `synchronous`: `normal` survives a killed process (WAL), `full` also a power loss
     * at the cost of an fsync per ingest batch.
     */
    synchronous: z.enum(['normal', 'full']).default('normal'),
  })
  .strict();

/** A Prometheus metric name (what PromQL can name without quoting). */
const metricName = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
/** A Prometheus label name (`service.name` arrives as `service_name`). */
const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)');

/** Input series assumed by `breakwater rules` (spanmetrics-style counters and histograms). */
export const PrometheusRulesSchema = z
  .object({
    /** Counter of spans, one series per label combination. */
    callsMetric: metricName.default('traces_span_metrics_calls_total'),
    /** Histogram of span durations (`_bucket` and `_count` are appended). */
    durationMetric: metricName.default('traces_span_metrics_duration_milliseconds'),
    /** Unit of the histogram's `le` bounds. */
    durationUnit: z.enum(['ms', 's']).default('ms'),
    /** Label holding `service.name`. */
    serviceLabel: labelName.default('service_name'),
    /** Label holding `service.version`. */
    versionLabel: labelName.default('service_version'),
    spanNameLabel: labelName.default('span_name'),
    statusLabel: labelName.default('status_code'),
    /** Rule group interval; unset, the group has none and Prometheus evaluates it at its own interval. */
    interval: durationMs.optional().meta(derivedDefault("Prometheus's `global.evaluation_interval`")),
  })
  .strict();

/**
 * Top-level keys for SLOs, evaluation and alerting. Every key has a default, so no configuration
 * at all yields the default SLO set, evaluation every 10 s and a SQLite store under the data dir.
 */
export const SloSectionSchema = z.object({
  /** SLOs in native form or as OpenSLO v1 documents. */
  slos: SloListSchema.prefault([]),
  /**
   * The default SLO set (availability 99.5 % per service and GenAI operation over 30 days):
   * `auto` applies it when `slos` is empty.
   */
  defaultSlos: z
    .union([z.literal('auto'), z.boolean()], {
      error: (issue) => `expected true, false or "auto" (got ${JSON.stringify(issue.input)})`,
    })
    .default('auto'),
  /** The built-in technical SLOs `retry-recovery` and `breaker-refusal`. */
  technicalSlos: z.boolean().default(true),
  evaluation: EvaluationSchema.prefault({}),
  alertmanager: AlertmanagerSchema.prefault({}),
  store: StoreSchema.prefault({}),
  prometheusRules: PrometheusRulesSchema.prefault({}),
});
export type SloSection = z.output<typeof SloSectionSchema>;
