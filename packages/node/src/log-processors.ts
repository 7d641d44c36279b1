/**
 * The log record processors `start()` gives NodeSDK: what the SDK would build from
 * `OTEL_LOGS_EXPORTER` and the OTLP logs variables, but with the OTLP exporter's failures told
 * once (export-failures.ts). Left to the SDK, a log record the endpoint refuses (Breakwater's
 * collector answers 404: it takes traces and metrics only) was dropped with a line to `diag` only.
 */
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import {
  ConsoleLogRecordExporter,
  type LogRecordExporter,
  type LogRecordProcessor,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { reportingFailures } from './export-failures.ts';
import { LogBatches } from './flush-unless-failing.ts';
import type { ResolvedOptions } from './options.ts';

/** The processors for `OTEL_LOGS_EXPORTER`; none for `none`. */
export function logRecordProcessors(o: ResolvedOptions): LogRecordProcessor[] {
  const processors: LogRecordProcessor[] = [];
  if (o.logs.exporters.has('otlp')) {
    // Its flush skips a failing export (flush-unless-failing.ts).
    const health = { failing: false };
    processors.push(
      new LogBatches(
        { exporter: reportingFailures(otlpLogExporter(o), 'log', o.logger, health), ...o.logs.batch },
        health,
      ),
    );
  }
  if (o.logs.exporters.has('console')) {
    processors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
  }
  return processors;
}

/** The OTLP log exporter of the protocol asked for; the exporters read the other variables. */
function otlpLogExporter(o: ResolvedOptions): LogRecordExporter {
  const timeoutMillis = o.limits.logsTimeoutMs;
  // A gRPC endpoint has no path, and takes metadata, not headers: the base endpoint and
  // `headers` options, for OTLP/HTTP, are not its.
  if (o.logs.protocol === 'grpc') return new GrpcLogExporter({ timeoutMillis });
  const config = {
    ...(o.logs.url !== undefined ? { url: o.logs.url } : {}),
    ...(o.headers !== undefined ? { headers: { ...o.headers } } : {}),
    timeoutMillis,
  };
  return o.logs.protocol === 'http/json' ? new JsonLogExporter(config) : new ProtobufLogExporter(config);
}
