import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS } from '@breakwater/protocol';
import { checkStartOptions } from './check-options.ts';
import { resolveOptions, type StartOptions } from './options.ts';

/** Resolves `options` with no environment; returns them and what was logged. */
function resolved(options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const logged: string[] = [];
  const o = resolveOptions({ ...options, logger: (m: string) => logged.push(m) } as StartOptions, env);
  return { o, logged };
}

describe('start() options: each bad one logged, named, and left to its variable or default', () => {
  it('numbers of the wrong type or out of range', () => {
    const { o, logged } = resolved(
      { metricIntervalMs: '15s', exportTimeoutMs: -5, maxQueueSize: 0, prometheusPort: 'abc' },
      { OTEL_METRIC_EXPORT_INTERVAL: '30000' },
    );
    assert.deepEqual(logged, [
      'metricIntervalMs: must be a number of milliseconds, at least 1 (got "15s"); ignored (OTEL_METRIC_EXPORT_INTERVAL or 15 s applies)',
      'exportTimeoutMs: must be a number of milliseconds, at least 1 (got -5); ignored (the OTEL_* timeout variables or 5 s apply)',
      'maxQueueSize: must be an integer of at least 1 (got 0); ignored (OTEL_BSP_MAX_QUEUE_SIZE or 2048 applies)',
      'prometheusPort: must be a port number from 1 to 65535 (got "abc"); ignored (BREAKWATER_PROMETHEUS_PORT or OTEL_METRICS_EXPORTER=prometheus applies, else no Prometheus endpoint)',
    ]);
    assert.equal(o.metricIntervalMs, 30_000, 'the variable applies');
    assert.equal(o.exportTimeoutMs, 5_000);
    assert.equal(o.maxQueueSize, 2048);
    assert.equal(o.prometheusPort, undefined);
    for (const [key, value] of [
      ['metricIntervalMs', Number.NaN],
      ['maxQueueSize', 2.5],
      ['prometheusPort', 70_000],
      ['exportTimeoutMs', '5000'],
    ] as const) {
      assert.equal(resolved({ [key]: value }).logged.length, 1, `${key}: ${value}`);
    }
  });

  it('booleans, strings, functions and lists', () => {
    const { o, logged } = resolved({
      serviceName: '',
      serviceVersion: 2,
      prometheusHost: 0,
      handleSignals: 'no',
      captureMessageContent: 1,
      headers: { authorization: 7 },
      clock: Date,
      openaiAliases: 'my-openai',
      spanProcessors: [{}],
    });
    assert.deepEqual(logged, [
      'serviceName: must be a non-empty string (got ""); ignored (OTEL_SERVICE_NAME or the default applies)',
      'serviceVersion: must be a non-empty string (got 2); ignored (OTEL_RESOURCE_ATTRIBUTES, npm_package_version or the app’s package.json version applies)',
      'prometheusHost: must be a non-empty string (got 0); ignored (BREAKWATER_PROMETHEUS_HOST, OTEL_EXPORTER_PROMETHEUS_HOST or 127.0.0.1 applies)',
      'handleSignals: must be true or false (got "no"); ignored (SIGTERM and SIGINT are handled)',
      'captureMessageContent: must be true or false (got 1); ignored (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT or off applies)',
      'headers: "authorization" must be a string (got a number); left out, the other headers are sent',
      'clock: must be a Clock with now(), monotonic(), setTimeout(), clearTimeout() (got a function); ignored (the system clock applies)',
      'openaiAliases: must be a list of module names (got "my-openai"); ignored (no aliases)',
      'spanProcessors: must be a list of span processors (got [{}]); ignored (none are added)',
    ]);
    assert.equal(o.serviceName, 'unknown_service:node');
    assert.equal(o.handleSignals, true);
    assert.equal(o.headers, undefined);
    assert.deepEqual(o.spanProcessors, []);
  });

  it('unknown options, with the one meant when it is close', () => {
    const { o, logged } = resolved({
      servicename: 'x',
      metricsIntervalMs: 1_000,
      flavour: 'x',
      control: { tokn: 't' },
    });
    assert.deepEqual(logged, [
      'servicename: unknown option (did you mean serviceName?); ignored',
      'metricsIntervalMs: unknown option (did you mean metricIntervalMs?); ignored',
      'flavour: unknown option; ignored',
      'control.tokn: unknown option (did you mean token?); ignored',
    ]);
    assert.equal(o.serviceName, 'unknown_service:node');
  });

  it('names of Object.prototype members are unknown options, not checks to run', () => {
    const { o, logged } = resolved({ constructor: 1, control: { toString: 'x' } });
    assert.deepEqual(logged, [
      'constructor: unknown option; ignored',
      'control.toString: unknown option; ignored',
    ]);
    assert.equal(o.serviceName, 'unknown_service:node');
  });

  it('control: each field apart, the rest kept', () => {
    const { o, logged } = resolved({ control: { url: 'http://collector:4318', token: 42 } });
    assert.deepEqual(logged, [
      'control.token: must be a non-empty string (got 42); ignored (BREAKWATER_SUBSCRIBE_TOKEN applies)',
    ]);
    assert.deepEqual(o.control, { url: 'http://collector:4318', token: undefined });
    assert.deepEqual(resolved({ control: true }).logged, [
      'control: must be false or { url?, token? } (got true); ignored (the control client runs as configured by the environment)',
    ]);
  });

  it('limits: each field apart, the rest kept; Infinity keeps every dependency', () => {
    const logged: string[] = [];
    const logger = (m: string) => logged.push(m);
    const kept = checkStartOptions({
      logger,
      limits: { maxDependencies: 0, idleMs: 60_000, maxDependences: 5 },
    });
    assert.deepEqual(kept.limits, { idleMs: 60_000 });
    assert.deepEqual(logged, [
      'limits.maxDependencies: must be an integer of at least 1 (got 0); ignored (the default of 400 applies)',
      'limits.maxDependences: unknown option (did you mean maxDependencies?); ignored',
    ]);
    logged.length = 0;
    assert.equal(checkStartOptions({ logger, limits: 5 }).limits, undefined);
    assert.deepEqual(logged, [
      'limits: must be { maxDependencies?, idleMs? } (got 5); ignored (the default limits apply)',
    ]);
    logged.length = 0;
    const infinite = { maxDependencies: Number.POSITIVE_INFINITY, idleMs: 0 };
    assert.deepEqual(checkStartOptions({ logger, limits: infinite }).limits, infinite);
    assert.deepEqual(logged, []);
  });

  it('a logger that is not a function: the console hears of it, and of the rest', (t) => {
    const warned: unknown[] = [];
    t.mock.method(console, 'warn', (m: unknown) => warned.push(m));
    resolveOptions({ logger: 'console', maxQueueSize: -1 } as never, {});
    assert.deepEqual(warned, [
      '[breakwater] logger: must be a function (got "console"); ignored (console.warn applies)',
      '[breakwater] maxQueueSize: must be an integer of at least 1 (got -1); ignored (OTEL_BSP_MAX_QUEUE_SIZE or 2048 applies)',
    ]);
  });

  it('good options are quiet; an interval past the longest timer is capped, as timeouts are', () => {
    const { o, logged } = resolved({
      serviceName: 'svc',
      metricIntervalMs: Infinity,
      exportTimeoutMs: 2_000,
      maxQueueSize: 100,
      prometheusPort: 9464,
      handleSignals: false,
      control: false,
      headers: { authorization: 'Bearer t' },
    });
    assert.deepEqual(logged, []);
    assert.equal(o.metricIntervalMs, MAX_TIMER_MS);
    assert.equal(o.exportTimeoutMs, 2_000);
    assert.equal(o.prometheusPort, 9464);
    assert.equal(o.control, false);
    assert.equal(
      resolved({}, { OTEL_METRIC_EXPORT_INTERVAL: '3000000000' }).o.metricIntervalMs,
      MAX_TIMER_MS,
    );
  });

  it('a port variable above 65535 is logged and ignored', () => {
    const { o, logged } = resolved({}, { BREAKWATER_PROMETHEUS_PORT: '70000' });
    assert.deepEqual(logged, ['BREAKWATER_PROMETHEUS_PORT=70000: not a port number (1 to 65535); ignored']);
    assert.equal(o.prometheusPort, undefined);
  });
});

// Regression: one bad header logged the whole object, so a bearer token beside it went to the
// logs; one Node cannot send (a token with a newline) failed every export.
describe('start({ headers }): each bad header left out by name, never a value shown', () => {
  it('names the bad ones, keeps the rest', () => {
    const { o, logged } = resolved({
      headers: {
        Authorization: 'Bearer s3cret',
        'x-retries': 3,
        'x tenant': 'acme',
        'x-key': 's3cret\n',
        'x-note': 'café',
      },
    });
    assert.deepEqual(logged, [
      'headers: "x-retries" must be a string (got a number); left out, the other headers are sent',
      'headers: "x tenant" is not a header name HTTP allows (letters, digits and !#$%&\'*+-.^_`|~ only); left out, the other headers are sent',
      'headers: "x-key" has a character a header value cannot carry (a control character, or one past U+00FF); left out, the other headers are sent',
    ]);
    assert.deepEqual(o.headers, { Authorization: 'Bearer s3cret', 'x-note': 'café' });
  });

  it('not an object: its type only', () => {
    const { o, logged } = resolved({ headers: 'Authorization: Bearer s3cret' });
    assert.deepEqual(logged, [
      'headers: must be an object of header names to string values (got a string); ignored (OTEL_EXPORTER_OTLP_HEADERS applies)',
    ]);
    assert.equal(o.headers, undefined);
  });
});
