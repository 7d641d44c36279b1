import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ATTR, METRIC, SEMCONV } from '@breakwater/protocol';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { makeGenAiSpans } from '../bench/genai-spans.ts';
import { freePort } from './act/testing/alertmanager-process.ts';
import { duplicateSeries } from './act/testing/duplicate-series.ts';
import { memoryLogger } from './act/testing/tools.ts';
import { createBreakerStatesComponent } from './breaker-states/breaker-states-component.ts';
import { builtInComponents } from './built-in-components.ts';
import { parseConfig } from './config/load.ts';
import { MAX_SERVICE_CHARS } from './decode/identity.ts';
import { CollectorService, StartupError } from './service.ts';
import {
  createRecorder,
  exportWith,
  post,
  silentLogger,
  startTestService,
  type TestService,
} from './testing/helpers.ts';

const INGEST = 'ingest-token-0123456789';
const SUBSCRIBE = 'subscribe-token-0123456789';
const ADMIN = 'admin-token-0123456789abc';

describe('HTTP surface', () => {
  let t: TestService;
  before(async () => {
    t = await startTestService('', { components: [() => createRecorder(), createBreakerStatesComponent] });
  });
  after(async () => {
    await t.close();
  });

  it('healthz and readyz answer 200 while running', async () => {
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    const ready = await fetch(`${t.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
  });

  it('unknown paths get a JSON 404, wrong methods a 405 with Allow', async () => {
    const missing = await fetch(`${t.url}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: number } }).error.code, 404);
    const wrong = await fetch(`${t.url}/v1/traces`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /not allowed/);
    // HEAD is answered wherever GET is, so Allow says so (RFC 9110: every method the path takes).
    const posted = await fetch(`${t.url}/healthz`, { method: 'POST' });
    assert.equal(posted.status, 405);
    assert.equal(posted.headers.get('allow'), 'GET, HEAD');
  });

  it('records breaker states from the real OTLP metric exporters (protobuf and JSON)', async () => {
    for (const [Exporter, instance] of [
      [ProtoMetricExporter, 'pod-a'],
      [JsonMetricExporter, 'pod-b'],
    ] as const) {
      const exporter = new Exporter({ url: `${t.url}/v1/metrics` });
      const provider = new MeterProvider({
        resource: resourceFromAttributes({
          [SEMCONV.SERVICE_NAME]: 'agent',
          [SEMCONV.SERVICE_INSTANCE_ID]: instance,
        }),
        readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
      });
      const meter = provider.getMeter('test');
      meter.createObservableGauge(METRIC.BREAKER_STATE).addCallback((result) => {
        result.observe(1, { [ATTR.DEPENDENCY]: 'openai/gpt-4o', [ATTR.STATE]: 'open' });
        result.observe(0, { [ATTR.DEPENDENCY]: 'openai/gpt-4o', [ATTR.STATE]: 'closed' });
      });
      meter.createCounter('unrelated.counter').add(5);
      await provider.forceFlush();
      await provider.shutdown();
    }
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(
      metrics,
      /breakwater_sdk_breaker_state\{service="agent",service_instance_id="pod-a",dependency="openai\/gpt-4o",state="open"\} 1/,
    );
    assert.match(
      metrics,
      /breakwater_sdk_breaker_state\{service="agent",service_instance_id="pod-b",dependency="openai\/gpt-4o",state="open"\} 1/,
    );
    assert.doesNotMatch(metrics, /state="closed"/);
  });

  it('rejects invalid breaker-state points with partial success and records the valid ones', async () => {
    const point = (dependency: string, state: string) => ({
      attributes: [
        { key: ATTR.DEPENDENCY, value: { stringValue: dependency } },
        { key: ATTR.STATE, value: { stringValue: state } },
      ],
      timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
      asInt: '1',
    });
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: SEMCONV.SERVICE_NAME, value: { stringValue: 'agent' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: METRIC.BREAKER_STATE,
                  gauge: { dataPoints: [point('tool/good', 'open'), point('tool/bad', 'OPEN')] },
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await post(`${t.url}/v1/metrics`, JSON.stringify(body), {
      'content-type': 'application/json',
    });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(Buffer.from(response.body).toString()), {
      partialSuccess: {
        rejectedDataPoints: '1',
        errorMessage: '1 data point rejected; first: state must be one of closed, open, half_open, isolated',
      },
    });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(
      metrics,
      /breakwater_sdk_breaker_state\{service="agent",service_instance_id="",dependency="tool\/good",state="open"\} 1/,
    );
    assert.doesNotMatch(metrics, /tool\/bad/);
    assert.match(metrics, /^breakwater_ingest_breaker_state_points_total\{result="rejected"\} 1$/m);
  });

  it('/metrics passes promtool check metrics', async () => {
    const spans = await makeGenAiSpans({ spans: 10, services: 2 });
    await post(`${t.url}/v1/traces`, ProtobufTraceSerializer.serializeRequest(spans)!, {
      'content-type': 'application/x-protobuf',
    });
    await post(`${t.url}/v1/traces`, 'junk', { 'content-type': 'application/json' });
    const response = await fetch(`${t.url}/metrics`);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    assert.match(
      text,
      /breakwater_ingest_requests_total\{signal="traces",encoding="protobuf",code="200"\} 1/,
    );
    assert.match(text, /breakwater_ingest_requests_total\{signal="traces",encoding="json",code="400"\} 1/);
    assert.match(text, /breakwater_ingest_spans_total\{result="accepted"\} 10/);
    assert.match(text, /^breakwater_http_request_duration_seconds_count\{route="\/v1\/traces"\} 2$/m);
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
    assert.match(text, /^nodejs_eventloop_lag_p99_seconds /m);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });
});

describe('/metrics of the built-in components', () => {
  let t: TestService;
  before(async () => {
    t = await startTestService('store: { kind: memory }\n', { components: builtInComponents() });
  });
  after(async () => {
    await t.close();
  });

  /** One GenAI span in OTLP/JSON; `version` undefined = no `service.version` resource attribute. */
  function genAiExport(version: string | undefined, index: number): string {
    const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const resource = [
      attr('service.name', 'checkout'),
      ...(version === undefined ? [] : [attr('service.version', version)]),
    ];
    const start = BigInt(Date.now()) * 1_000_000n;
    return JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: resource },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: `${'ab'.repeat(15)}${index.toString(16).padStart(2, '0')}`,
                  spanId: `${'cd'.repeat(7)}${index.toString(16).padStart(2, '0')}`,
                  name: 'chat gpt-4o',
                  kind: 3,
                  startTimeUnixNano: `${start}`,
                  endTimeUnixNano: `${start + 1_000_000n}`,
                  attributes: [attr('gen_ai.operation.name', 'chat')],
                  status: {},
                },
              ],
            },
          ],
        },
      ],
    });
  }

  it('passes promtool check metrics and has no series twice (SDK vs fleet breaker state, unversioned spans)', async () => {
    for (const [i, version] of [undefined, '1.0.0'].entries()) {
      const r = await post(`${t.url}/v1/traces`, genAiExport(version, i + 1), {
        'content-type': 'application/json',
      });
      assert.equal(r.status, 200);
    }
    assert.equal((await fetch(`${t.url}/v1/slos`)).status, 200, 'evaluates, so /metrics has the groups');
    const text = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(text, /^# TYPE breakwater_sdk_breaker_state gauge$/m);
    assert.match(text, /^# TYPE breakwater_fleet_breaker_state gauge$/m);
    assert.match(
      text,
      /breakwater_slo_budget_remaining\{slo="availability",tier="business",service="checkout",operation="chat"\} /,
    );
    assert.match(
      text,
      /breakwater_slo_budget_remaining\{slo="availability",tier="business",service="checkout",version="\(unset\)",operation="chat"\} /,
    );
    assert.match(
      text,
      /breakwater_slo_events_total\{slo="availability",tier="business",service="checkout",version="\(unset\)",operation="chat"\} 1/,
    );
    assert.deepEqual(duplicateSeries(text), []);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });

  it('a span whose service.version is "(unset)" counts with the unversioned ones, not as a second series', async () => {
    const r = await post(`${t.url}/v1/traces`, genAiExport('(unset)', 3), {
      'content-type': 'application/json',
    });
    assert.equal(r.status, 200);
    assert.equal((await fetch(`${t.url}/v1/slos`)).status, 200);
    const text = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(
      text,
      /breakwater_slo_events_total\{slo="availability",tier="business",service="checkout",version="\(unset\)",operation="chat"\} 2/,
    );
    assert.deepEqual(duplicateSeries(text), []);
  });

  it('a megabyte service.name becomes a capped label: /metrics stays small and valid', async () => {
    const name = 'x'.repeat(1 << 20);
    const body = genAiExport(undefined, 4).replace('"checkout"', JSON.stringify(name));
    const r = await post(`${t.url}/v1/traces`, body, { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.equal((await fetch(`${t.url}/v1/slos`)).status, 200);
    const response = await fetch(`${t.url}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(text.length < 1 << 20, `${text.length} characters`);
    const label = `${'x'.repeat(MAX_SERVICE_CHARS - 9)}…`;
    assert.match(text, new RegExp(`breakwater_slo_events_total\\{[^}]*service="${label}[0-9a-f]{8}"`));
    assert.deepEqual(duplicateSeries(text), []);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });
});

describe('auth', () => {
  let t: TestService;
  before(async () => {
    process.env.BW_TEST_INGEST = INGEST;
    t = await startTestService(
      `auth:
  tokens:
    - { token: "\${BW_TEST_INGEST}", scopes: [ingest], name: sdk }
    - { token: ${SUBSCRIBE}, scopes: [subscribe] }
    - { token: ${ADMIN}, scopes: [admin] }
`,
    );
  });
  after(async () => {
    await t.close();
  });

  it('ingest needs a valid token with the ingest (or admin) scope', async () => {
    const spans = await makeGenAiSpans({ spans: 3, services: 1 });
    const body = ProtobufTraceSerializer.serializeRequest(spans)!;
    const headers = { 'content-type': 'application/x-protobuf' };
    const none = await post(`${t.url}/v1/traces`, body, headers);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="breakwater"$/);
    const wrong = await post(`${t.url}/v1/traces`, body, { ...headers, authorization: `Bearer ${INGEST}x` });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const scope = await post(`${t.url}/v1/traces`, body, {
      ...headers,
      authorization: `Bearer ${SUBSCRIBE}`,
    });
    assert.equal(scope.status, 403);
    assert.match(scope.headers.get('www-authenticate') ?? '', /error="insufficient_scope", scope="ingest"/);
    assert.equal(t.recorder.spans.length, 0);
    assert.equal(
      (await post(`${t.url}/v1/traces`, body, { ...headers, authorization: `Bearer ${INGEST}` })).status,
      200,
    );
    // Other spans: the same batch again would be a resend, answered without being recorded.
    const other = ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 3, services: 1 }))!;
    assert.equal(
      (await post(`${t.url}/v1/traces`, other, { ...headers, authorization: `bearer ${ADMIN}` })).status,
      200,
    );
    assert.equal(t.recorder.spans.length, 6);
  });

  it('the real exporter authenticates with a header', async () => {
    const spans = await makeGenAiSpans({ spans: 2, services: 1 });
    const result = await exportWith('proto', t.url, spans, { authorization: `Bearer ${INGEST}` });
    assert.equal(result.code, 0);
    const denied = await exportWith('json', t.url, spans);
    assert.equal(denied.code, 1);
  });

  it('/metrics needs admin; health checks stay public', async () => {
    assert.equal((await fetch(`${t.url}/metrics`)).status, 401);
    assert.equal(
      (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${INGEST}` } })).status,
      403,
    );
    assert.equal(
      (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).status,
      200,
    );
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${t.url}/readyz`)).status, 200);
  });
});

describe('refused credentials at shutdown', () => {
  it('logs the refusals still held back by the once-a-minute summary when the collector stops', async () => {
    const logger = memoryLogger();
    const t = await startTestService(`auth: { tokens: [{ token: ${ADMIN}, scopes: [admin] }] }`, { logger });
    const refusals = () =>
      logger.lines.filter((l) => l.level === 'warn' && /credentials/.test(l.msg ?? '')).map((l) => l.obj);
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${t.url}/metrics`)).status, 401);
    assert.equal(refusals().length, 1, 'the first at once, the others held back for a minute');
    await t.close();
    assert.deepEqual(
      refusals().map((o) => (o as { refused: number }).refused),
      [1, 2],
    );
  });
});

describe('startup', () => {
  it('refuses a non-loopback listener without tokens', async () => {
    // parseConfig rejects it (config-section tests); a config built without it is refused too.
    const config = { ...parseConfig({ name: 't', text: '' }, {}), listen: '0.0.0.0:0' };
    await assert.rejects(
      CollectorService.start({ config, logger: silentLogger, components: [] }),
      (error: unknown) =>
        error instanceof StartupError && error.kind === 'config' && /without auth/.test(error.message),
    );
  });

  it('starts on a non-loopback listener when tokens are configured', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-'));
    const config = parseConfig(
      {
        name: 't',
        text: `listen: 0.0.0.0:0\ndataDir: ${dir}\nauth: { tokens: [{ token: ${ADMIN}, scopes: [admin] }] }`,
      },
      {},
    );
    const service = await CollectorService.start({ config, logger: silentLogger, components: [] });
    const port = service.address.port;
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    await service.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a port in use clearly', async () => {
    const t = await startTestService();
    try {
      const config = parseConfig({ name: 't', text: `listen: 127.0.0.1:${t.service.address.port}` }, {});
      await assert.rejects(
        CollectorService.start({ config, logger: silentLogger, components: [] }),
        /already in use/,
      );
    } finally {
      await t.close();
    }
  });

  it('a start that fails releases what it opened: its data directory starts again at once', async () => {
    const t = await startTestService();
    const dataDir = await mkdtemp(join(tmpdir(), 'bw-failed-start-'));
    const configFor = (listen: string) =>
      parseConfig({ name: 't', text: `listen: ${listen}\ndataDir: ${dataDir}` }, {});
    try {
      // The built-in components open the SLO store before the port turns out to be taken.
      await assert.rejects(
        CollectorService.start({
          config: configFor(`127.0.0.1:${t.service.address.port}`),
          logger: silentLogger,
        }),
        /already in use/,
      );
      const started = Date.now();
      const again = await CollectorService.start({ config: configFor('127.0.0.1:0'), logger: silentLogger });
      await again.shutdown();
      // Not the store lock's wait for a holder that never lets go.
      assert.ok(Date.now() - started < 4000, `second start took ${Date.now() - started} ms`);
    } finally {
      await t.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a dataDir that cannot be created is a startup error naming it', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'bw-datadir-'));
    try {
      const file = join(parent, 'a-file');
      await writeFile(file, 'x');
      const config = parseConfig({ name: 't', text: `listen: 127.0.0.1:0\ndataDir: ${file}/state` }, {});
      await assert.rejects(
        CollectorService.start({ config, logger: silentLogger, components: [] }),
        (error: unknown) =>
          error instanceof StartupError &&
          error.kind === 'runtime' &&
          error.message ===
            `cannot create dataDir ${file}/state: a file is in the way: the path (or a parent of it) exists and is not a directory`,
      );
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('a component that fails to start stops every component made, started or not', async () => {
    const events: string[] = [];
    const component =
      (name: string, failStart = false) =>
      () => ({
        name,
        start: () => {
          events.push(`start ${name}`);
          if (failStart) throw new Error(`${name} cannot start`);
        },
        stop: () => void events.push(`stop ${name}`),
      });
    const config = parseConfig({ name: 't', text: 'listen: 127.0.0.1:0' }, {});
    await assert.rejects(
      CollectorService.start({
        config,
        logger: silentLogger,
        components: [component('a'), component('b', true), component('c')],
      }),
      /b cannot start/,
    );
    assert.deepEqual(events, ['start a', 'start b', 'stop c', 'stop b', 'stop a']);
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new ones, stops components, then closes', async () => {
    const events: string[] = [];
    const recorder = createRecorder();
    let open!: () => void;
    recorder.gate = new Promise((resolve) => {
      open = resolve;
    });
    const t = await startTestService('', {
      components: [
        () => ({
          ...recorder,
          spanSink: recorder.spanSink!,
          start: () => void events.push('start'),
          stop: () => void events.push(`stop with ${recorder.spans.length} spans`),
        }),
      ],
    });
    const spans = await makeGenAiSpans({ spans: 4, services: 1 });
    const body = ProtobufTraceSerializer.serializeRequest(spans)!;
    const headers = { 'content-type': 'application/x-protobuf' };
    const inFlight = post(`${t.url}/v1/traces`, body, headers);
    while (t.service.state === 'ready' && recorder.spans.length === 0) {
      const m = await (await fetch(`${t.url}/metrics`)).text();
      if (/breakwater_ingest_in_flight_requests 1/.test(m)) break;
    }
    const stopping = t.close();
    assert.equal(t.service.state, 'draining');
    open();
    const response = await inFlight;
    assert.equal(response.status, 200);
    await stopping;
    assert.equal(t.service.state, 'stopped');
    assert.deepEqual(events, ['start', 'stop with 4 spans']);
    await assert.rejects(fetch(`${t.url}/healthz`));
  });

  it('finishes an in-flight request of any route, not only exports, before it stops components', async () => {
    // A rollback event the gate CLI is posting, a Flagger webhook being decided: each is answered
    // before the components it needs stop, as an export is.
    const events: string[] = [];
    let entered!: () => void;
    const handling = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const t = await startTestService('', {
      components: [
        () => ({
          name: 'slow-route',
          routes: [
            {
              method: 'POST',
              path: '/v1/slow',
              scope: 'public',
              async handle(_req, res) {
                entered();
                await released;
                events.push('answered');
                res.writeHead(202).end();
              },
            },
          ],
          stop: () => void events.push('stop'),
        }),
      ],
    });
    const request = post(`${t.url}/v1/slow`, '{}', { 'content-type': 'application/json' });
    await handling;
    const stopping = t.close();
    assert.equal(t.service.state, 'draining');
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    assert.equal((await request).status, 202);
    await stopping;
    assert.deepEqual(events, ['answered', 'stop']);
  });

  it('forwards a request answered after the shutdown timeout: the forwarder stops last', async () => {
    let received = 0;
    const downstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => downstream.close(() => resolve())));
    const recorder = createRecorder();
    let open!: () => void;
    recorder.gate = new Promise((resolve) => {
      open = resolve;
    });
    const t = await startTestService(
      `shutdownTimeout: 50ms\nforward:\n  - url: http://127.0.0.1:${(downstream.address() as AddressInfo).port}\n`,
      {
        components: [
          () => ({
            ...recorder,
            spanSink: recorder.spanSink!,
            // The request abandoned at the timeout commits while the components stop.
            stop: async () => {
              open();
              await new Promise((resolve) => setTimeout(resolve, 50));
            },
          }),
        ],
      },
    );
    const body = ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 4, services: 1 }))!;
    const inFlight = post(`${t.url}/v1/traces`, body, { 'content-type': 'application/x-protobuf' });
    while (recorder.spans.length === 0) {
      const m = await (await fetch(`${t.url}/metrics`)).text();
      if (/breakwater_ingest_in_flight_requests 1/.test(m)) break;
    }
    await t.close();
    assert.equal((await inFlight).status, 200, 'acknowledged');
    assert.equal(received, 1, 'and forwarded, not dropped');
  });

  it('answers an export already received, then refuses a new one on a kept-alive connection with 503', async (tc) => {
    const recorder = createRecorder();
    let open!: () => void;
    recorder.gate = new Promise((resolve) => {
      open = resolve;
    });
    const t = await startTestService('', { components: [() => recorder] });
    const exportRequest = (body: string) =>
      `POST /v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const empty = JSON.stringify({ resourceSpans: [] });
    // A raw connection whose request headers arrive before shutdown, its body only after.
    const socket = connect(t.service.address.port, '127.0.0.1');
    tc.after(async () => {
      // Also when an assertion failed midway: nothing stays held or listening.
      open();
      socket.destroy();
      await t.close();
    });
    const responses = rawResponses(socket);
    socket.write(exportRequest(empty));
    // A held export (the sink waits on the gate) keeps the drain going while the rest happens.
    const spans = await makeGenAiSpans({ spans: 2, services: 1 });
    const held = post(`${t.url}/v1/traces`, ProtobufTraceSerializer.serializeRequest(spans)!, {
      'content-type': 'application/x-protobuf',
    });
    const deadline = performance.now() + 10_000;
    for (;;) {
      const m = await (await fetch(`${t.url}/metrics`)).text();
      if (/^breakwater_ingest_in_flight_requests 2$/m.test(m)) break;
      assert.ok(performance.now() < deadline, `both exports in flight before shutdown:\n${m}`);
      await new Promise((r) => setTimeout(r, 10));
    }

    const stopping = t.close();
    assert.equal(t.service.state, 'draining');
    // In flight: admitted before the drain, so it is answered, and the connection stays open.
    socket.write(empty);
    const first = await responses.next();
    assert.equal(first.status, 200, first.text);
    assert.notEqual(first.headers.connection, 'close');
    // New: refused while draining, with Retry-After, on the connection that is still open.
    assert.equal(t.service.state, 'draining');
    socket.write(exportRequest(empty) + empty);
    const second = await responses.next();
    assert.equal(second.status, 503, second.text);
    assert.equal(second.headers['retry-after'], '2');
    assert.match(second.text, /collector is shutting down/);

    open();
    assert.equal((await held).status, 200);
    await stopping;
    assert.equal(t.service.state, 'stopped');
    assert.equal(recorder.spans.length, 2);
  });

  it('refuses exports with 503 while its components start, saying so', async () => {
    const port = await freePort();
    let release!: () => void;
    const blocker = new Promise<void>((resolve) => {
      release = resolve;
    });
    const config = parseConfig({ name: 't', text: `listen: 127.0.0.1:${port}` }, {});
    const starting = CollectorService.start({
      config,
      logger: silentLogger,
      components: [() => ({ name: 'slow-start', start: () => blocker })],
    });
    try {
      const body = JSON.stringify({ resourceSpans: [] });
      const headers = { 'content-type': 'application/json' };
      let response: Awaited<ReturnType<typeof post>> | undefined;
      // The port answers as soon as the server listens, before the components have started.
      for (let i = 0; i < 200 && response === undefined; i++) {
        response = await post(`http://127.0.0.1:${port}/v1/traces`, body, headers).catch(() => undefined);
        if (response === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(response?.status, 503);
      assert.equal(response?.headers.get('retry-after'), '2');
      assert.match(new TextDecoder().decode(response?.body), /collector is starting/);
    } finally {
      release();
      await (await starting).shutdown();
    }
  });

  it('waits for a slow component stop before it reports stopped', async () => {
    let release!: () => void;
    const blocker = new Promise<void>((resolve) => {
      release = resolve;
    });
    const t = await startTestService('', {
      components: [() => ({ name: 'slow-stop', stop: () => blocker })],
    });
    const stopping = t.close();
    assert.equal(t.service.state, 'draining');
    await new Promise((r) => setImmediate(r));
    assert.equal(t.service.state, 'draining');
    release();
    await stopping;
    assert.equal(t.service.state, 'stopped');
  });
});

describe('data dir', () => {
  it('is created on start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-'));
    const nested = join(dir, 'a', 'b');
    const config = parseConfig({ name: 't', text: `listen: 127.0.0.1:0\ndataDir: ${nested}` }, {});
    const service = await CollectorService.start({ config, logger: silentLogger, components: [] });
    await writeFile(join(nested, 'probe'), 'x');
    await service.shutdown();
    await rm(dir, { recursive: true, force: true });
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Reads HTTP/1.1 responses (with `content-length`) off a raw socket, one per `next()`, each within 10 s. */
function rawResponses(socket: Socket): { next(): Promise<RawResponse> } {
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  });
  socket.on('close', () => wake?.());
  const parse = (): RawResponse | undefined => {
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (buffered.length < end + 4 + length) return undefined;
    const text = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
    buffered = buffered.subarray(end + 4 + length);
    return { status: Number(statusLine!.split(' ')[1]), headers, text };
  };
  return {
    async next() {
      const deadline = performance.now() + 10_000;
      for (;;) {
        const response = parse();
        if (response !== undefined) return response;
        if (socket.destroyed) throw new Error('connection closed before a whole response');
        const remaining = deadline - performance.now();
        if (remaining <= 0) throw new Error('no response within 10 s');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, remaining);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
  };
}
