/**
 * Options of `start()` and how they are read from the environment: the standard `OTEL_*`
 * variables (the OTLP exporters and resource detector read most of them themselves) plus
 * Breakwater's own `BREAKWATER_*` ones.
 */

import {
  type ClassifierRule,
  captureMaxBytesFromEnv,
  DEFAULT_CAPTURE_MAX_BYTES,
  type DependencyLimits,
  type PolicyRule,
} from '@breakwater/instrumentation';
import { type Clock, DEFAULT_COLLECTOR_URL, ENV, MAX_TIMER_MS, OTLP_LOGS_PATH } from '@breakwater/protocol';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { appPackageVersion } from './app-version.ts';
import { checkStartOptions } from './check-options.ts';
import { defaultLogger } from './default-logger.ts';
import { envBoolean } from './env-boolean.ts';
import { envText } from './env-text.ts';
import { resolveInstanceId } from './instance-id.ts';
import { type LogExport, logBatchSettings, logsProtocol } from './log-export.ts';
import { noteBadHeaders } from './otlp-headers.ts';
import { readUrlVariables, signalUrl, type UrlVariables } from './otlp-urls.ts';
import { safeLogger } from './safe-logger.ts';
import { prometheusPortUnless, sdkDisabledBy } from './sdk-disabled.ts';
import { noteSdkVariables } from './sdk-variables.ts';

/** Where the fleet control client connects and what it may change. */
export interface ControlOptions {
  /**
   * Collector base URL; defaults to `BREAKWATER_COLLECTOR_URL`, else the collector the spans go to
   * (the OTLP endpoint, with its path prefix).
   */
  readonly url?: string;
  /** Bearer token for the signal stream (`BREAKWATER_SUBSCRIBE_TOKEN`). */
  readonly token?: string;
}

/** Options of {@link start}. Every field is optional; environment variables fill the gaps. */
export interface StartOptions {
  /** `service.name`; default `OTEL_SERVICE_NAME`, else `unknown_service:node`. */
  readonly serviceName?: string;
  /**
   * `service.version`; default from `OTEL_RESOURCE_ATTRIBUTES`, else `npm_package_version`, else
   * the `version` of the entry script's nearest `package.json`.
   */
  readonly serviceVersion?: string;
  /** `service.instance.id`; default from `OTEL_RESOURCE_ATTRIBUTES`, else a random UUID. */
  readonly serviceInstanceId?: string;
  /**
   * OTLP/HTTP base endpoint, e.g. `http://127.0.0.1:4318` (`/v1/traces`, `/v1/metrics` and, for
   * the app's OpenTelemetry log records, `/v1/logs` are appended). Default: the exporters read
   * `OTEL_EXPORTER_OTLP_ENDPOINT` (and the per-signal variables), else `http://localhost:4318`. A
   * value (or variable) that is not an http(s) URL is logged and ignored.
   */
  readonly endpoint?: string;
  /**
   * Extra OTLP/HTTP headers, log export included (the exporters also read
   * `OTEL_EXPORTER_OTLP_HEADERS`).
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** Metric export interval; default `OTEL_METRIC_EXPORT_INTERVAL`, else 15 s. */
  readonly metricIntervalMs?: number;
  /**
   * Per-export timeout; default 5 s, so a slow collector holds an export, never a call. At most
   * `MAX_TIMER_MS` (about 24.8 days; so are the environment's): a longer timer fires at once.
   */
  readonly exportTimeoutMs?: number;
  /** Largest number of spans waiting for export; beyond it spans are dropped (default 2048). */
  readonly maxQueueSize?: number;
  /**
   * Serve metrics for scraping on this port too (`BREAKWATER_PROMETHEUS_PORT`; else, with
   * `OTEL_METRICS_EXPORTER=prometheus`, `OTEL_EXPORTER_PROMETHEUS_PORT` or 9464).
   */
  readonly prometheusPort?: number;
  /**
   * Host for the Prometheus endpoint (`BREAKWATER_PROMETHEUS_HOST`, else
   * `OTEL_EXPORTER_PROMETHEUS_HOST`); default `127.0.0.1`.
   */
  readonly prometheusHost?: string;
  /** Per-dependency policy rules (see `@breakwater/instrumentation`). */
  readonly policies?: readonly PolicyRule[];
  /**
   * Rules for how your own errors count, checked before the built-in classification (see
   * "Classifying your own errors" in `@breakwater/instrumentation`). Rules that fail their check
   * are logged and left out, as policies are.
   */
  readonly classifierRules?: readonly ClassifierRule[];
  /**
   * Bounds on per-dependency state: how many dependencies keep a breaker, budget and bulkhead
   * (a hard cap but for fleet overrides), and how long a dependency without a bulkhead counts as
   * busy after its last use (see `@breakwater/instrumentation`). Limits out of range are logged
   * and the defaults apply.
   */
  readonly limits?: DependencyLimits;
  /** Record message content on spans (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`). */
  readonly captureMessageContent?: boolean;
  /**
   * Bound on each captured content attribute, UTF-8 bytes (`BREAKWATER_CAPTURE_MAX_BYTES`; default
   * 32 KiB): past it the oldest messages, then the ends of the longest strings, are left out.
   */
  readonly captureMaxBytes?: number;
  /** Fleet control client; `false` turns it off (also `BREAKWATER_CONTROL=false`, `0`, `no` or `off`). */
  readonly control?: ControlOptions | false;
  /** Flush and shut down on SIGTERM/SIGINT (default true). */
  readonly handleSignals?: boolean;
  /** Injected clock for policies and the control client. */
  readonly clock?: Clock;
  /** Where start-up problems go (never thrown); default `console.warn`. */
  readonly logger?: (message: string) => void;
  /** Extra module names to instrument as `openai` (npm aliases). */
  readonly openaiAliases?: string[];
  /** Extra module names to instrument as `@anthropic-ai/sdk` (npm aliases). */
  readonly anthropicAliases?: string[];
  /**
   * More span processors, run beside the OTLP export: a log of spans, an in-memory exporter in
   * tests. They see every span the app ends; keep their `onEnd` cheap.
   */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/** Where a signal goes: OTLP/HTTP, or nowhere (`OTEL_TRACES_EXPORTER=none`). */
export type ExporterChoice = 'otlp' | 'none';

/** Options after defaults and the environment are applied. */
export interface ResolvedOptions {
  readonly serviceName: string;
  readonly serviceVersion: string | undefined;
  readonly serviceInstanceId: string;
  /**
   * The URL the trace exporter is given: from `endpoint`, or what applies when an OTLP variable
   * was refused (not an http(s) URL); `undefined` when the exporter reads the variables itself.
   */
  readonly tracesUrl: string | undefined;
  /** As {@link tracesUrl}, for metrics. */
  readonly metricsUrl: string | undefined;
  /**
   * `OTEL_TRACES_EXPORTER`: `none` exports no spans; `spanProcessors` still see them. With
   * neither, no tracer provider is registered and spans are no-ops (as NodeSDK does).
   */
  readonly tracesExporter: ExporterChoice;
  /**
   * Whether metrics are exported over OTLP: `none` when `OTEL_METRICS_EXPORTER` is `none`, or
   * lists `prometheus` without `otlp` (the Prometheus endpoint stays either way).
   */
  readonly metricsExporter: ExporterChoice;
  /** How the app's OpenTelemetry log records are exported (`OTEL_LOGS_EXPORTER`, …). */
  readonly logs: LogExport;
  readonly spanProcessors: readonly SpanProcessor[];
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly metricIntervalMs: number;
  /** The longest any one export step may take (bounds the flush on a signal). */
  readonly exportTimeoutMs: number;
  readonly limits: ExportLimits;
  readonly maxQueueSize: number;
  readonly prometheusPort: number | undefined;
  readonly prometheusHost: string;
  /** Bound on each captured content attribute, UTF-8 bytes (option, variable, default). */
  readonly captureMaxBytes: number;
  readonly control: { readonly url: string; readonly token: string | undefined } | false;
  readonly handleSignals: boolean;
  readonly logger: (message: string) => void;
}

/**
 * Timeouts and batch sizes of the exporters and processors. An explicit `exportTimeoutMs` or
 * `maxQueueSize` sets them all; otherwise each reads its standard variable, then our default.
 */
export interface ExportLimits {
  /** OTLP trace exporter request timeout (`OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, `…_OTLP_TIMEOUT`). */
  readonly tracesTimeoutMs: number;
  /** OTLP metric exporter request timeout (`OTEL_EXPORTER_OTLP_METRICS_TIMEOUT`, `…_OTLP_TIMEOUT`). */
  readonly metricsTimeoutMs: number;
  /** OTLP log exporter request timeout (`OTEL_EXPORTER_OTLP_LOGS_TIMEOUT`, `…_OTLP_TIMEOUT`). */
  readonly logsTimeoutMs: number;
  /** Span batch export timeout (`OTEL_BSP_EXPORT_TIMEOUT`). */
  readonly spanBatchTimeoutMs: number;
  /** Metric reader export timeout (`OTEL_METRIC_EXPORT_TIMEOUT`). */
  readonly metricReaderTimeoutMs: number;
  /** Spans per export (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`), at most the queue size. */
  readonly maxExportBatchSize: number;
  /** Delay between span batch exports (`OTEL_BSP_SCHEDULE_DELAY`; ours: 1 s, not the SDK's 5 s). */
  readonly spanDelayMs: number;
}

const DEFAULT_EXPORT_TIMEOUT_MS = 5_000;

function exportLimits(
  options: StartOptions,
  env: NodeJS.ProcessEnv,
  maxQueueSize: number,
  logger: (message: string) => void,
): ExportLimits {
  // A timer longer than MAX_TIMER_MS fires after 1 ms: the export would time out at once.
  const timeout = (...names: string[]): number => Math.min(timeoutFrom(...names), MAX_TIMER_MS);
  const timeoutFrom = (...names: string[]): number => {
    if (options.exportTimeoutMs !== undefined) return options.exportTimeoutMs;
    for (const name of names) {
      const ms = positiveInt(env, name, logger);
      if (ms !== undefined) return ms;
    }
    return DEFAULT_EXPORT_TIMEOUT_MS;
  };
  return {
    tracesTimeoutMs: timeout('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'),
    metricsTimeoutMs: timeout('OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'),
    logsTimeoutMs: timeout('OTEL_EXPORTER_OTLP_LOGS_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'),
    spanBatchTimeoutMs: timeout('OTEL_BSP_EXPORT_TIMEOUT'),
    metricReaderTimeoutMs: timeout('OTEL_METRIC_EXPORT_TIMEOUT'),
    maxExportBatchSize: Math.min(
      positiveInt(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', logger) ?? 512,
      maxQueueSize,
    ),
    spanDelayMs: spanExportDelayMs(env.OTEL_BSP_SCHEDULE_DELAY, logger),
  };
}

/**
 * Span batch delay: `OTEL_BSP_SCHEDULE_DELAY` (milliseconds, 0 allowed) when valid, else 1 s; at
 * most `MAX_TIMER_MS`. A value that is not one is told to `onBad`, as the positive-integer
 * variables are.
 */
export function spanExportDelayMs(text: string | undefined, onBad?: (message: string) => void): number {
  const value = text?.trim();
  if (value === undefined || value === '') return 1_000;
  const n = Number(value);
  // A longer timer fires after 1 ms: spans would go out at once instead of rarely.
  if (Number.isFinite(n) && n >= 0) return Math.min(n, MAX_TIMER_MS);
  onBad?.(`OTEL_BSP_SCHEDULE_DELAY=${value}: not a number of milliseconds; ignored`);
  return 1_000;
}

/** The OpenTelemetry SDK's limit on the length of a key or value in `OTEL_RESOURCE_ATTRIBUTES`. */
const MAX_RESOURCE_TEXT = 255;

/**
 * Parses `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k2=v2`, percent-encoded keys and values) by the rules
 * the OpenTelemetry SDK's detector applies, including the specification's: one malformed entry
 * discards the whole value. The identity read here then always matches the resource the SDK
 * builds from the same variable. `onError` hears why a value was discarded (the SDK itself only
 * says so at debug level).
 */
export function parseResourceAttributes(
  text: string | undefined,
  onError?: (message: string) => void,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const problem = addResourceEntry(out, entry);
    if (problem !== undefined) {
      onError?.(`OTEL_RESOURCE_ATTRIBUTES ignored (all of it, as OpenTelemetry does): ${problem}`);
      return {};
    }
  }
  return out;
}

/** Adds one `key=value` entry to `out`; returns what is wrong with it, if anything. */
function addResourceEntry(out: Record<string, string>, entry: string): string | undefined {
  const parts = entry.split('=');
  if (parts.length !== 2) return `"${entry}" is not key=value (percent-encode ',' and '=')`;
  const key = parts[0]!.trim();
  if (key === '') return `"${entry}" has an empty key`;
  let decodedKey: string;
  let decodedValue: string;
  try {
    decodedKey = decodeURIComponent(key);
    decodedValue = decodeURIComponent(parts[1]!.trim());
  } catch {
    return `"${entry}" is not valid percent-encoding`;
  }
  if (decodedKey.length > MAX_RESOURCE_TEXT || decodedValue.length > MAX_RESOURCE_TEXT) {
    return `"${decodedKey}": keys and values are at most ${MAX_RESOURCE_TEXT} characters`;
  }
  out[decodedKey] = decodedValue;
  return undefined;
}

/**
 * `OTEL_EXPORTER_OTLP_PROTOCOL` and its per-signal variants. The span and metric exporters send
 * OTLP/HTTP with JSON bodies (`http/json`): asking for anything else is logged rather than
 * silently ignored, since a receiver that takes only protobuf, or only gRPC, would refuse every
 * export. Log records follow the variables, as NodeSDK reads them (`http/protobuf` by default).
 */
function noteProtocol(env: NodeJS.ProcessEnv, logger: (message: string) => void): void {
  for (const name of [
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
  ]) {
    const value = envText(env, name);
    if (value === undefined || value === 'http/json') continue;
    // The base variable also picks the log exporter's protocol, unless the logs variable does.
    const logs =
      name === 'OTEL_EXPORTER_OTLP_PROTOCOL' && envText(env, 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL') === undefined
        ? ` (log records: ${logsProtocol(env)})`
        : '';
    logger(
      value === 'http/protobuf'
        ? `${name}=${value}: spans and metrics are sent as OTLP/HTTP JSON on the same paths${logs}; the OpenTelemetry Collector, Tempo, Jaeger and Breakwater's collector take both encodings`
        : `${name}=${value}: spans and metrics are exported as OTLP/HTTP (JSON bodies) only${logs}; point the endpoint at an OTLP/HTTP receiver (usually port 4318)`,
    );
  }
  const logs = envText(env, 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL');
  if (logs !== undefined && logsProtocol(env) !== logs) {
    logger(
      `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=${logs}: not http/protobuf, http/json or grpc; ignored, log records are sent as http/protobuf`,
    );
  }
}

/**
 * A positive integer variable; undefined when unset or blank. Any other value is logged and
 * ignored (the default applies), so a typo such as `19464x` does not silently turn a setting off.
 */
function positiveInt(
  env: NodeJS.ProcessEnv,
  name: string,
  logger: (message: string) => void,
): number | undefined {
  const text = envText(env, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (Number.isInteger(n) && n > 0) return n;
  logger(`${name}=${text}: not a positive integer; ignored`);
  return undefined;
}

/** A port variable: a positive integer (see {@link positiveInt}) of at most 65535. */
function portNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  logger: (message: string) => void,
): number | undefined {
  const n = positiveInt(env, name, logger);
  if (n === undefined || n <= 65_535) return n;
  logger(`${name}=${n}: not a port number (1 to 65535); ignored`);
  return undefined;
}

/** Where `OTEL_METRICS_EXPORTER=prometheus` serves without `OTEL_EXPORTER_PROMETHEUS_PORT` (the spec's default). */
const DEFAULT_PROMETHEUS_PORT = 9464;

/**
 * The exporters `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` / `OTEL_LOGS_EXPORTER` (a
 * comma-separated list) ask for among `supported`: `otlp` when unset, none for `none`. Other
 * exporters the OTel SDK knows (`console`, `zipkin`, …) are not built in here; asking for one logs
 * what is used instead, OTLP when nothing else is, rather than silently dropping the signal.
 */
function exportersFrom(
  name: string,
  text: string | undefined,
  supported: readonly string[],
  logger: (message: string) => void,
): ReadonlySet<string> {
  const values = (text ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
  if (values.length === 0) return new Set(['otlp']);
  if (values.every((v) => v === 'none')) return new Set();
  const chosen = new Set(values.filter((v) => v !== 'none' && supported.includes(v)));
  if (chosen.size === 0) chosen.add('otlp');
  if (values.some((v) => !supported.includes(v))) {
    const known = `${supported.slice(0, -1).join(', ')} and ${supported.at(-1)}`;
    logger(`${name}=${text}: only ${known} are supported; exporting with ${[...chosen].join(' and ')}`);
  }
  return chosen;
}

/**
 * The collector's base URL from an OTLP endpoint: a base endpoint keeps its path (the exporters
 * append `/v1/traces` to it, so a collector behind a path-routing proxy is at that prefix); a
 * traces endpoint loses its `/v1/traces`, or, when it has some other path, keeps only its origin.
 */
function collectorBase(url: string | undefined, signalPath?: string): string | undefined {
  if (url === undefined || url === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  if (signalPath === undefined) return `${parsed.origin}${path}`;
  return path.endsWith(signalPath) ? `${parsed.origin}${path.slice(0, -signalPath.length)}` : parsed.origin;
}

/** `service.name`: the option, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, else the SDK's default. */
export function resolveServiceName(
  options: Pick<StartOptions, 'serviceName'>,
  env: NodeJS.ProcessEnv,
  resource: Readonly<Record<string, string>>,
): string {
  return (
    options.serviceName ??
    envText(env, 'OTEL_SERVICE_NAME') ??
    resource['service.name'] ??
    DEFAULT_SERVICE_NAME
  );
}

/** What OpenTelemetry names a Node service that was given no name. */
export const DEFAULT_SERVICE_NAME = 'unknown_service:node';

/**
 * Where the fleet control client connects and with which token, or `false` when `control: false`
 * or `BREAKWATER_CONTROL` (told to `logger` when it is not a boolean) turns it off. Shared by
 * `start()` and `startFleetControl()`, so both follow the same options and variables.
 */
export function resolveControl(
  options: Pick<StartOptions, 'endpoint' | 'control'>,
  env: NodeJS.ProcessEnv,
  urls: UrlVariables,
  logger: (message: string) => void,
): ResolvedOptions['control'] {
  const controlEnv = envBoolean(env, ENV.CONTROL, logger);
  if (options.control === false || controlEnv === false) return false;
  const control = options.control;
  // URLs are checked trimmed (check-options.ts), so they are used trimmed.
  const endpoint = options.endpoint?.trim().replace(/\/+$/, '');
  return {
    url:
      control?.url?.trim() ??
      urls.collectorUrl ??
      // The collector the spans go to (it reads them), in the order the trace exporter picks it.
      collectorBase(endpoint) ??
      collectorBase(urls.tracesEndpoint, '/v1/traces') ??
      collectorBase(urls.endpoint) ??
      DEFAULT_COLLECTOR_URL,
    // Checked trimmed, read trimmed from the variable: a token from a file ends with a newline.
    token: control?.token?.trim() ?? envText(env, ENV.SUBSCRIBE_TOKEN),
  };
}

/**
 * Applies defaults and the environment to `options`, first checking them as `start()` does (each
 * bad or unknown option logged and left out). Never throws.
 */
export function resolveOptions(options: StartOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  return resolveChecked(checkStartOptions(options), env);
}

/** {@link resolveOptions} for options that passed `checkStartOptions`. */
export function resolveChecked(options: StartOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  const logger = safeLogger(options.logger ?? defaultLogger);
  const resource = parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES, logger);
  noteProtocol(env, logger);
  noteBadHeaders(env, logger);
  noteSdkVariables(env, logger);
  const disabledBy = sdkDisabledBy(env, logger);
  // URLs are checked trimmed (check-options.ts), so they are used trimmed.
  const endpoint = options.endpoint?.trim().replace(/\/+$/, '');
  const urls = readUrlVariables(env, logger);
  const control = resolveControl(options, env, urls, logger);
  // A variable read for two settings (OTEL_EXPORTER_OTLP_TIMEOUT) is complained about once.
  const said = new Set<string>();
  const once = (message: string): void => {
    if (said.has(message)) return;
    said.add(message);
    logger(message);
  };
  const traceExporters = exportersFrom(
    'OTEL_TRACES_EXPORTER',
    env.OTEL_TRACES_EXPORTER,
    ['otlp', 'none'],
    logger,
  );
  const metricExporters = exportersFrom(
    'OTEL_METRICS_EXPORTER',
    env.OTEL_METRICS_EXPORTER,
    ['otlp', 'prometheus', 'none'],
    logger,
  );
  // `none` is never among those returned.
  const logExporters = exportersFrom(
    'OTEL_LOGS_EXPORTER',
    env.OTEL_LOGS_EXPORTER,
    ['otlp', 'console', 'none'],
    logger,
  ) as ReadonlySet<'otlp' | 'console'>;
  const maxQueueSize = options.maxQueueSize ?? positiveInt(env, 'OTEL_BSP_MAX_QUEUE_SIZE', once) ?? 2048;
  const limits = exportLimits(options, env, maxQueueSize, once);
  return {
    serviceName: resolveServiceName(options, env, resource),
    serviceVersion:
      options.serviceVersion ??
      resource['service.version'] ??
      envText(env, 'npm_package_version') ??
      appPackageVersion(),
    serviceInstanceId: resolveInstanceId(options.serviceInstanceId, resource['service.instance.id'], env),
    tracesUrl: signalUrl(endpoint, urls.tracesEndpoint, urls.endpoint, urls.tracesRefused, '/v1/traces'),
    metricsUrl: signalUrl(endpoint, urls.metricsEndpoint, urls.endpoint, urls.metricsRefused, '/v1/metrics'),
    tracesExporter: traceExporters.has('otlp') ? 'otlp' : 'none',
    metricsExporter: metricExporters.has('otlp') ? 'otlp' : 'none',
    logs: {
      exporters: logExporters,
      protocol: logsProtocol(env),
      url: signalUrl(endpoint, urls.logsEndpoint, urls.endpoint, urls.logsRefused, OTLP_LOGS_PATH),
      batch: logBatchSettings((name) => positiveInt(env, name, once)),
    },
    spanProcessors: options.spanProcessors ?? [],
    headers: options.headers,
    // A longer interval timer fires after 1 ms: metrics would be exported a thousand times a second.
    metricIntervalMs: Math.min(
      options.metricIntervalMs ?? positiveInt(env, 'OTEL_METRIC_EXPORT_INTERVAL', once) ?? 15_000,
      MAX_TIMER_MS,
    ),
    exportTimeoutMs: Math.max(
      limits.tracesTimeoutMs,
      limits.metricsTimeoutMs,
      limits.logsTimeoutMs,
      limits.spanBatchTimeoutMs,
      limits.metricReaderTimeoutMs,
    ),
    limits,
    maxQueueSize,
    // One endpoint: Breakwater's own variables, more specific, win over the standard ones.
    // NodeSDK binds no meter provider when disabled: the endpoint would serve an error.
    prometheusPort: prometheusPortUnless(
      disabledBy,
      options.prometheusPort ??
        portNumber(env, ENV.PROMETHEUS_PORT, once) ??
        (metricExporters.has('prometheus')
          ? (portNumber(env, 'OTEL_EXPORTER_PROMETHEUS_PORT', once) ?? DEFAULT_PROMETHEUS_PORT)
          : undefined),
      control !== false,
      logger,
    ),
    // Loopback unless asked, whichever variable started the endpoint.
    prometheusHost:
      options.prometheusHost ??
      envText(env, ENV.PROMETHEUS_HOST) ??
      envText(env, 'OTEL_EXPORTER_PROMETHEUS_HOST') ??
      '127.0.0.1',
    captureMaxBytes:
      options.captureMaxBytes ??
      captureMaxBytesFromEnv(env, (value) =>
        once(`${ENV.CAPTURE_MAX_BYTES}=${value}: not a positive integer; ignored`),
      ) ??
      DEFAULT_CAPTURE_MAX_BYTES,
    control,
    handleSignals: options.handleSignals ?? true,
    logger,
  };
}
