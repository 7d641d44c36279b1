import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as OTLP/HTTP JSON carries it, as far as the tests read it. */
export interface ExportedSpan {
  name: string;
  traceId: string;
  spanId: string;
  /** Empty or absent for a root span. */
  parentSpanId?: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

/** An OTLP/HTTP receiver in the test's process, keeping the spans app processes export to it. */
export interface SpanReceiver {
  /** What `OTEL_EXPORTER_OTLP_ENDPOINT` of an app points at. */
  readonly endpoint: string;
  /** Every span received so far, in arrival order. */
  readonly spans: ExportedSpan[];
  /** The name of every metric in every metrics export received so far. */
  readonly metricNames: Set<string>;
  close(): void;
}

/**
 * Starts a receiver on a free loopback port that takes JSON trace exports and answers every
 * export with success (of metrics only their names are kept; logs are dropped): the tests read
 * what an app exported without a collector.
 */
export async function startSpanReceiver(): Promise<SpanReceiver> {
  const spans: ExportedSpan[] = [];
  const metricNames = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of body.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans as ExportedSpan[]));
      } else if (req.url === '/v1/metrics') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rm of body.resourceMetrics ?? [])
          for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) metricNames.add(m.name);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    metricNames,
    close: () => server.close(),
  };
}

/** The value of attribute `key` of `span`: its string, or its integer as a number. */
export function spanAttr(span: ExportedSpan, key: string): string | number | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
}
