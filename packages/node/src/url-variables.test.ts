import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { type Breakwater, resolveOptions, start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

function resolved(env: NodeJS.ProcessEnv, options: Record<string, unknown> = {}) {
  const logged: string[] = [];
  const o = resolveOptions({ ...options, logger: (m: string) => logged.push(m) }, env);
  return { o, logged, control: o.control === false ? undefined : o.control.url };
}

describe('URL variables and options that are not http(s) URLs', () => {
  it('OTEL_EXPORTER_OTLP_ENDPOINT without a scheme: one line, the default used, never the garbage URL', () => {
    const { o, logged, control } = resolved({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:47040' });
    assert.deepEqual(logged, [
      'OTEL_EXPORTER_OTLP_ENDPOINT=localhost:47040: must be an http:// or https:// URL, such as http://localhost:47040; ignored (the per-signal variables or http://localhost:4318 apply)',
    ]);
    // Told to the exporters, which would otherwise read the variable themselves.
    assert.equal(o.tracesUrl, 'http://localhost:4318/v1/traces');
    assert.equal(o.metricsUrl, 'http://localhost:4318/v1/metrics');
    assert.equal(control, 'http://127.0.0.1:4318', 'not null47040');
  });

  it('a refused variable gives way to the next one, as if unset', () => {
    const { o, logged, control } = resolved({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://gateway:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318/v1/traces',
      BREAKWATER_COLLECTOR_URL: '127.0.0.1:47040',
    });
    assert.deepEqual(logged, [
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=collector:4318/v1/traces: must be an http:// or https:// URL, such as http://collector:4318/v1/traces; ignored (OTEL_EXPORTER_OTLP_ENDPOINT or http://localhost:4318 applies)',
      'BREAKWATER_COLLECTOR_URL=127.0.0.1:47040: must be an http:// or https:// URL, such as http://127.0.0.1:47040; ignored (the control client connects to the collector the spans go to)',
    ]);
    assert.equal(o.tracesUrl, 'http://gateway:4318/v1/traces');
    assert.equal(o.metricsUrl, undefined, 'the metrics exporter reads its variables itself');
    assert.equal(control, 'http://gateway:4318');
    assert.match(
      resolved({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'grpc://collector:4317' }).logged[0]!,
      /^OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=grpc:\/\/collector:4317: must be an http:\/\/ or https:\/\/ URL; ignored/,
    );
  });

  it('the endpoint and control.url options are checked alike', () => {
    const { o, logged, control } = resolved(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.internal:4318' },
      { endpoint: 'localhost:47040', control: { url: 'collector:47040' } },
    );
    assert.deepEqual(logged, [
      'endpoint: must be an http:// or https:// URL, such as http://localhost:47040 (got "localhost:47040"); ignored (OTEL_EXPORTER_OTLP_ENDPOINT or the default applies)',
      'control.url: must be an http:// or https:// URL, such as http://collector:47040 (got "collector:47040"); ignored (BREAKWATER_COLLECTOR_URL or the collector the spans go to applies)',
    ]);
    assert.equal(o.tracesUrl, undefined);
    assert.equal(control, 'http://collector.internal:4318');
  });

  it('http and https URLs are quiet', () => {
    const { logged } = resolved({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example/prefix/',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces',
      BREAKWATER_COLLECTOR_URL: 'http://[::1]:47040',
    });
    assert.deepEqual(logged, []);
  });
});

describe('start() with a traces variable that is not a URL', () => {
  const receiver = recordingReceiver();
  let bw: Breakwater | undefined;
  after(async () => {
    await bw?.shutdown();
    receiver.close();
  });

  it('exports spans to the base endpoint, not to the refused variable', async () => {
    const endpoint = await receiver.listen();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = endpoint.replace('http://', '');
    process.env.OTEL_METRICS_EXPORTER = 'none';
    const logged: string[] = [];
    bw = start({
      serviceName: 'url-variables',
      control: false,
      handleSignals: false,
      logger: (m) => logged.push(m),
    });
    assert.equal(logged.length, 1, logged.join('\n'));
    trace.getTracer('test').startSpan('through-the-base-endpoint').end();
    await bw.forceFlush();
    const traces = receiver.received.filter((r) => r.path === '/v1/traces');
    assert.match(traces.map((t) => t.body).join('\n'), /through-the-base-endpoint/);
  });
});
