/**
 * `startFleetControl()` for an app with an OpenTelemetry SDK of its own: the URL, token and
 * service resolved as `start()` resolves them, one client per process, and a `start()` later in
 * the process that leaves the running client alone.
 */
import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { getRuntime } from '@breakwater/instrumentation';
import { type BreakerSignal, COLLECTOR_PATHS } from '@breakwater/protocol';
import { type FleetControl, start, startFleetControl } from './index.ts';
import { freePort } from './testing/free-port.ts';
import { SignalCollector } from './testing/signal-collector.ts';
import { until } from './testing/until.ts';

const VARIABLES = [
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'BREAKWATER_COLLECTOR_URL',
  'BREAKWATER_SUBSCRIBE_TOKEN',
  'BREAKWATER_CONTROL',
];
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
for (const name of VARIABLES) delete process.env[name];

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

async function collector(): Promise<SignalCollector> {
  const c = new SignalCollector();
  await c.listen();
  cleanups.push(() => c.kill());
  return c;
}

function started(fleet: FleetControl): FleetControl {
  cleanups.push(() => fleet.close());
  return fleet;
}

const open = (dependency: string): BreakerSignal => ({
  id: `sig-${dependency}`,
  kind: 'breaker',
  dependency,
  state: 'open',
  ttlMs: 60_000,
  issuedAt: Date.now(),
  reason: { errorRatio: 1, window: '10s', volume: 40, instances: 2, topErrorTypes: [] },
});

it('reads the collector, token and service from the environment, as start() does', async () => {
  const c = await collector();
  // The collector the spans go to, behind a path-routing proxy; no option at all.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${c.port}/otlp`;
  process.env.OTEL_SERVICE_NAME = 'support-agent';
  process.env.BREAKWATER_SUBSCRIBE_TOKEN = 'subscribe-token';
  const logs: string[] = [];
  const fleet = started(startFleetControl({ logger: (line) => logs.push(line) }));
  assert.equal(fleet.running, true);
  await until(() => fleet.connected, 'the stream to open');
  const [request] = c.requests;
  assert.equal(request?.url, `/otlp${COLLECTOR_PATHS.SIGNALS}?service=support-agent`);
  assert.equal(request?.headers.authorization, 'Bearer subscribe-token');
  assert.deepEqual(logs, [
    `breakwater control stream connected {"url":"http://127.0.0.1:${c.port}/otlp/v1/signals?service=support-agent"}`,
  ]);
});

it("applies the collector's signals to the process's runtime, and close() hands the breaker back", async () => {
  const c = await collector();
  const fleet = started(
    startFleetControl({
      serviceName: 'support-agent',
      control: { url: `http://127.0.0.1:${c.port}` },
      logger: () => {},
    }),
  );
  await until(() => fleet.connected, 'the stream to open');
  c.event('signal', open('openai/gpt-4o'));
  await until(() => fleet.activeOverrides.has('openai/gpt-4o'), 'the override');
  assert.equal(getRuntime().guard.breakers.find('openai/gpt-4o')?.state, 'open');
  await fleet.close();
  assert.equal(fleet.running, false);
  assert.equal(getRuntime().guard.breakers.find('openai/gpt-4o')?.state, 'closed');
  await until(() => c.streams.size === 0, 'the stream to end');
});

it('checks its options as start() does, and tells an option it does not take', async () => {
  const c = await collector();
  process.env.BREAKWATER_COLLECTOR_URL = `http://127.0.0.1:${c.port}`;
  const logs: string[] = [];
  const fleet = started(
    startFleetControl({
      serviceName: 'support-agent',
      control: { url: 'collector:4318' },
      policies: [],
      logger: (line: string) => logs.push(line),
    } as never),
  );
  await until(() => fleet.connected, 'the stream to open');
  assert.deepEqual(logs, [
    'policies: unknown option of startFleetControl(); ignored',
    'control.url: must be an http:// or https:// URL, such as http://collector:4318 (got "collector:4318"); ignored (BREAKWATER_COLLECTOR_URL or the collector the spans go to applies)',
    `breakwater control stream connected {"url":"http://127.0.0.1:${c.port}/v1/signals?service=support-agent"}`,
  ]);
});

it('says when it subscribes under the default service name', async () => {
  const c = await collector();
  const logs: string[] = [];
  const fleet = started(
    startFleetControl({ control: { url: `http://127.0.0.1:${c.port}` }, logger: (line) => logs.push(line) }),
  );
  await until(() => fleet.connected, 'the stream to open');
  assert.equal(c.requests[0]?.url, `${COLLECTOR_PATHS.SIGNALS}?service=unknown_service%3Anode`);
  assert.match(logs[0] ?? '', /^startFleetControl\(\): no serviceName and no OTEL_SERVICE_NAME/);
});

it('BREAKWATER_CONTROL=false starts none, whatever the options say', async () => {
  const c = await collector();
  process.env.BREAKWATER_CONTROL = 'off';
  const fleet = startFleetControl({
    serviceName: 'support-agent',
    control: { url: `http://127.0.0.1:${c.port}` },
    logger: () => assert.fail('nothing to say'),
  });
  assert.equal(fleet.running, false);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(c.requests.length, 0);
  await fleet.close();
});

it('a second call returns the running client and says so; after close() another may start', async () => {
  const c = await collector();
  const options = { serviceName: 'support-agent', control: { url: `http://127.0.0.1:${c.port}` } };
  const first = started(startFleetControl({ ...options, logger: () => {} }));
  const logs: string[] = [];
  const second = startFleetControl({ ...options, serviceName: 'other', logger: (line) => logs.push(line) });
  assert.equal(second, first);
  assert.deepEqual(logs, [
    'startFleetControl() called again: the control client the first call started runs on and this call’s options are ignored (close() it first to start another)',
  ]);
  await until(() => first.connected, 'the stream to open');
  assert.equal(c.requests.length, 1, 'one stream');
  await first.close();
  const third = started(startFleetControl({ ...options, logger: () => {} }));
  assert.notEqual(third, first);
  assert.equal(third.running, true);
  await until(() => third.connected, 'the new stream to open');
});

it('start() later in the process leaves the running client alone and starts none of its own', async () => {
  const c = await collector();
  const url = `http://127.0.0.1:${c.port}`;
  const fleet = started(
    startFleetControl({ serviceName: 'support-agent', control: { url }, logger: () => {} }),
  );
  await until(() => fleet.connected, 'the stream to open');
  const logs: string[] = [];
  const bw = start({
    serviceName: 'support-agent',
    // Spans to a closed port: the stand-in collector answers signal streams only.
    endpoint: `http://127.0.0.1:${await freePort()}`,
    control: { url },
    handleSignals: false,
    metricIntervalMs: 600_000,
    exportTimeoutMs: 300,
    logger: (line) => logs.push(line),
  });
  cleanups.push(() => bw.shutdown());
  assert.ok(
    logs.includes(
      "start(): startFleetControl() runs the fleet control client already (it applies the collector's signals to start()'s runtime); start() starts none",
    ),
    logs.join('\n'),
  );
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.requests.length, 1, 'still one stream');
  // The running client now follows start()'s runtime.
  c.event('signal', open('tool/search'));
  await until(() => bw.runtime?.guard.breakers.find('tool/search')?.state === 'open', 'the override');
});
