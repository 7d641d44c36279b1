import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import {
  ActiveSignalsSchema,
  type BreakerSignal,
  BreakerSignalSchema,
  COLLECTOR_PATHS,
  ManualClock,
  SIGNAL_EVENT,
} from '@breakwater/protocol';
import type { Logger, Route } from '../../component.ts';
import { until } from '../../testing/until.ts';
import { memoryLogger } from '../testing/tools.ts';
import { signalRoutes } from './routes.ts';
import { SignalHub, type SignalHubOptions } from './signal-hub.ts';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

function signal(n: number, extra: Partial<BreakerSignal> = {}): BreakerSignal {
  return {
    id: `sig-${n}`,
    kind: 'breaker',
    dependency: 'openai/gpt-4o',
    state: 'open',
    ttlMs: 15_000,
    issuedAt: 1_700_000_000_000,
    reason: {
      errorRatio: 1,
      window: '10s',
      volume: 40,
      instances: 2,
      topErrorTypes: [{ type: '503', count: 40 }],
    },
    ...extra,
  };
}

interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** A minimal SSE reader for tests: collects dispatched events, comments and `retry:` values. */
class TestSubscriber {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  status = 0;
  closed = false;
  private buffer = '';
  private destroy: () => void = () => {};

  static open(port: number, query = '', headers: Record<string, string> = {}): Promise<TestSubscriber> {
    const sub = new TestSubscriber();
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: `${COLLECTOR_PATHS.SIGNALS}${query}`, headers },
        (res) => {
          sub.status = res.statusCode ?? 0;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => sub.feed(chunk));
          res.on('close', () => {
            sub.closed = true;
          });
          resolve(sub);
        },
      );
      sub.destroy = () => req.destroy();
      req.on('error', (e) => (sub.status === 0 ? reject(e) : undefined));
      req.end();
    });
  }

  signals(): BreakerSignal[] {
    return this.events.filter((e) => e.event === SIGNAL_EVENT.SIGNAL).map((e) => JSON.parse(e.data));
  }

  lastId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  close(): void {
    this.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = { id: undefined, event: 'message', data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
        else if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('data: ')) {
          event.data = line.slice(6);
          hasData = true;
        }
      }
      if (hasData) this.events.push(event);
    }
  }
}

/** Serves routes on loopback the way the collector's server will (auth aside). */
async function serve(routes: readonly Route[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Like the collector's router: HEAD is served by the GET route.
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = routes.find((r) => r.method === method && r.path === url.pathname);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    void route.handle(req, res, url, []);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A signal of some 3 KB (its reason lists long error types), to fill queues quickly. */
function bigSignal(): BreakerSignal {
  return signal(0, {
    reason: {
      errorRatio: 1,
      window: '10s',
      volume: 1,
      instances: 1,
      topErrorTypes: Array.from({ length: 10 }, (_, i) => ({ type: `${i}`.padEnd(256, 'x'), count: i })),
    },
  });
}

async function setup(options: Partial<SignalHubOptions> = {}, active: BreakerSignal[] = []) {
  const clock = new ManualClock(1_700_000_000_000);
  const hub = new SignalHub({
    clock,
    logger: silent,
    active: () => active,
    heartbeatMs: 15_000,
    retryMs: 2_000,
    replayBuffer: 64,
    maxSubscribers: 100,
    maxSubscribersPerToken: 50,
    maxQueuedBytes: 1 << 20,
    ...options,
  });
  hub.start();
  const { server, port } = await serve(signalRoutes(hub));
  const subs: TestSubscriber[] = [];
  const open = async (query = '', headers: Record<string, string> = {}) => {
    const sub = await TestSubscriber.open(port, query, headers);
    subs.push(sub);
    return sub;
  };
  cleanups.push(async () => {
    for (const s of subs) s.close();
    hub.stop();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return { clock, hub, port, open, active };
}

describe('SignalHub over loopback HTTP', () => {
  it('starts with retry and a snapshot of the active signals for its service, as the source gives them', async () => {
    const { open } = await setup({}, [
      signal(1, { ttlMs: 10_000 }), // the source shortens each TTL to the time left
      signal(2, { dependency: 'anthropic/claude', service: 'other' }),
    ]);
    const sub = await open('?service=agent');
    await until(() => sub.events.length === 1, 'snapshot');
    assert.equal(sub.status, 200);
    assert.equal(sub.retry, 2_000);
    assert.equal(sub.events[0]?.event, SIGNAL_EVENT.SNAPSHOT);
    const snapshot = ActiveSignalsSchema.parse(JSON.parse(sub.events[0]!.data));
    assert.deepEqual(
      snapshot.signals.map((s) => [s.id, s.ttlMs]),
      [['sig-1', 10_000]],
    );
    assert.match(sub.events[0]?.id ?? '', /^[0-9a-f]{8}:0$/);
  });

  it('sends each published signal with a monotonic id to every matching subscriber', async () => {
    const { hub, open } = await setup();
    const all = await open();
    const agent = await open('?service=agent');
    const other = await open('?service=other');
    await until(() => hub.subscribers === 3, 'subscribers');
    hub.publish(signal(1));
    hub.publish(signal(2, { service: 'agent' }));
    hub.publish(signal(3, { service: 'other' }));
    await until(() => all.signals().length === 3 && other.signals().length === 2, 'signals');
    await until(() => agent.signals().length === 2, 'agent signals');
    assert.deepEqual(
      agent.signals().map((s) => s.id),
      ['sig-1', 'sig-2'],
    );
    assert.deepEqual(
      other.signals().map((s) => s.id),
      ['sig-1', 'sig-3'],
    );
    for (const s of all.signals()) assert.ok(BreakerSignalSchema.safeParse(s).success);
    const seqs = all.events.slice(1).map((e) => Number(e.id?.split(':')[1]));
    assert.deepEqual(seqs, [1, 2, 3]);
  });

  it('resumes from Last-Event-ID without gaps and without a snapshot', async () => {
    const { clock, hub, open } = await setup();
    const first = await open('?service=agent');
    await until(() => hub.subscribers === 1, 'subscriber');
    hub.publish(signal(1));
    await until(() => first.signals().length === 1, 'first signal');
    const lastId = first.lastId()!;
    first.close();
    await until(() => hub.subscribers === 0, 'disconnect');
    hub.publish(signal(2, { service: 'agent' }));
    hub.publish(signal(3, { service: 'other' }));
    hub.publish(signal(4, { state: 'closed', ttlMs: 1_000 }));
    await clock.advance(3_000);
    hub.publish(signal(5, { issuedAt: clock.now() }));
    const resumed = await open('?service=agent', { 'last-event-id': lastId });
    await until(() => resumed.signals().length === 3, 'replay');
    assert.equal(
      resumed.events.find((e) => e.event === SIGNAL_EVENT.SNAPSHOT),
      undefined,
    );
    const replay = resumed.signals();
    assert.deepEqual(
      replay.map((s) => s.id),
      ['sig-2', 'sig-4', 'sig-5'],
    );
    assert.equal(replay[0]?.ttlMs, 12_000, 'replayed TTL counts from the original issue');
    assert.equal(replay[1]?.ttlMs, 1, 'an expired closed signal still clears');
    assert.equal(hub.stats.resumed, 1);
  });

  it('shortens replayed TTLs by the time since publishing, whatever the wall clock did', async () => {
    const { clock, hub, open } = await setup();
    const first = await open();
    await until(() => hub.subscribers === 1, 'subscriber');
    hub.publish(signal(1));
    await until(() => first.signals().length === 1, 'first signal');
    const lastId = first.lastId()!;
    first.close();
    await until(() => hub.subscribers === 0, 'disconnect');
    hub.publish(signal(2));
    await clock.advance(3_000);
    clock.stepWall(3_600_000); // NTP steps the wall clock an hour forward
    const resumed = await open('', { 'last-event-id': lastId });
    await until(() => resumed.signals().length === 1, 'replay');
    assert.equal(resumed.signals()[0]?.ttlMs, 12_000);
  });

  it('answers an id that is too old or from another collector run with a snapshot', async () => {
    const { hub, open } = await setup({ replayBuffer: 4 });
    const first = await open();
    await until(() => hub.subscribers === 1, 'subscriber');
    hub.publish(signal(1));
    await until(() => first.signals().length === 1, 'signal');
    const lastId = first.lastId()!;
    for (let i = 2; i <= 10; i++) hub.publish(signal(i));
    const stale = await open('', { 'last-event-id': lastId });
    const foreign = await open('', { 'last-event-id': 'deadbeef:3' });
    await until(() => stale.events.length === 1 && foreign.events.length === 1, 'snapshots');
    assert.equal(stale.events[0]?.event, SIGNAL_EVENT.SNAPSHOT);
    assert.equal(foreign.events[0]?.event, SIGNAL_EVENT.SNAPSHOT);
    assert.match(stale.events[0]?.id ?? '', /:10$/);
  });

  it('sends heartbeat comments on the injected clock', async () => {
    const { clock, hub, open } = await setup();
    const sub = await open();
    await until(() => hub.subscribers === 1, 'subscriber');
    await clock.advance(15_000);
    await until(() => sub.comments.length === 1, 'heartbeat');
    await clock.advance(15_000);
    await until(() => sub.comments.length === 2, 'second heartbeat');
    assert.equal(sub.comments[0], 'heartbeat');
  });

  it('drops a subscriber that stops reading once its queue passes the bound; others keep up', async () => {
    const { hub, port, open, clock } = await setup({ maxQueuedBytes: 64 * 1024 });
    const fast = await open();
    const stalled = connect(port, '127.0.0.1');
    cleanups.push(() => void stalled.destroy());
    await once(stalled, 'connect');
    stalled.write(`GET ${COLLECTOR_PATHS.SIGNALS} HTTP/1.1\r\nhost: x\r\n\r\n`);
    stalled.pause();
    await until(() => hub.subscribers === 2, 'subscribers');
    const big = bigSignal();
    let sent = 0;
    while (hub.stats.dropped.slow === 0 && sent < 50_000) {
      hub.publish({ ...big, id: `big-${sent++}` });
      if (sent % 5 === 0) await new Promise((r) => setImmediate(r));
      // Still over the bound a grace period later: slow.
      if (sent % 50 === 0) await clock.advance(2_000);
    }
    assert.equal(hub.stats.dropped.slow, 1);
    assert.equal(hub.subscribers, 1);
    await until(() => fast.signals().length === sent, 'fast subscriber keeps every event', 10_000);
  });

  it('logs one line for a burst of slow subscribers dropped together, then one a minute with the count held back', async () => {
    const logger = memoryLogger();
    const { hub, port, clock } = await setup({ maxQueuedBytes: 64 * 1024, logger });
    const stall = async () => {
      const socket = connect(port, '127.0.0.1');
      cleanups.push(() => void socket.destroy());
      await once(socket, 'connect');
      socket.write(`GET ${COLLECTOR_PATHS.SIGNALS} HTTP/1.1\r\nhost: x\r\n\r\n`);
      socket.pause();
    };
    const dropAll = async (count: number) => {
      const big = bigSignal();
      for (let sent = 0; hub.stats.dropped.slow < count && sent < 50_000; sent++) {
        hub.publish({ ...big, id: `big-${sent}` });
        if (sent % 5 === 0) await new Promise((r) => setImmediate(r));
      }
    };
    const dropped = () => logger.lines.filter((l) => l.msg?.startsWith('slow signal subscriber dropped'));
    for (let i = 0; i < 3; i++) await stall();
    await until(() => hub.subscribers === 3, 'subscribers');
    await dropAll(3);
    assert.equal(hub.stats.dropped.slow, 3);
    assert.equal(dropped().length, 1);
    // The one line says where the others are counted.
    assert.match(dropped()[0]!.msg!, /breakwater_fleet_stream_dropped_total\{cause="slow"\}/);
    // A minute on, the next drop logs again and tells of the two held back.
    await clock.advance(60_000);
    await stall();
    await until(() => hub.subscribers === 1, 'subscriber');
    await dropAll(4);
    assert.equal(dropped().length, 2);
    assert.equal(dropped()[1]!.msg, 'slow signal subscriber dropped (and 2 more since the last such line)');
  });

  it('keeps a subscriber that reads on through one burst past the bound (every re-issue on one tick)', async () => {
    const { hub, clock, open } = await setup({ maxQueuedBytes: 64 * 1024 });
    const reader = await open();
    await until(() => hub.subscribers === 1, 'subscriber');
    // Some 250 KB in one turn: nearly four times the bound before the socket takes a byte.
    const big = bigSignal();
    for (let n = 0; n < 80; n++) hub.publish({ ...big, id: `burst-${n}` });
    await until(() => reader.signals().length === 80, 'every event of the burst');
    await clock.advance(2_000); // the grace: its queue has drained meanwhile
    assert.equal(hub.stats.dropped.slow, 0);
    assert.equal(hub.subscribers, 1);
  });

  it('refuses subscribers beyond the limit with 503 and the collector’s error body', async () => {
    const { hub, open, port } = await setup({ maxSubscribers: 1 });
    await open();
    await until(() => hub.subscribers === 1, 'subscriber');
    const refused = await fetch(`http://127.0.0.1:${port}${COLLECTOR_PATHS.SIGNALS}`);
    assert.equal(refused.status, 503);
    assert.deepEqual(await refused.json(), { error: { code: 503, message: 'too many signal subscribers' } });
    assert.equal(hub.stats.dropped.refused, 1);
  });

  it('logs a run of refusals at the limit once, and again after a subscriber left', async () => {
    const logger = memoryLogger();
    const { hub, open, port } = await setup({ maxSubscribers: 1, logger });
    const first = await open();
    await until(() => hub.subscribers === 1, 'subscriber');
    const refuse = async () =>
      assert.equal((await fetch(`http://127.0.0.1:${port}${COLLECTOR_PATHS.SIGNALS}`)).status, 503);
    const full = () => logger.lines.filter((l) => /the stream is full/.test(l.msg ?? '')).length;
    await refuse();
    await refuse();
    assert.equal(full(), 1, 'every refused SDK retries: one line per run');
    assert.deepEqual(logger.lines.find((l) => /the stream is full/.test(l.msg ?? ''))?.level, 'warn');
    first.close();
    await until(() => hub.subscribers === 0, 'the subscriber to leave');
    await open();
    await until(() => hub.subscribers === 1, 'a new subscriber');
    await refuse();
    assert.equal(full(), 2);
    assert.equal(hub.stats.dropped.refused, 3);
  });

  it('a service name longer than a signal may name gets the fleet-wide signals', async () => {
    const { hub, open } = await setup();
    const long = await open(`?service=${'s'.repeat(300)}`);
    await until(() => hub.subscribers === 1, 'subscriber');
    assert.equal(long.status, 200);
    hub.publish(signal(1));
    hub.publish(signal(2, { service: 's'.repeat(256) }));
    hub.publish(signal(3));
    await until(() => long.signals().length === 2, 'fleet-wide signals');
    assert.deepEqual(
      long.signals().map((s) => s.id),
      ['sig-1', 'sig-3'],
    );
  });

  it('answers HEAD /v1/signals with the stream headers only, taking no subscriber slot', async () => {
    const { hub, port } = await setup({ maxSubscribers: 1 });
    const agent = new Agent({ keepAlive: true });
    cleanups.push(() => agent.destroy());
    const head = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ port, path: COLLECTOR_PATHS.SIGNALS, method: 'HEAD', agent }, resolve);
      // Node sends a HEAD response's headers only once it ends: a held-open stream never answers.
      req.setTimeout(2_000, () => req.destroy(new Error('no answer to HEAD')));
      req.on('error', reject).end();
    });
    assert.equal(head.statusCode, 200);
    assert.match(head.headers['content-type'] ?? '', /^text\/event-stream/);
    assert.equal(hub.subscribers, 0);
    assert.equal(hub.stats.connections, 0);
    await once(head.resume(), 'end'); // the response is complete while the connection stays open
    // The one slot is still free for a real subscriber.
    const res = await fetch(`http://127.0.0.1:${port}${COLLECTOR_PATHS.SIGNALS}`);
    assert.equal(res.status, 200);
    await until(() => hub.subscribers === 1, 'subscriber');
    await res.body?.cancel();
  });

  it('serves GET /v1/signals/active as ActiveSignals JSON, filtered by service', async () => {
    const { port } = await setup({}, [signal(1), signal(2, { service: 'other' })]);
    const res = await fetch(`http://127.0.0.1:${port}${COLLECTOR_PATHS.SIGNALS_ACTIVE}?service=agent`);
    assert.equal(res.status, 200);
    const body = ActiveSignalsSchema.parse(await res.json());
    assert.deepEqual(
      body.signals.map((s) => s.id),
      ['sig-1'],
    );
    assert.equal(body.signals[0]?.reason.volume, 40);
  });

  it('ends every stream on stop', async () => {
    const { hub, open } = await setup();
    const sub = await open();
    await until(() => hub.subscribers === 1, 'subscriber');
    hub.stop();
    await until(() => sub.closed, 'stream end');
    assert.equal(hub.subscribers, 0);
  });
});
