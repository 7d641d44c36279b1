import { COLLECTOR_PATHS, OTLP_LOGS_PATH } from '@breakwater/protocol';

/**
 * The message of a 404 for `pathname`. An app's OpenTelemetry SDK exports logs to
 * `<endpoint>/v1/logs` by default, and the endpoint is often this collector: a bare "no route"
 * there reads like a wrong URL, so it says what the collector takes and where logs should go.
 */
export function notFoundMessage(pathname: string): string {
  const message = `no route for ${pathname}`;
  if (pathname !== OTLP_LOGS_PATH) return message;
  return (
    `${message}: Breakwater's collector takes OTLP traces (${COLLECTOR_PATHS.TRACES}) and metrics ` +
    `(${COLLECTOR_PATHS.METRICS_INGEST}) only; send logs to a collector that takes them ` +
    '(OTEL_EXPORTER_OTLP_LOGS_ENDPOINT), or set OTEL_LOGS_EXPORTER=none'
  );
}
