/**
 * Export failures, told once. The OTLP exporters report a failed export only to their processor,
 * which drops the batch without a word (OpenTelemetry's diag logger is off unless the app sets
 * one up): an app whose collector refuses its token, or is not listening, would lose every span,
 * metric and log record in silence until shutdown. The first failure of each signal is logged with what to
 * check; then nothing more until an export succeeds again, which is logged too, so a collector
 * that is down for an hour costs two lines, not one per batch.
 */

/** What an exporter's `export` callback gets (`ExportResult` of `@opentelemetry/core`). */
interface ExportOutcome {
  readonly code: number;
  readonly error?: Error | undefined;
}

interface Exporter<T> {
  export(items: T, done: (result: ExportOutcome) => void): void;
}

/** What an exporter exports: spans, metrics or the app's log records. */
export type ExportedSignal = 'span' | 'metric' | 'log';

/**
 * Whether a signal's exports fail now: the last one failed and none has succeeded since. Kept by
 * {@link reportingFailures}; a flush reads it to skip waiting on a collector that is down.
 */
export interface ExportHealth {
  failing: boolean;
}

/** `ExportResultCode.SUCCESS`. */
const SUCCESS = 0;

/**
 * Makes `exporter` log its first failed export (and its recovery) through `log`. The exporter's
 * own `export` is wrapped in place, so everything else about it (a metric exporter's temporality
 * and aggregation choices) stays as it is; `health` follows its outcomes. Returns `exporter`.
 */
export function reportingFailures<T, E extends Exporter<T>>(
  exporter: E,
  signal: ExportedSignal,
  log: (message: string) => void,
  health: ExportHealth = { failing: false },
): E {
  const send = exporter.export.bind(exporter);
  // Exports overlap (a timed-out request can end after a later one): an outcome counts only when
  // no export started after it has settled, so a late failure does not mark a recovered
  // collector failing again, and skip the next flush.
  let started = 0;
  let settled = 0;
  exporter.export = (items: T, done: (result: ExportOutcome) => void): void => {
    const order = ++started;
    send(items, (result) => {
      if (order < settled) {
        done(result);
        return;
      }
      settled = order;
      if (result.code === SUCCESS) {
        if (health.failing) log(`${signal} export recovered`);
        health.failing = false;
      } else if (!health.failing) {
        health.failing = true;
        log(
          `${signal} export failed, ${signal}s are dropped until it recovers (logged once): ${failureHint(result.error, signal)}`,
        );
      }
      done(result);
    });
  };
  return exporter;
}

/** What went wrong, and what to check, for an exporter's error on exporting `signal`s. */
export function failureHint(error: Error | undefined, signal: ExportedSignal = 'span'): string {
  const status = (error as { code?: unknown } | undefined)?.code;
  if (typeof status === 'number') {
    if (status === 401 || status === 403) {
      return `the collector refused the credentials (HTTP ${status}); set OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <ingest token>" or start({ headers })`;
    }
    if (status === 404 && signal === 'log') {
      // Logs go to the OTLP endpoint by default, and Breakwater's collector serves no /v1/logs.
      return `nothing at that path (HTTP 404): the endpoint takes no logs (Breakwater's collector takes traces and metrics only; an OpenTelemetry Collector needs a logs pipeline); point OTEL_EXPORTER_OTLP_LOGS_ENDPOINT at a collector that takes logs (the whole URL, with /v1/logs), or set OTEL_LOGS_EXPORTER=none`;
    }
    if (status === 404) {
      const [path, own] = signal === 'span' ? ['/v1/traces', 'TRACES'] : ['/v1/metrics', 'METRICS'];
      return `nothing at that path (HTTP 404); OTEL_EXPORTER_OTLP_ENDPOINT is the base URL, without ${path}, and OTEL_EXPORTER_OTLP_${own}_ENDPOINT the whole URL, with it (no trailing /)`;
    }
    if (status === 413 && fromProxy(error)) {
      // nginx refuses bodies over 1 MiB (client_max_body_size) before the collector sees them.
      return `a proxy in front of the collector refused the batch as too large (HTTP 413, with an HTML page, not the collector's answer); raise its request body limit (nginx: client_max_body_size 64m; ingress-nginx: the proxy-body-size annotation), or compress exports (OTEL_EXPORTER_OTLP_COMPRESSION=gzip)`;
    }
    if (status === 413 && signal === 'log') {
      return 'the collector refused the batch as too large (HTTP 413); send smaller log batches (OTEL_BLRP_MAX_EXPORT_BATCH_SIZE)';
    }
    if (status === 413) {
      // The exporters send OTLP/JSON, whose cap at the collector is its own (20 MiB by default).
      const smaller =
        signal === 'span' ? ', or send smaller span batches (OTEL_BSP_MAX_EXPORT_BATCH_SIZE)' : '';
      return `the collector refused the batch as too large (HTTP 413); raise the collector's limits.maxJsonBodyBytes${smaller}`;
    }
    // A gRPC status (0 to 16: a log exporter over gRPC) says what it is in its message.
    if (status < 100) return error?.message ?? `gRPC status ${status}`;
    return `HTTP ${status}: ${error?.message ?? 'no message'}`;
  }
  const network = networkCode(error);
  if (network !== undefined) {
    const variable =
      signal === 'log'
        ? 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT,'
        : 'OTEL_EXPORTER_OTLP_ENDPOINT';
    return `cannot reach the collector (${network}); check ${variable} and that the collector is running`;
  }
  const message = error?.message;
  const advice = message === undefined ? undefined : EXPORTER_MESSAGE_ADVICE.get(message);
  if (advice !== undefined) return `${message}: ${advice}`;
  return message ?? 'unknown error';
}

/**
 * Advice for the errors the OTLP exporters make up themselves (no status, no network code), by
 * their message. An exporter version that words them differently gets its message alone.
 */
const EXPORTER_MESSAGE_ADVICE: ReadonlyMap<string, string> = new Map([
  [
    'Request timed out',
    'the collector did not answer within the export timeout (exportTimeoutMs, OTEL_EXPORTER_OTLP_TIMEOUT; 5 s by default); check that it is running and not overloaded',
  ],
  [
    'Concurrent export limit reached',
    'earlier exports are still waiting on the collector; check that it is running and answers in time',
  ],
  [
    'Export failed with retryable status',
    "the collector answered 429, 502, 503 or 504 through all of the exporter's retries (overloaded or restarting); check its logs and load",
  ],
]);

/**
 * Whether a refusal came from a proxy in front of the collector rather than from the collector:
 * the exporters keep the answer's body as `data`, and where the collector answers an OTLP/HTTP
 * error as a `google.rpc.Status` (JSON to the JSON exporters), nginx and other proxies answer
 * with an HTML page.
 */
function fromProxy(error: Error | undefined): boolean {
  const body = (error as { data?: unknown } | undefined)?.data;
  return typeof body === 'string' && /^\s*<(?:!doctype\s+html|html)\b/i.test(body);
}

/** A Node network error code (`ECONNREFUSED`, …) on the error or its causes. */
function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
