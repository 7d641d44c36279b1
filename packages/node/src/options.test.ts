import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS } from '@breakwater/protocol';
import { resolveOptions } from './options.ts';

const quiet = { logger: () => {} };

describe('resolveOptions: the environment', () => {
  it('treats blank variables as unset, as OpenTelemetry does', () => {
    const o = resolveOptions(quiet, {
      OTEL_SERVICE_NAME: '',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=checkout',
      BREAKWATER_COLLECTOR_URL: ' ',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.internal:4318',
      BREAKWATER_SUBSCRIBE_TOKEN: '',
    });
    assert.equal(o.serviceName, 'checkout');
    assert.deepEqual(o.control, { url: 'http://collector.internal:4318', token: undefined });
  });

  it('reads the standard export timeouts and batch sizes, each falling back to ours', () => {
    const o = resolveOptions(quiet, {
      OTEL_EXPORTER_OTLP_TIMEOUT: '20000',
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '7000',
      OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '9000',
      OTEL_BSP_EXPORT_TIMEOUT: '30000',
      OTEL_BSP_MAX_QUEUE_SIZE: '10',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50',
    });
    assert.deepEqual(o.limits, {
      tracesTimeoutMs: 20_000,
      metricsTimeoutMs: 7_000,
      logsTimeoutMs: 9_000,
      spanBatchTimeoutMs: 30_000,
      metricReaderTimeoutMs: 5_000,
      maxExportBatchSize: 10, // at most the queue
      spanDelayMs: 1_000,
    });
    assert.equal(o.maxQueueSize, 10);
    assert.equal(o.exportTimeoutMs, 30_000, 'the longest step bounds the flush on a signal');
  });

  it('caps export timeouts at the longest timer Node can set', () => {
    // Beyond 2^31 - 1 ms a Node timer fires after 1 ms: every export would time out at once.
    const env = resolveOptions(quiet, { OTEL_EXPORTER_OTLP_TIMEOUT: '3000000000' });
    assert.equal(env.limits.tracesTimeoutMs, MAX_TIMER_MS);
    assert.equal(env.exportTimeoutMs, MAX_TIMER_MS);
    assert.equal(resolveOptions({ ...quiet, exportTimeoutMs: Infinity }, {}).exportTimeoutMs, MAX_TIMER_MS);
  });

  it('uses the endpoint and control URL trimmed, as they are checked', () => {
    const o = resolveOptions(
      { ...quiet, endpoint: ' http://collector:4318/ ', control: { url: ' http://c:9 ' } },
      {},
    );
    assert.equal(o.tracesUrl, 'http://collector:4318/v1/traces');
    assert.equal(o.metricsUrl, 'http://collector:4318/v1/metrics');
    assert.deepEqual(o.control, { url: 'http://c:9', token: undefined });
  });

  it('uses the subscribe token trimmed, as it is checked and as the variable is read', () => {
    // A token read from a secrets file ends with a newline, which no request header can carry:
    // sent as given, every connection attempt failed before it left the process.
    const o = resolveOptions({ ...quiet, control: { url: 'http://c:9', token: 'subscribe-token\n' } }, {});
    assert.deepEqual(o.control, { url: 'http://c:9', token: 'subscribe-token' });
  });

  it('takes the control URL from where the spans go: the traces endpoint before the base one', () => {
    const traces = resolveOptions(quiet, {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector.internal:4318/v1/traces',
    });
    assert.deepEqual(traces.control, { url: 'http://collector.internal:4318', token: undefined });
    const both = resolveOptions(quiet, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://gateway:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector.internal:4318/v1/traces',
    });
    assert.deepEqual(both.control, { url: 'http://collector.internal:4318', token: undefined });
  });

  it('binds the Prometheus endpoint to BREAKWATER_PROMETHEUS_HOST, loopback by default', () => {
    assert.equal(resolveOptions(quiet, {}).prometheusHost, '127.0.0.1');
    const env = { BREAKWATER_PROMETHEUS_PORT: '9464', BREAKWATER_PROMETHEUS_HOST: '0.0.0.0' };
    assert.equal(resolveOptions(quiet, env).prometheusHost, '0.0.0.0');
    assert.equal(resolveOptions(quiet, env).prometheusPort, 9464);
    assert.equal(resolveOptions({ ...quiet, prometheusHost: '::1' }, env).prometheusHost, '::1');
  });

  it('keeps the path prefix of a collector behind a path-routing proxy', () => {
    const url = (env: NodeJS.ProcessEnv, endpoint?: string) => {
      const control = resolveOptions(endpoint === undefined ? quiet : { ...quiet, endpoint }, env).control;
      return control === false ? undefined : control.url;
    };
    // A base endpoint is where `/v1/traces` is appended, so the collector is at its path.
    assert.equal(
      url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example/breakwater/' }),
      'https://gw.example/breakwater',
    );
    assert.equal(url({}, 'https://gw.example/breakwater'), 'https://gw.example/breakwater');
    // A traces endpoint is the full URL: its `/v1/traces` goes; any other path says nothing of the base.
    assert.equal(
      url({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://gw.example/breakwater/v1/traces' }),
      'https://gw.example/breakwater',
    );
    assert.equal(
      url({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://gw.example/ingest/spans' }),
      'https://gw.example',
    );
  });

  it('explicit options win over the environment', () => {
    const o = resolveOptions(
      { ...quiet, exportTimeoutMs: 1_000, maxQueueSize: 100, serviceName: 'mine' },
      { OTEL_EXPORTER_OTLP_TIMEOUT: '20000', OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_SERVICE_NAME: 'env' },
    );
    assert.equal(o.limits.tracesTimeoutMs, 1_000);
    assert.equal(o.limits.spanBatchTimeoutMs, 1_000);
    assert.equal(o.maxQueueSize, 100);
    assert.equal(o.serviceName, 'mine');
  });
});

describe('resolveOptions: OTEL_RESOURCE_ATTRIBUTES', () => {
  it('reads percent-encoded pairs, skipping blank entries', () => {
    const o = resolveOptions(quiet, {
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=check%2Cout, ,service.version= 1.2.3 ',
    });
    assert.equal(o.serviceName, 'check,out');
    assert.equal(o.serviceVersion, '1.2.3');
  });

  for (const [why, value] of [
    ['an entry without =', 'service.name=checkout,stray'],
    ['an entry with two =', 'service.name=a=b'],
    ['an empty key', 'service.name=checkout,=x'],
    ['bad percent-encoding', 'service.name=checkout,service.version=%E0%A4%A'],
    ['a value over 255 characters', `service.name=checkout,service.version=${'9'.repeat(256)}`],
  ]) {
    it(`discards the whole value for ${why}, as the OpenTelemetry SDK does, and says why`, () => {
      const messages: string[] = [];
      const o = resolveOptions({ logger: (m) => messages.push(m) }, { OTEL_RESOURCE_ATTRIBUTES: value! });
      assert.equal(o.serviceName, 'unknown_service:node', 'not even the valid service.name is kept');
      assert.equal(messages.length, 1, messages.join('\n'));
      assert.match(messages[0]!, /^OTEL_RESOURCE_ATTRIBUTES ignored/);
    });
  }
});

describe('resolveOptions: OTEL_EXPORTER_OTLP_PROTOCOL', () => {
  it('says what is sent when another protocol is asked for; http/json is quiet', () => {
    const messages: string[] = [];
    const logger = (m: string) => messages.push(m);
    resolveOptions({ logger }, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' });
    assert.deepEqual(messages, []);
    resolveOptions({ logger }, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    resolveOptions({ logger }, { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' });
    assert.equal(messages.length, 2);
    assert.match(
      messages[0]!,
      /^OTEL_EXPORTER_OTLP_PROTOCOL=http\/protobuf: spans and metrics are sent as OTLP\/HTTP JSON on the same paths \(log records: http\/protobuf\)/,
    );
    assert.match(
      messages[1]!,
      /^OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=grpc: spans and metrics are exported as OTLP\/HTTP \(JSON bodies\) only;/,
    );
  });
});

// Regression: OpenTelemetry drops an entry it cannot parse without a word, so a malformed
// `Authorization` entry showed up only as every export refused.
describe('resolveOptions: OTEL_EXPORTER_OTLP_HEADERS', () => {
  it('names each entry the exporters leave out, once, by its header name or place, never its value', () => {
    const messages: string[] = [];
    resolveOptions(
      { logger: (m) => messages.push(m) },
      {
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization,x-tenant=acme,,=s3cret-a, x-team =, x-key=s3cret%zz',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'Bearer s3cret-b',
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-tenant=acme;team=x',
        OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'authorization: Bearer s3cret-c',
      },
    );
    assert.deepEqual(messages, [
      'OTEL_EXPORTER_OTLP_HEADERS: entry 1 of 6 is not name=value (it has no "="); left out, the other headers are sent',
      'OTEL_EXPORTER_OTLP_HEADERS: entry 4 of 6 has no name before its "="; left out, the other headers are sent',
      'OTEL_EXPORTER_OTLP_HEADERS: "x-team" has no value; left out, the other headers are sent',
      'OTEL_EXPORTER_OTLP_HEADERS: "x-key" is not valid percent-encoding (a "%" must start %XX); left out, the other headers are sent',
      'OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 1 of 1 is not name=value (it has no "="); left out, the other headers are sent',
      'OTEL_EXPORTER_OTLP_METRICS_HEADERS: "x-tenant" is sent cut at its first ";" (OpenTelemetry reads the rest as metadata); write a ";" in a value as %3B',
      'OTEL_EXPORTER_OTLP_LOGS_HEADERS: entry 1 of 1 is not name=value (it has no "="); left out, the other headers are sent',
    ]);
    assert.ok(!messages.some((m) => m.includes('s3cret')), 'no header value is shown');
  });

  it('logs a value the exporters cut at a ";", by name only', () => {
    const messages: string[] = [];
    resolveOptions(
      { logger: (m) => messages.push(m) },
      { OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme,Authorization=Basic s3cret;more, x-list=a%3Bb' },
    );
    assert.deepEqual(messages, [
      'OTEL_EXPORTER_OTLP_HEADERS: "Authorization" is sent cut at its first ";" (OpenTelemetry reads the rest as metadata); write a ";" in a value as %3B',
    ]);
  });

  // Regression: one such entry failed every span and metric export (Node refuses to send it),
  // first told at the first export failure, with no word of which variable held it.
  it('names an entry that HTTP cannot carry, which fails every export, never its value', () => {
    const messages: string[] = [];
    resolveOptions(
      { logger: (m) => messages.push(m) },
      {
        OTEL_EXPORTER_OTLP_HEADERS: 'x a=1,x-b=ok,x-c=s3cret%0A,x-d=caf%C3%A9',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-e=s3cret%F0%9F%98%80',
      },
    );
    assert.deepEqual(messages, [
      'OTEL_EXPORTER_OTLP_HEADERS: "x a" is not a header name HTTP allows (letters, digits and !#$%&\'*+-.^_`|~ only), once percent-decoded; every export fails until it is fixed',
      'OTEL_EXPORTER_OTLP_HEADERS: "x-c" has a character a header value cannot carry (a control character, or one past U+00FF), once percent-decoded; every export fails until it is fixed',
      'OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-e" has a character a header value cannot carry (a control character, or one past U+00FF), once percent-decoded; every export fails until it is fixed',
    ]);
  });

  it('is quiet about well-formed headers', () => {
    const messages: string[] = [];
    resolveOptions(
      { logger: (m) => messages.push(m) },
      { OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc, x-tenant = acme ,' },
    );
    assert.deepEqual(messages, []);
  });
});

describe('resolveOptions: numeric variables', () => {
  it('logs a value that is not a positive integer and applies the default', () => {
    const messages: string[] = [];
    const o = resolveOptions(
      { logger: (m) => messages.push(m) },
      {
        BREAKWATER_PROMETHEUS_PORT: '19464x',
        OTEL_METRIC_EXPORT_INTERVAL: 'abc',
        OTEL_BSP_MAX_QUEUE_SIZE: '-1',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2.5',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: ' ',
        OTEL_BSP_SCHEDULE_DELAY: 'soon',
      },
    );
    assert.equal(o.prometheusPort, undefined);
    assert.equal(o.metricIntervalMs, 15_000);
    assert.equal(o.maxQueueSize, 2048);
    assert.equal(o.limits.tracesTimeoutMs, 5_000);
    assert.equal(o.limits.spanDelayMs, 1_000);
    assert.deepEqual(messages.sort(), [
      'BREAKWATER_PROMETHEUS_PORT=19464x: not a positive integer; ignored',
      'OTEL_BSP_MAX_QUEUE_SIZE=-1: not a positive integer; ignored',
      'OTEL_BSP_SCHEDULE_DELAY=soon: not a number of milliseconds; ignored',
      // Read for the traces and the metrics timeout alike, said once.
      'OTEL_EXPORTER_OTLP_TIMEOUT=2.5: not a positive integer; ignored',
      'OTEL_METRIC_EXPORT_INTERVAL=abc: not a positive integer; ignored',
    ]);
  });
});

describe('resolveOptions: boolean variables', () => {
  it('BREAKWATER_CONTROL takes the usual spellings in any case, and logs anything else', () => {
    const control = (value: string) => {
      const messages: string[] = [];
      const o = resolveOptions({ logger: (m) => messages.push(m) }, { BREAKWATER_CONTROL: value });
      return { on: o.control !== false, messages };
    };
    for (const off of ['false', '0', 'no', 'off', 'OFF', ' No ', 'False']) {
      assert.deepEqual(control(off), { on: false, messages: [] }, off);
    }
    for (const on of ['true', '1', 'yes', 'on', 'ON'])
      assert.deepEqual(control(on), { on: true, messages: [] }, on);
    assert.deepEqual(control('disabled'), {
      on: true,
      messages: ['BREAKWATER_CONTROL=disabled: not a boolean (true/false, 1/0, yes/no, on/off); ignored'],
    });
  });
});
