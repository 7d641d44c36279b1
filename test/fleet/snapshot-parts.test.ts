/**
 * A snapshot of thousands of signals (a wide outage, many dependencies keyed by host) is larger
 * than one SSE event a subscriber accepts: the collector's hub sends it in parts and the SDK's
 * control client applies every part, in one process over loopback HTTP.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, it } from 'node:test';
import {
  type BreakerOverride,
  type BreakerSignal,
  MAX_SIGNAL_EVENT_BYTES,
  systemClock,
} from '@breakwater/protocol';
import { signalRoutes } from '../../collector/src/act/signals/routes.ts';
import { SignalHub } from '../../collector/src/act/signals/signal-hub.ts';
import { silentLogger } from '../../collector/src/testing/helpers.ts';
import { startControlClient } from '../../packages/node/src/control/client.ts';
import { waitFor } from '../harness/wait.ts';

const SIGNALS = 6_000;
const now = Date.now();
const active: BreakerSignal[] = Array.from({ length: SIGNALS }, (_, i) => ({
  id: `sig-${i}`,
  kind: 'breaker',
  dependency: `http/webhook-${i}.customers.example.com`,
  state: 'open',
  ttlMs: 600_000,
  issuedAt: now,
  reason: {
    errorRatio: 1,
    window: '60s',
    volume: 40,
    instances: 3,
    topErrorTypes: [{ type: '503', count: 40 }],
  },
}));

const hub = new SignalHub({
  clock: systemClock,
  logger: silentLogger,
  active: () => active,
  heartbeatMs: 15_000,
  retryMs: 1_000,
  replayBuffer: 64,
  maxSubscribers: 10,
  maxSubscribersPerToken: 10,
  maxQueuedBytes: 64 << 20,
});
hub.start();
const [route] = signalRoutes(hub);
const server = createServer(
  (req, res) => void route!.handle(req, res, new URL(req.url ?? '/', 'http://x'), []),
);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(async () => {
  hub.stop();
  server.closeAllConnections();
  server.close();
});

it('a snapshot larger than one event reaches the SDK in parts, and every signal applies', async () => {
  const overrides = new Map<string, BreakerOverride>();
  const logs: string[] = [];
  const client = startControlClient({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    service: 'agent',
    target: {
      applyOverride: (dependency, override) => void overrides.set(dependency, override),
      clearOverride: (dependency) => void overrides.delete(dependency),
      // An app whose dependency limit admits them all (the default holds 400 overrides).
      maxOverrides: SIGNALS,
    },
    logger: (line) => logs.push(line),
  });
  try {
    await waitFor('every signal of the snapshot applied', () => overrides.size === SIGNALS, {
      intervalMs: 10,
    });
    assert.ok(
      JSON.stringify({ now, signals: active }).length > MAX_SIGNAL_EVENT_BYTES,
      'one event would not do',
    );
    assert.equal(client.stats.connects, 1);
    assert.equal(client.stats.disconnects, 0);
    assert.equal(client.stats.signals.applied, SIGNALS);
    assert.equal(client.stats.signals.malformed, 0);
    assert.match(client.lastEventId ?? '', /:0$/);
    assert.ok(
      !logs.some((l) => /failed|too long/.test(l)),
      logs.find((l) => /failed|too long/.test(l)),
    );
  } finally {
    await client.close();
  }
});
