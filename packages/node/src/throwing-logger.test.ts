import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { type Breakwater, type StartOptions, start } from './index.ts';
import { until } from './testing/until.ts';

let bw: Breakwater | undefined;
const streams: ServerResponse[] = [];
const collector = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(': connected\n\n');
  streams.push(res);
});
after(async () => {
  await bw?.shutdown();
  collector.closeAllConnections();
  collector.close();
});

it('a logger that throws never throws into the app, out of start() or a timer: its lines go to standard error', async (t) => {
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  t.after(() => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  });
  const stderr: string[] = [];
  t.mock.method(console, 'warn', (line: unknown) => stderr.push(String(line)));
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const clock = new ManualClock(1_700_000_000_000);
  bw = start({
    serviceName: 'throwing-logger',
    endpoint: 'http://127.0.0.1:9', // never reached: nothing is exported in this test
    control: { url: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` },
    handleSignals: false,
    clock,
    logger: () => {
      throw new Error('log sink down');
    },
    metricIntervalMs: '15s', // a start-up warning, logged from inside start()
  } as unknown as StartOptions);
  await until(() => streams.length === 1, 'the control stream');
  const signal = {
    id: 'sig-1',
    kind: 'breaker',
    dependency: 'openai/gpt-4o',
    state: 'open',
    ttlMs: 10_000,
    issuedAt: clock.now(),
    reason: { errorRatio: 0.9, window: '10s', volume: 40, instances: 3, topErrorTypes: [] },
  };
  streams[0]!.write(`id: run:1\nevent: signal\ndata: ${JSON.stringify(signal)}\n\n`);
  await until(() => stderr.some((l) => l.includes('fleet override applied')), 'the override');
  await clock.advance(10_000); // the override expires on a timer, which logs
  await until(() => stderr.some((l) => l.includes('fleet override expired')), 'the expiry');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(crashes, []);
  assert.ok(stderr.some((l) => l.startsWith('[breakwater] metricIntervalMs: must be a number')));
  assert.ok(stderr.every((l) => l.endsWith("(the app's logger threw on this line: Error: log sink down)")));
});
