/**
 * Export failures, told once. The OTLP exporters report a failed export only to their processor,
 * which drops the batch without a word (OpenTelemetry's diag logger is off unless the app sets
 * one up): an app whose collector refuses its token, or is not listening, would lose every span
 * and metric in silence until shutdown. The first failure of each signal is logged with what to
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

/** `ExportResultCode.SUCCESS`. */
const SUCCESS = 0;

/**
 * Makes `exporter` log its first failed export (and its recovery) through `log`. The exporter's
 * own `export` is wrapped in place, so everything else about it (a metric exporter's temporality
 * and aggregation choices) stays as it is. Returns `exporter`.
 */
export function reportingFailures<T, E extends Exporter<T>>(
  exporter: E,
  signal: 'span' | 'metric',
  log: (message: string) => void,
): E {
  const send = exporter.export.bind(exporter);
  let failing = false;
  exporter.export = (items: T, done: (result: ExportOutcome) => void): void => {
    send(items, (result) => {
      if (result.code === SUCCESS) {
        if (failing) log(`${signal} export recovered`);
        failing = false;
      } else if (!failing) {
        failing = true;
        log(
          `${signal} export failed, ${signal}s are dropped until it recovers (logged once): ${failureHint(result.error)}`,
        );
      }
      done(result);
    });
  };
  return exporter;
}

/** What went wrong, and what to check, for an exporter's error. */
export function failureHint(error: Error | undefined): string {
  const status = (error as { code?: unknown } | undefined)?.code;
  if (typeof status === 'number') {
    if (status === 401 || status === 403) {
      return `the collector refused the credentials (HTTP ${status}); set OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <ingest token>" or start({ headers })`;
    }
    if (status === 404) {
      return 'nothing at that path (HTTP 404); OTEL_EXPORTER_OTLP_ENDPOINT is the base URL, without /v1/traces';
    }
    return `HTTP ${status}: ${error?.message ?? 'no message'}`;
  }
  const network = networkCode(error);
  if (network !== undefined) {
    return `cannot reach the collector (${network}); check OTEL_EXPORTER_OTLP_ENDPOINT and that the collector is running`;
  }
  return error?.message ?? 'unknown error';
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
