import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { tool } from '@breakwater/instrumentation';
import { type Breakwater, start } from './index.ts';
import { freePort } from './testing/free-port.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

// `OTEL_METRICS_EXPORTER=prometheus`, the standard way to ask for a scrape endpoint, serves the
// SDK's metrics on OTEL_EXPORTER_PROMETHEUS_HOST:OTEL_EXPORTER_PROMETHEUS_PORT and, without
// `otlp` in the list, sends none over OTLP (set before start(), for this file's process).

const receiver = recordingReceiver();
let bw: Breakwater;
let port: number;
const logged: string[] = [];

before(async () => {
  const endpoint = await receiver.listen();
  port = await freePort();
  process.env.OTEL_METRICS_EXPORTER = 'prometheus';
  process.env.OTEL_EXPORTER_PROMETHEUS_PORT = String(port);
  process.env.OTEL_EXPORTER_PROMETHEUS_HOST = '127.0.0.1';
  bw = start({
    serviceName: 'prometheus-env',
    endpoint,
    control: false,
    handleSignals: false,
    logger: (m) => logged.push(m),
  });
});

after(() => receiver.close());

it('OTEL_METRICS_EXPORTER=prometheus serves the metrics on OTEL_EXPORTER_PROMETHEUS_PORT, and none go over OTLP', async () => {
  assert.equal(bw.options.prometheusPort, port);
  assert.equal(bw.options.metricsExporter, 'none');
  await tool('lookup_order', async (id: string) => ({ id }))('A-1');
  // The endpoint starts listening in the background: ask until it answers (bounded).
  const deadline = Date.now() + 3_000;
  let response: Response | undefined;
  while (response === undefined) {
    try {
      response = await fetch(`http://127.0.0.1:${port}/metrics`);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.match(
    text,
    /^gen_ai_execute_tool_duration\w*_count\{[^}]*gen_ai_tool_name="lookup_order"[^}]*\} 1$/m,
  );
  await bw.shutdown();
  const paths = new Set(receiver.received.map((r) => r.path));
  assert.ok(paths.has('/v1/traces'), 'spans still go over OTLP');
  assert.ok(!paths.has('/v1/metrics'), 'metrics do not');
  assert.deepEqual(logged, []);
});
