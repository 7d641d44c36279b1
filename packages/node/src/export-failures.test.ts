import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { failureHint, reportingFailures } from './export-failures.ts';
import { start } from './index.ts';
import { until } from './testing/until.ts';

/** An OTLP receiver that answers every request with `status.value`. */
async function switchableReceiver(status: { value: number }) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status.value, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

it('a refused span export is logged once with what to set, its recovery once, and a new failure again', async () => {
  const status = { value: 401 };
  const receiver = await switchableReceiver(status);
  const lines: string[] = [];
  const bw = start({
    serviceName: 'export-failure-test',
    endpoint: receiver.url,
    control: false,
    handleSignals: false,
    metricIntervalMs: 3_600_000,
    logger: (m) => lines.push(m),
  });
  const spanLines = () => lines.filter((l) => l.startsWith('span export'));
  const exportOne = async () => {
    trace.getTracer('t').startSpan('work').end();
    await bw.forceFlush();
  };

  await exportOne();
  await exportOne();
  assert.equal(spanLines().length, 1, lines.join('\n'));
  assert.match(
    spanLines()[0]!,
    /span export failed.*HTTP 401.*OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer/,
  );

  // While it fails, a flush does not wait on it (flush-unless-failing.ts): the batch processor's
  // background export is what finds the collector answering again.
  status.value = 200;
  await until(() => spanLines().length === 2, 'the background export recovering', 5_000);
  await exportOne();
  await exportOne();
  assert.deepEqual(spanLines().slice(1), ['span export recovered']);

  status.value = 403;
  await exportOne();
  assert.equal(spanLines().length, 3);
  assert.match(spanLines()[2]!, /HTTP 403/);
  await bw.shutdown();
  receiver.close();
});

it('an unreachable collector is named as such, once', async () => {
  const closed = createTcpServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const lines: string[] = [];
  const exporter = reportingFailures(
    new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces`, timeoutMillis: 300 }),
    'span',
    (m) => lines.push(m),
  );
  const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
  for (let i = 0; i < 2; i++) {
    provider.getTracer('t').startSpan('work').end();
    await provider.forceFlush().catch(() => {}); // a batch processor's flush rejects with the export's error
  }
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /cannot reach the collector \(ECONNREFUSED\); check OTEL_EXPORTER_OTLP_ENDPOINT/);
  await provider.shutdown();
});

it("the exporter's own failures (a timeout, a too-large batch, retryable statuses to the end) come with what to check", async () => {
  const mode = { value: 'hang' as 'hang' | 413 | 503 };
  const server = createServer((req, res) => {
    req.resume();
    if (mode.value === 'hang') return; // headers never come: the exporter's timeout ends it
    req.on('end', () =>
      res.writeHead(mode.value as number, { 'content-type': 'application/json' }).end('{}'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  const firstLine = async (): Promise<string> => {
    const lines: string[] = [];
    // 300 ms: shorter than the exporter's first back-off (about 1 s), so a 503 is not retried.
    const exporter = reportingFailures(new OTLPTraceExporter({ url, timeoutMillis: 300 }), 'span', (m) =>
      lines.push(m),
    );
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
    provider.getTracer('t').startSpan('work').end();
    await provider.forceFlush().catch(() => {});
    await provider.shutdown().catch(() => {});
    assert.equal(lines.length, 1, lines.join('\n'));
    return lines[0]!;
  };
  try {
    assert.match(
      await firstLine(),
      /Request timed out: the collector did not answer within the export timeout/,
    );
    mode.value = 413;
    assert.match(
      await firstLine(),
      /too large \(HTTP 413\); raise the collector's limits\.maxJsonBodyBytes, or send smaller span batches/,
    );
    mode.value = 503;
    assert.match(
      await firstLine(),
      /Export failed with retryable status: the collector answered 429, 502, 503 or 504/,
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

// Regression: nginx refuses bodies over its client_max_body_size (1 MiB by default) with its own
// HTML page, and the hint sent the operator to the collector's limits, which were never reached.
it('a 413 a proxy answered (an HTML page) names the proxy and its body limit, not the collector', async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res
        .writeHead(413, { 'content-type': 'text/html' })
        .end(
          '<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n',
        ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lines: string[] = [];
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  const exporter = reportingFailures(new OTLPTraceExporter({ url, timeoutMillis: 2_000 }), 'span', (m) =>
    lines.push(m),
  );
  const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
  try {
    provider.getTracer('t').startSpan('work').end();
    await provider.forceFlush().catch(() => {});
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /a proxy in front of the collector refused the batch as too large \(HTTP 413/);
    assert.match(lines[0]!, /client_max_body_size/);
    assert.doesNotMatch(lines[0]!, /maxJsonBodyBytes/);
  } finally {
    await provider.shutdown().catch(() => {});
    server.closeAllConnections();
    server.close();
  }
});

it('a 413 for metrics names the collector limit only (span batch sizes are no help there)', () => {
  const tooLarge = Object.assign(new Error('Payload Too Large'), { code: 413 });
  assert.equal(
    failureHint(tooLarge, 'metric'),
    "the collector refused the batch as too large (HTTP 413); raise the collector's limits.maxJsonBodyBytes",
  );
});

// Regression: a metric export's 404 said the endpoint goes "without /v1/traces", also when the
// endpoint set was …/v1/metrics: each signal's hint names its own path, and its own variable
// (whose URL is taken whole: …/v1/traces/ is another path).
it('a 404 names the path of the signal that failed', () => {
  const notFound = Object.assign(new Error('Not Found'), { code: 404 });
  assert.equal(
    failureHint(notFound, 'span'),
    'nothing at that path (HTTP 404); OTEL_EXPORTER_OTLP_ENDPOINT is the base URL, without /v1/traces, and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT the whole URL, with it (no trailing /)',
  );
  assert.equal(
    failureHint(notFound, 'metric'),
    'nothing at that path (HTTP 404); OTEL_EXPORTER_OTLP_ENDPOINT is the base URL, without /v1/metrics, and OTEL_EXPORTER_OTLP_METRICS_ENDPOINT the whole URL, with it (no trailing /)',
  );
});

// Logs go to the OTLP endpoint, whose /v1/logs Breakwater's collector does not serve; a log
// exporter over gRPC fails with a gRPC status, which is no HTTP status.
it('a failed log export says where logs go, and a gRPC status is not called HTTP', () => {
  const notFound = Object.assign(new Error('Not Found'), { code: 404 });
  assert.match(
    failureHint(notFound, 'log'),
    /^nothing at that path \(HTTP 404\): the endpoint takes no logs \(Breakwater's collector takes traces and metrics only; an OpenTelemetry Collector needs a logs pipeline\); point OTEL_EXPORTER_OTLP_LOGS_ENDPOINT at a collector that takes logs .*, or set OTEL_LOGS_EXPORTER=none$/,
  );
  const unavailable = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
  assert.equal(failureHint(unavailable, 'log'), '14 UNAVAILABLE: No connection established');
});

it('an export that ends after a later one has settled does not change what the later one said', () => {
  const lines: string[] = [];
  const pending: ((result: { code: number; error?: Error }) => void)[] = [];
  const health = { failing: true };
  const exporter = reportingFailures(
    { export: (_items: string, done: (result: { code: number }) => void) => void pending.push(done) },
    'span',
    (m) => lines.push(m),
    health,
  );
  const outcomes: string[] = [];
  exporter.export('older', (result) => outcomes.push(`older ${result.code}`));
  exporter.export('newer', (result) => outcomes.push(`newer ${result.code}`));
  const [older, newer] = pending;
  // The newer export reaches a collector back up; the older one times out after it.
  newer!({ code: 0 });
  older!({ code: 1, error: new Error('Request timed out') });
  assert.equal(health.failing, false, 'still recovered');
  assert.deepEqual(lines, ['span export recovered']);
  // The exporter's caller still gets every outcome.
  assert.deepEqual(outcomes, ['newer 0', 'older 1']);
});
