import { COLLECTOR_PATHS, OTLP_LOGS_PATH } from '@breakwater/protocol';

/** Where the collector's API paths begin: a path with something before it kept a proxy's prefix. */
const API_ROOT = '/v1/';

/**
 * The message of a 404 for `pathname`. An app's OpenTelemetry SDK exports logs to
 * `<endpoint>/v1/logs` by default, and the endpoint is often this collector: a bare "no route"
 * there reads like a wrong URL, so it says what the collector takes and where logs should go.
 * A reverse proxy that routes a path prefix to the collector without stripping it
 * (`proxy_pass http://collector:4318;` without the trailing slash) sends every request here as
 * `/prefix/v1/…`: the message names the prefix to strip.
 */
export function notFoundMessage(pathname: string): string {
  const message = `no route for ${pathname}`;
  const api = pathname.indexOf(API_ROOT);
  if (api > 0) {
    return (
      `${message}: the collector serves ${pathname.slice(api)} at its root; a reverse proxy in front ` +
      `must strip the ${pathname.slice(0, api)} prefix (nginx: proxy_pass with a trailing slash, ` +
      '"location /prefix/ { proxy_pass http://collector:4318/; }")'
    );
  }
  if (pathname !== OTLP_LOGS_PATH) return message;
  return (
    `${message}: Breakwater's collector takes OTLP traces (${COLLECTOR_PATHS.TRACES}) and metrics ` +
    `(${COLLECTOR_PATHS.METRICS_INGEST}) only; send logs to a collector that takes them ` +
    '(OTEL_EXPORTER_OTLP_LOGS_ENDPOINT), or set OTEL_LOGS_EXPORTER=none'
  );
}
