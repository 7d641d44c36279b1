/**
 * How the app's OpenTelemetry log records (its own, a log bridge's such as pino's or winston's, an
 * instrumentation's GenAI events) are exported. NodeSDK would build this exporter itself, silent
 * on failure; `start()` builds it by the same variables so that a failed export is told, as for
 * spans and metrics. The protocol stays the SDK's choice: logs are not sent to Breakwater's
 * collector, which takes traces and metrics only, but to a collector that takes them.
 */

import { envText } from './env-text.ts';

/** The OTLP protocols NodeSDK builds a log exporter for. */
export type LogsProtocol = 'http/protobuf' | 'http/json' | 'grpc';

const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json', 'grpc'];

/** The settings of the log export, read from the environment (and `start()`'s options). */
export interface LogExport {
  /**
   * `OTEL_LOGS_EXPORTER` (default `otlp`): `otlp`, `console`, both, or neither (`none`: no logger
   * provider is registered and log records are no-ops, as NodeSDK does).
   */
  readonly exporters: ReadonlySet<'otlp' | 'console'>;
  /** `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
  readonly protocol: LogsProtocol;
  /** As `tracesUrl`: given to an OTLP/HTTP exporter, or `undefined` when it reads the variables. */
  readonly url: string | undefined;
  /** The batch processor's `OTEL_BLRP_*` settings; each left out applies the SDK's default. */
  readonly batch: {
    readonly maxQueueSize?: number;
    readonly maxExportBatchSize?: number;
    readonly scheduledDelayMillis?: number;
    readonly exportTimeoutMillis?: number;
  };
}

/**
 * The protocol NodeSDK picks for the OTLP log exporter: the logs variable, else the base one
 * (trimmed; an unknown value falls back to `http/protobuf`, which `noteProtocol` logs).
 */
export function logsProtocol(env: NodeJS.ProcessEnv): LogsProtocol {
  const value =
    envText(env, 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL') ?? envText(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  return value !== undefined && PROTOCOLS.includes(value) ? (value as LogsProtocol) : 'http/protobuf';
}

/** The `OTEL_BLRP_*` settings, each read by `positive` (a bad value is logged there and left out). */
export function logBatchSettings(positive: (name: string) => number | undefined): LogExport['batch'] {
  const settings: Record<string, number> = {};
  for (const [key, name] of [
    ['maxQueueSize', 'OTEL_BLRP_MAX_QUEUE_SIZE'],
    ['maxExportBatchSize', 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'],
    ['scheduledDelayMillis', 'OTEL_BLRP_SCHEDULE_DELAY'],
    ['exportTimeoutMillis', 'OTEL_BLRP_EXPORT_TIMEOUT'],
  ] as const) {
    const value = positive(name);
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}
