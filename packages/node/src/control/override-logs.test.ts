import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, it } from 'node:test';
import { type BreakerSignal, ManualClock } from '@breakwater/protocol';
import { until } from '../testing/until.ts';
import { startControlClient } from './client.ts';
import type { ControlLogger } from './logger.ts';

interface LogRecord {
  level: 'debug' | 'info' | 'warn';
  message: string;
}

function recordingLogger(records: LogRecord[]): ControlLogger {
  return {
    debug: (message) => records.push({ level: 'debug', message }),
    info: (message) => records.push({ level: 'info', message }),
    warn: (message) => records.push({ level: 'warn', message }),
  };
}

const reason = { errorRatio: 0.9, window: '10s', volume: 40, instances: 3, topErrorTypes: [] };
let n = 0;
function signal(extra: Partial<BreakerSignal> = {}): BreakerSignal {
  n++;
  return {
    id: `sig-${n}`,
    kind: 'breaker',
    dependency: 'openai/gpt-4o',
    state: 'open',
    ttlMs: 10_000,
    issuedAt: 1_700_000_000_000 + n,
    reason,
    ...extra,
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A loopback collector with one open stream, and a client subscribed to it. */
async function setup(logger: ControlLogger | ((line: string) => void)) {
  const streams: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': connected\n\n');
    streams.push(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const clock = new ManualClock(1_700_000_100_000);
  const client = startControlClient({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    service: 'agent',
    target: { applyOverride() {}, clearOverride() {} },
    clock,
    random: () => 0.5,
    logger,
  });
  cleanups.push(
    () => {
      server.closeAllConnections();
      server.close();
    },
    () => client.close(),
  );
  await until(() => client.connected && streams.length === 1, 'connection');
  let seq = 1;
  /** Sends `s` and waits until the client has handled it. */
  const send = async (s: BreakerSignal): Promise<void> => {
    const handled = Object.values(client.stats.signals).reduce((a, b) => a + b);
    streams[0]!.write(`id: run:${seq++}\nevent: signal\ndata: ${JSON.stringify(s)}\n\n`);
    await until(() => Object.values(client.stats.signals).reduce((a, b) => a + b) === handled + 1, s.id);
  };
  return { client, clock, send };
}

it('warns when an override is applied, changed, lifted or expires; a re-issued unchanged signal only at debug', async () => {
  const records: LogRecord[] = [];
  const { client, clock, send } = await setup(recordingLogger(records));
  const reissue = async (s: Partial<BreakerSignal>) => {
    // The collector re-issues at about TTL/2: a new id each time, nothing else new.
    for (let i = 0; i < 3; i++) {
      await clock.advance(5_000);
      await send(signal(s));
    }
  };
  await send(signal());
  await reissue({});
  await send(signal({ state: 'half_open', allow: 0.25 }));
  await reissue({ state: 'half_open', allow: 0.25 });
  // The next step's window was quiet.
  await send(
    signal({
      state: 'half_open',
      allow: 0.5,
      reason: { ...signal().reason, volume: 0, instances: 0, errorRatio: 0 },
    }),
  );
  await send(signal({ state: 'closed' }));
  // The collector re-issues its closed too: there is nothing left to lift.
  await send(signal({ state: 'closed' }));
  await send(signal({ dependency: 'tool/search' }));
  await clock.advance(10_000);

  const told = records.filter((r) => r.level !== 'debug' && !r.message.includes('control stream'));
  assert.deepEqual(
    told.map((r) => `${r.level} ${r.message}`),
    [
      'warn fleet override applied: openai/gpt-4o open for 10s (fleet error ratio 90% over 10s: 40 calls from 3 instances)',
      'warn fleet override changed: openai/gpt-4o open → half_open (admitting 25%) for 10s (the fleet ramps calls back in after an outage; fleet error ratio 90% over 10s: 40 calls from 3 instances)',
      'warn fleet override changed: openai/gpt-4o half_open (admitting 25%) → half_open (admitting 50%) for 10s (the fleet ramps calls back in after an outage; no calls over 10s)',
      'warn fleet override lifted: openai/gpt-4o (the collector closed it); its local breaker decides again',
      'warn fleet override applied: tool/search open for 10s (fleet error ratio 90% over 10s: 40 calls from 3 instances)',
      'warn fleet override expired: tool/search (not refreshed within its 10s TTL); its local breaker decides again',
    ],
  );
  const refreshes = records.filter((r) => r.message.startsWith('fleet override refreshed'));
  assert.equal(refreshes.length, 6, 'each re-issue is still visible at debug');
  assert.ok(refreshes.every((r) => r.level === 'debug'));
  // The counters still count every signal, re-issues included.
  assert.equal(client.stats.signals.applied, 10);
  assert.equal(client.stats.signals.cleared, 2);
});

it('a line logger (what start() passes) hears nothing of re-issues', async () => {
  const lines: string[] = [];
  const { clock, send } = await setup((line) => lines.push(line));
  await send(signal());
  for (let i = 0; i < 5; i++) {
    await clock.advance(5_000);
    await send(signal());
  }
  assert.deepEqual(
    lines.filter((l) => l.startsWith('fleet')).map((l) => l.split(':')[0]),
    ['fleet override applied'],
  );
});
