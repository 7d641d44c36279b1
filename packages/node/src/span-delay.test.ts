import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { MAX_TIMER_MS } from '@breakwater/protocol';
import { trace } from '@opentelemetry/api';
import { type Breakwater, start } from './index.ts';
import { spanExportDelayMs } from './options.ts';

// Regression: start() passed scheduledDelayMillis: 1000 explicitly, so the standard
// OTEL_BSP_SCHEDULE_DELAY variable was silently ignored.
process.env.OTEL_BSP_SCHEDULE_DELAY = '50';

const arrivals: number[] = [];
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/v1/traces') arrivals.push(performance.now());
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
let bw: Breakwater;

before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  bw = start({
    serviceName: 'span-delay-test',
    endpoint: `http://127.0.0.1:${port}`,
    control: false,
    handleSignals: false,
    metricIntervalMs: 60_000,
  });
});

after(async () => {
  await bw.shutdown();
  receiver.close();
});

it('reads OTEL_BSP_SCHEDULE_DELAY, defaulting to 1 s', () => {
  assert.equal(spanExportDelayMs('250'), 250);
  assert.equal(spanExportDelayMs(undefined), 1_000);
  assert.equal(spanExportDelayMs(''), 1_000);
  assert.equal(spanExportDelayMs('soon'), 1_000);
  assert.equal(spanExportDelayMs('-5'), 1_000);
});

// Regression: a delay past the longest Node timer went to the batch processor as given; Node
// fired it after 1 ms (with a TimeoutOverflowWarning), so "export rarely" meant "export at once".
it('caps OTEL_BSP_SCHEDULE_DELAY at MAX_TIMER_MS, as the other export timers are', () => {
  assert.equal(spanExportDelayMs(String(MAX_TIMER_MS)), MAX_TIMER_MS);
  assert.equal(spanExportDelayMs('99999999999'), MAX_TIMER_MS);
});

it('exports spans on the OTEL_BSP_SCHEDULE_DELAY schedule, not after the 1 s default', async () => {
  const started = performance.now();
  trace.getTracer('t').startSpan('one').end();
  const deadline = started + 3_000;
  while (arrivals.length === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(arrivals.length > 0, true, 'the span was exported');
  const waited = arrivals[0]! - started;
  assert.ok(waited < 700, `exported after ${waited.toFixed(0)} ms (delay 50 ms; default would be ≥ 1000 ms)`);
});
