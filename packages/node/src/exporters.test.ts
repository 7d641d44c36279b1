import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type OpenAIType from 'openai';
import { type Breakwater, resolveOptions, start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

// `OTEL_TRACES_EXPORTER=none` / `OTEL_METRICS_EXPORTER=none` keep telemetry in the process, while
// the app's own span processors still see every span (set before start(), for this file's process).

const require = createRequire(import.meta.url);
const receiver = recordingReceiver();
const spans = new InMemorySpanExporter();
let fp: FaultProvider;
let bw: Breakwater;

before(async () => {
  const endpoint = await receiver.listen();
  fp = await startFaultProvider();
  process.env.OTEL_TRACES_EXPORTER = 'none';
  process.env.OTEL_METRICS_EXPORTER = 'none';
  bw = start({
    serviceName: 'exporters-test',
    endpoint,
    control: false,
    handleSignals: false,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
});

after(async () => {
  await fp.close();
  receiver.close();
});

it('with the exporters set to none, spans reach the app’s processors and nothing is sent', async () => {
  const OpenAI = require('openai').default as typeof OpenAIType;
  const client = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl });
  fp.script({ model: 'gpt-none', steps: [{ fault: 'error', status: 503, count: 1 }] });
  await client.chat.completions.create({ model: 'gpt-none', messages: [{ role: 'user', content: 'hi' }] });
  const roles = spans.getFinishedSpans().map((s) => s.attributes['breakwater.role']);
  assert.deepEqual(roles.sort(), ['attempt', 'attempt', 'operation']);
  await bw.forceFlush();
  await bw.shutdown();
  assert.deepEqual(
    receiver.received.map((r) => r.path),
    [],
  );
});

describe('OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER', () => {
  const choices = (env: NodeJS.ProcessEnv) => {
    const logged: string[] = [];
    const o = resolveOptions({ logger: (m) => logged.push(m) }, env);
    return { traces: o.tracesExporter, metrics: o.metricsExporter, logged };
  };

  it('default to otlp; none turns a signal off', () => {
    assert.deepEqual(choices({}), { traces: 'otlp', metrics: 'otlp', logged: [] });
    assert.deepEqual(choices({ OTEL_TRACES_EXPORTER: ' None ', OTEL_METRICS_EXPORTER: 'otlp' }), {
      traces: 'none',
      metrics: 'otlp',
      logged: [],
    });
  });

  it('an exporter that is not built in is reported, and OTLP is used rather than nothing', () => {
    const { traces, logged } = choices({ OTEL_TRACES_EXPORTER: 'console,otlp' });
    assert.equal(traces, 'otlp');
    assert.deepEqual(logged, [
      'OTEL_TRACES_EXPORTER=console,otlp: only otlp and none are supported; exporting with otlp',
    ]);
  });
});

describe('OTEL_METRICS_EXPORTER=prometheus', () => {
  const metrics = (env: NodeJS.ProcessEnv, options = {}) => {
    const logged: string[] = [];
    const o = resolveOptions({ ...options, logger: (m) => logged.push(m) }, env);
    return { otlp: o.metricsExporter, port: o.prometheusPort, host: o.prometheusHost, logged };
  };

  it('serves the endpoint on OTEL_EXPORTER_PROMETHEUS_HOST:PORT, by default 127.0.0.1:9464, with no OTLP metrics unless listed', () => {
    assert.deepEqual(metrics({ OTEL_METRICS_EXPORTER: 'prometheus' }), {
      otlp: 'none',
      port: 9464,
      host: '127.0.0.1',
      logged: [],
    });
    assert.deepEqual(
      metrics({
        OTEL_METRICS_EXPORTER: 'otlp, Prometheus',
        OTEL_EXPORTER_PROMETHEUS_PORT: '9100',
        OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
      }),
      { otlp: 'otlp', port: 9100, host: '0.0.0.0', logged: [] },
    );
    // The port variable alone does not start an endpoint, as in the OpenTelemetry SDK.
    assert.equal(metrics({ OTEL_EXPORTER_PROMETHEUS_PORT: '9100' }).port, undefined);
  });

  it('BREAKWATER_PROMETHEUS_PORT adds the endpoint beside OTLP, and wins over the standard port', () => {
    assert.deepEqual(metrics({ BREAKWATER_PROMETHEUS_PORT: '9200' }), {
      otlp: 'otlp',
      port: 9200,
      host: '127.0.0.1',
      logged: [],
    });
    const both = {
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_PORT: '9100',
      OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
      BREAKWATER_PROMETHEUS_PORT: '9200',
      BREAKWATER_PROMETHEUS_HOST: '10.0.0.5',
    };
    assert.deepEqual(metrics(both), { otlp: 'none', port: 9200, host: '10.0.0.5', logged: [] });
    assert.deepEqual(metrics(both, { prometheusPort: 9300, prometheusHost: '::1' }), {
      otlp: 'none',
      port: 9300,
      host: '::1',
      logged: [],
    });
  });

  it('a bad port or an exporter not built in is reported, and what applies is said', () => {
    assert.deepEqual(
      metrics({ OTEL_METRICS_EXPORTER: 'prometheus,console', OTEL_EXPORTER_PROMETHEUS_PORT: '70000' }),
      {
        otlp: 'none',
        port: 9464,
        host: '127.0.0.1',
        logged: [
          'OTEL_METRICS_EXPORTER=prometheus,console: only otlp, prometheus and none are supported; exporting with prometheus',
          'OTEL_EXPORTER_PROMETHEUS_PORT=70000: not a port number (1 to 65535); ignored',
        ],
      },
    );
  });
});
