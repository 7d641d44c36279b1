import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logs } from '@opentelemetry/api';
import { type Breakwater, resolveOptions, start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

// An OpenTelemetry Collector in front (examples/deploy) takes logs: given as `endpoint`, log
// records go there too, and nothing is logged. Before, the SDK's own log exporter ignored the
// option and sent them to OTEL_EXPORTER_OTLP_ENDPOINT or localhost:4318.

const receiver = recordingReceiver();
const logged: string[] = [];
let bw: Breakwater;

before(async () => {
  const endpoint = await receiver.listen();
  process.env.OTEL_TRACES_EXPORTER = 'none';
  process.env.OTEL_METRICS_EXPORTER = 'none';
  // Only a flush sends a batch.
  process.env.OTEL_BLRP_SCHEDULE_DELAY = '60000';
  bw = start({
    serviceName: 'log-export-test',
    endpoint,
    control: false,
    handleSignals: false,
    logger: (m) => logged.push(m),
  });
});

after(() => receiver.close());

it("sends the app's log records to the endpoint's /v1/logs, as the SDK's protobuf", async () => {
  logs.getLogger('app').emit({ body: 'order 42 shipped' });
  // Regression: forceFlush() flushed spans and metrics only; a serverless handler flushing
  // before it is frozen lost the log records.
  await bw.forceFlush();
  const sent = receiver.received.filter((r) => r.path === '/v1/logs');
  assert.equal(sent.length, 1);
  assert.ok(sent[0]!.body.includes('order 42 shipped'));
  assert.ok(!sent[0]!.body.startsWith('{'), 'protobuf, not JSON');
  assert.deepEqual(logged, []);
  await bw.shutdown();
});

describe('resolveOptions: OTEL_LOGS_EXPORTER and the OTLP logs variables', () => {
  const resolved = (env: NodeJS.ProcessEnv, endpoint?: string) => {
    const messages: string[] = [];
    const o = resolveOptions({ logger: (m) => messages.push(m), ...(endpoint ? { endpoint } : {}) }, env);
    return { logs: o.logs, messages };
  };

  it('exports over OTLP by default; none exports nothing; console is built; others are logged', () => {
    assert.deepEqual([...resolved({}).logs.exporters], ['otlp']);
    assert.deepEqual([...resolved({ OTEL_LOGS_EXPORTER: 'none' }).logs.exporters], []);
    assert.deepEqual(
      [...resolved({ OTEL_LOGS_EXPORTER: 'console,otlp' }).logs.exporters],
      ['console', 'otlp'],
    );
    const zipkin = resolved({ OTEL_LOGS_EXPORTER: 'zipkin' });
    assert.deepEqual([...zipkin.logs.exporters], ['otlp']);
    assert.match(
      zipkin.messages[0]!,
      /^OTEL_LOGS_EXPORTER=zipkin: only otlp, console and none are supported/,
    );
  });

  it('picks the protocol as NodeSDK does: the logs variable, the base one, else http/protobuf', () => {
    assert.equal(resolved({}).logs.protocol, 'http/protobuf');
    assert.equal(resolved({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).logs.protocol, 'grpc');
    const both = { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: ' http/json ' };
    assert.equal(resolved(both).logs.protocol, 'http/json');
    const odd = resolved({ OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http' });
    assert.equal(odd.logs.protocol, 'http/protobuf');
    assert.match(odd.messages[0]!, /^OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http: not http\/protobuf/);
  });

  it('sends to the endpoint option; a refused variable falls back as for spans', () => {
    assert.equal(resolved({}).logs.url, undefined);
    assert.equal(resolved({}, 'http://otelcol:4318/').logs.url, 'http://otelcol:4318/v1/logs');
    const refused = resolved({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otelcol:4318',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'otelcol:4318/v1/logs',
    });
    assert.equal(refused.logs.url, 'http://otelcol:4318/v1/logs');
    assert.match(refused.messages[0]!, /^OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=otelcol:4318\/v1\/logs: must be/);
  });

  it('reads the OTEL_BLRP_* batch settings, logging one that is not a positive integer', () => {
    const o = resolved({ OTEL_BLRP_MAX_QUEUE_SIZE: '100', OTEL_BLRP_SCHEDULE_DELAY: 'soon' });
    assert.deepEqual(o.logs.batch, { maxQueueSize: 100 });
    assert.deepEqual(o.messages, ['OTEL_BLRP_SCHEDULE_DELAY=soon: not a positive integer; ignored']);
  });
});
