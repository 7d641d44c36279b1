import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  ATTR,
  type BreakerOverride,
  type BreakerSignal,
  COLLECTOR_PATHS,
  ManualClock,
  METRIC,
} from '@breakwater/protocol';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { SignalCollector } from '../testing/signal-collector.ts';
import { until } from '../testing/until.ts';
import { type ControlClient, type ControlClientOptions, startControlClient } from './client.ts';

type Call = ['apply', string, BreakerOverride] | ['clear', string];

function recordingTarget(calls: Call[] = []) {
  return {
    calls,
    applyOverride(dependency: string, override: BreakerOverride) {
      calls.push(['apply', dependency, override]);
    },
    clearOverride(dependency: string) {
      calls.push(['clear', dependency]);
    },
  };
}

function signal(n: number, extra: Partial<BreakerSignal> = {}): BreakerSignal {
  return {
    id: `sig-${n}`,
    kind: 'breaker',
    dependency: 'openai/gpt-4o',
    state: 'open',
    ttlMs: 10_000,
    issuedAt: 1_700_000_000_000 + n,
    reason: { errorRatio: 1, window: '10s', volume: 40, instances: 2, topErrorTypes: [] },
    ...extra,
  };
}

/** Lets real I/O happen without moving the manual clock. */
async function io(ms = 30): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(extra: Partial<ControlClientOptions> = {}) {
  const collector = new SignalCollector();
  await collector.listen();
  const clock = new ManualClock(1_700_000_100_000);
  const target = recordingTarget();
  const logs: string[] = [];
  const client = startControlClient({
    url: `http://127.0.0.1:${collector.port}`,
    token: 'sub-token',
    service: 'agent',
    target,
    clock,
    random: () => 0.5,
    logger: (line) => logs.push(line),
    ...extra,
  });
  cleanups.push(
    () => collector.kill(),
    () => client.close(),
  );
  await until(() => client.connected && collector.streams.size === 1, 'connection');
  return { collector, clock, target, client, logs };
}

function applied(target: { calls: Call[] }): [string, BreakerOverride][] {
  return target.calls.filter((c) => c[0] === 'apply').map((c) => [c[1], c[2] as BreakerOverride]);
}

describe('control client against a loopback SSE server', () => {
  it('subscribes for its service with the token and applies overrides with local expiry', async () => {
    const { collector, clock, target, client } = await setup();
    const req = collector.requests[0]!;
    const url = new URL(req.url ?? '', 'http://x');
    assert.equal(url.pathname, COLLECTOR_PATHS.SIGNALS);
    assert.equal(url.searchParams.get('service'), 'agent');
    assert.equal(req.headers.accept, 'text/event-stream');
    assert.equal(req.headers.authorization, 'Bearer sub-token');
    assert.equal(req.headers['last-event-id'], undefined);

    // The collector's clock is far off; expiry still counts from local receipt.
    collector.event('signal', signal(1, { state: 'half_open', allow: 0.25, issuedAt: 5 }));
    await until(() => applied(target).length === 1, 'apply');
    const [dependency, override] = applied(target)[0]!;
    assert.equal(dependency, 'openai/gpt-4o');
    assert.deepEqual(override, {
      state: 'half_open',
      allow: 0.25,
      expiresAt: clock.now() + 10_000,
      source: 'sig-1',
    });
    assert.equal(client.activeOverrides.get('openai/gpt-4o')?.state, 'half_open');
    assert.equal(client.lastEventId, 's:1');
  });

  it('lets overrides expire at their TTL when the collector dies, then reconnects with Last-Event-ID', async () => {
    const { collector, clock, target, client } = await setup({ initialDelayMs: 1_000 });
    collector.event('signal', signal(1));
    await until(() => client.activeOverrides.size === 1, 'apply');
    await clock.advance(2_000);
    await collector.kill();
    await until(() => !client.connected, 'disconnect');
    assert.equal(client.activeOverrides.size, 1, 'the override outlives the connection, not its TTL');
    await clock.advance(7_999);
    assert.equal(client.activeOverrides.size, 1);
    await clock.advance(1);
    assert.equal(client.activeOverrides.size, 0);
    assert.deepEqual(target.calls.at(-1), ['clear', 'openai/gpt-4o']);

    await collector.listen(collector.port);
    // Attempts are real I/O between manual-clock steps: move time a second at a time.
    for (let s = 0; s < 120 && !client.connected; s++) {
      await clock.advance(1_000);
      await io(5);
    }
    await until(() => client.connected, 'reconnect');
    assert.equal(collector.requests.at(-1)?.headers['last-event-id'], 's:1');
  });

  it('backs off exponentially with full jitter between failed attempts, and resets after a good stream', async () => {
    const { collector, clock, client } = await setup({ initialDelayMs: 1_000, maxDelayMs: 4_000 });
    collector.status = 503;
    collector.send('retry: 1000\n\n');
    collector.event('signal', signal(1)); // a healthy stream: backoff starts over
    await until(() => client.activeOverrides.size === 1, 'apply');
    for (const s of collector.streams) s.end();
    // The client counts a disconnect just before it arms its backoff timer: wait for that, not
    // for a fixed real-time pause, before moving the manual clock.
    await until(() => client.stats.disconnects === 1, 'stream end');
    // random() = 0.5: delays 500, 1000, 2000, then capped at 4000 → 2000.
    for (const delay of [500, 1_000, 2_000, 2_000]) {
      const before = collector.requests.length;
      const disconnects = client.stats.disconnects;
      await clock.advance(delay - 1);
      await io();
      assert.equal(collector.requests.length, before, `no attempt before ${delay} ms`);
      await clock.advance(1);
      await until(() => collector.requests.length === before + 1, `attempt after ${delay} ms`);
      await until(() => client.stats.disconnects === disconnects + 1, `refusal after ${delay} ms`);
    }
    assert.equal(client.stats.connects, 1);
    assert.ok(client.stats.disconnects >= 4);
  });

  it("waits a refusal's Retry-After (the collector's subscriber limit), with the jitter on top", async () => {
    const { collector, clock, client } = await setup({ initialDelayMs: 1_000, maxDelayMs: 4_000 });
    collector.status = 503;
    collector.retryAfter = '10';
    for (const s of collector.streams) s.end();
    await until(() => client.stats.disconnects === 1, 'stream end');
    // The stream was healthy: 500 ms of jitter, then a refusal that asks for 10 s.
    await clock.advance(500);
    await until(() => collector.requests.length === 2, 'first attempt');
    await until(() => client.stats.disconnects === 2, 'refusal');
    // 10 s asked, plus the second attempt's jitter: 2000 × 0.5.
    await clock.advance(10_999);
    await io();
    assert.equal(collector.requests.length, 2, 'not before the 10 s asked for');
    // The next refusal says nothing of waiting: the backoff alone again.
    collector.retryAfter = undefined;
    await clock.advance(1);
    await until(() => collector.requests.length === 3, 'attempt after 11 s');
    await until(() => client.stats.disconnects === 3, 'refusal');
    collector.status = 200;
    await clock.advance(1_999); // 4000 × 0.5, nothing asked
    await io();
    assert.equal(collector.requests.length, 3);
    await clock.advance(1);
    await until(() => client.connected, 'reconnected');
  });

  it('starts the backoff over after a stream that carried only heartbeats (a resume with nothing new)', async () => {
    // Before, only events reset it: a proxy cutting healthy, quiet streams doubled the delay each
    // time, up to the cap, long enough for held overrides to lapse.
    const { collector, clock, client } = await setup({ initialDelayMs: 1_000, maxDelayMs: 8_000 });
    for (let round = 0; round < 4; round++) {
      await until(() => client.connected && collector.streams.size === 1, `connected ${round}`);
      collector.send(': heartbeat\n\n');
      await io();
      const before = collector.requests.length;
      const disconnects = client.stats.disconnects;
      for (const s of collector.streams) s.end();
      await until(() => client.stats.disconnects === disconnects + 1, `stream end ${round}`);
      // random() = 0.5 and attempt 0 every time: 500 ms, never 1000, 2000, 4000.
      await clock.advance(499);
      await io();
      assert.equal(collector.requests.length, before, `no attempt before 500 ms (round ${round})`);
      await clock.advance(1);
      await until(() => collector.requests.length === before + 1, `attempt after 500 ms (round ${round})`);
    }
  });

  it('backs off after streams that said nothing but their retry:, or broke on what they sent; a break is warned once', async () => {
    // Before, any byte reset the backoff: a collector (or proxy) that ends every stream at once,
    // or sends an event too large each time, was reconnected to ten times a second, with a
    // warning and an info line each time.
    const { collector, clock, client, logs } = await setup({ maxEventBytes: 200 });
    const endsEachStream = [
      () => {
        for (const s of collector.streams) s.end();
      },
      () => {
        collector.event('signal', signal(collector.requests.length));
        collector.send(`data: ${'x'.repeat(300)}\n\n`);
      },
    ];
    for (const end of endsEachStream) {
      // random() = 0.5, the greeting's retry: 1000: the delays double as attempts go on.
      const delays = end === endsEachStream[0] ? [500, 1_000, 2_000] : [4_000, 8_000, 15_000];
      for (const delay of delays) {
        await until(() => client.connected && collector.streams.size === 1, `connected before ${delay}`);
        const disconnects = client.stats.disconnects;
        end();
        await until(() => client.stats.disconnects === disconnects + 1, `stream end before ${delay}`);
        const before = collector.requests.length;
        await clock.advance(delay - 1);
        await io();
        assert.equal(collector.requests.length, before, `no attempt before ${delay} ms`);
        await clock.advance(1);
        await until(() => collector.requests.length === before + 1, `attempt after ${delay} ms`);
      }
    }
    assert.equal(logs.filter((line) => line.startsWith('breakwater control stream broke')).length, 1);
  });

  it('refuses malformed, forged, foreign, unknown and stale signals, counting each', async () => {
    const { collector, target, client } = await setup();
    collector.event('signal', '{not json');
    collector.event('signal', { ...signal(1), kind: 'reboot' });
    collector.event('signal', { ...signal(2), ttlMs: 86_400_000 });
    collector.event('signal', { ...signal(3), allow: 7 });
    collector.event('signal', { ...signal(4), reason: undefined });
    collector.event('signal', signal(5, { service: 'someone-else' }));
    collector.event('override', signal(6));
    collector.send('data: {"no":"event type"}\n\n');
    collector.event('snapshot', { now: 1, signals: 'all of them' });
    collector.event('signal', signal(20, { dependency: 'anthropic/claude' }), 20);
    // An earlier event of the same run, delivered again (a replay): its sequence says it is older.
    collector.event('signal', signal(10, { dependency: 'anthropic/claude' }), 10);
    await until(() => Object.values(client.stats.signals).reduce((a, b) => a + b) === 11, 'all events');
    assert.deepEqual(client.stats.signals, {
      applied: 1,
      cleared: 0,
      malformed: 5,
      // The `reboot` kind and the `override` event: what a newer collector may send.
      unknown_event: 3,
      foreign: 1,
      stale: 1,
      over_limit: 0,
    });
    assert.deepEqual(
      applied(target).map(([d, o]) => [d, o.source]),
      [['anthropic/claude', 'sig-20']],
    );
  });

  it("ignores a newer collector's signal kinds and event types, warning once per connection, and keeps the stream", async () => {
    const { collector, target, client, logs } = await setup();
    // Re-issued as breaker signals are (about every TTL/2): each one must not be another warning.
    for (let n = 1; n <= 3; n++) {
      collector.event('signal', { ...signal(n), kind: 'budget' });
      collector.event('quota', { dependency: 'openai/gpt-4o', remaining: n });
    }
    collector.event('snapshot', { now: 1, signals: [{ ...signal(4), kind: 'budget' }, signal(5)] });
    collector.event('signal', signal(6, { dependency: 'anthropic/claude' }));
    await until(() => client.stats.signals.applied === 2, 'the breaker signals after them');
    assert.equal(client.stats.signals.unknown_event, 7);
    assert.equal(client.stats.signals.malformed, 0);
    assert.equal(client.stats.connects, 1);
    assert.deepEqual(
      applied(target).map(([d, o]) => [d, o.source]),
      [
        ['openai/gpt-4o', 'sig-5'],
        ['anthropic/claude', 'sig-6'],
      ],
    );
    const warned = logs.filter((line) => line.startsWith('fleet signal dropped'));
    assert.equal(warned.length, 2, warned.join('\n'));
    assert.match(warned[0]!, /^fleet signal dropped \(unknown_event\).*"kind":"budget"/);
    assert.match(warned[1]!, /^fleet signal dropped \(unknown_event\).*"type":"quota"/);
  });

  it('warns once per connection about signals it cannot read for the same reason (a newer collector re-issuing them)', async () => {
    const { collector, client, logs } = await setup();
    // A state, and a longer TTL, this SDK does not know: dropped at every re-issue, said once each.
    for (let n = 1; n <= 3; n++) {
      collector.event('signal', signal(n, { state: 'isolated' as never }));
      collector.event('signal', signal(10 + n, { dependency: 'tool/search', ttlMs: 7_200_000 }));
    }
    collector.event('signal', signal(20, { dependency: 'anthropic/claude' }));
    await until(() => client.stats.signals.applied === 1, 'the signal after them');
    assert.equal(client.stats.signals.malformed, 6);
    const warned = logs.filter((line) => line.startsWith('fleet signal dropped (malformed)'));
    assert.equal(warned.length, 2, warned.join('\n'));
    assert.match(warned[0]!, /state/);
    assert.match(warned[1]!, /ttlMs/);
  });

  it("orders a run's signals by their event sequence, not by the collector's clock", async () => {
    const { collector, client } = await setup();
    const collectorNow = 1_800_000_000_000;
    collector.event('signal', signal(1, { issuedAt: collectorNow, ttlMs: 600_000 }));
    await until(() => client.activeOverrides.size === 1, 'open');
    // The collector's clock was stepped back a minute: its next decision is still the newer one.
    collector.event('signal', signal(2, { state: 'closed', issuedAt: collectorNow - 55_000, ttlMs: 5_000 }));
    await until(() => client.stats.signals.cleared === 1, 'closed');
    assert.equal(client.activeOverrides.size, 0);
    assert.equal(client.stats.signals.stale, 0);
  });

  it('holds at most the target’s maxOverrides, fleet-wide and own-service signals alike; drops past it are counted and warned once', async () => {
    const target = { ...recordingTarget(), maxOverrides: 2, has: (d: string) => d === 'openai/used' };
    const { collector, client, logs } = await setup({ target });
    collector.event('signal', signal(1, { dependency: 'made-up/1' }));
    collector.event('signal', signal(2, { dependency: 'made-up/2', service: 'agent' }));
    collector.event('signal', signal(3, { dependency: 'made-up/3' }));
    collector.event('signal', signal(4, { dependency: 'made-up/4', service: 'agent' }));
    collector.event('signal', signal(5, { dependency: 'openai/used' }));
    await until(() => client.stats.signals.applied + client.stats.signals.over_limit === 5, 'all signals');
    assert.deepEqual([...client.activeOverrides.keys()].sort(), ['made-up/1', 'made-up/2', 'openai/used']);
    assert.equal(client.stats.signals.over_limit, 2);
    const warned = logs.filter((line) => line.startsWith('fleet signal dropped (over_limit)'));
    assert.equal(warned.length, 1, 'one warning per connection, not one per signal');
    assert.match(warned[0]!, /"dependency":"made-up\/3".*"limit":2.*limits\.maxDependencies/);
  });

  it('clears on closed signals and reconciles to each snapshot', async () => {
    const { collector, target, client } = await setup();
    collector.event('signal', signal(1, { dependency: 'a' }));
    collector.event('signal', signal(2, { dependency: 'b' }));
    collector.event('signal', signal(3, { dependency: 'a', state: 'closed', ttlMs: 5_000 }));
    await until(() => client.stats.signals.cleared === 1, 'closed');
    assert.deepEqual([...client.activeOverrides.keys()], ['b']);
    collector.event('snapshot', { now: 1, signals: [signal(4, { dependency: 'c', service: 'agent' })] });
    await until(() => client.activeOverrides.has('c'), 'snapshot');
    assert.deepEqual([...client.activeOverrides.keys()], ['c']);
    assert.deepEqual(
      target.calls.filter((c) => c[0] === 'clear').map((c) => c[1]),
      ['a', 'b'],
    );
  });

  it('reconciles to a snapshot sent in parts only at its last part, and a part never moves the event id', async () => {
    const { collector, target, client } = await setup();
    collector.event('signal', signal(1, { dependency: 'a' }));
    collector.event('signal', signal(2, { dependency: 'old' }));
    await until(() => client.activeOverrides.size === 2, 'apply');
    const before = client.lastEventId;
    // Parts carry no id; every part but the last says more.
    const part = (signals: BreakerSignal[], more: boolean) =>
      `event: snapshot\ndata: ${JSON.stringify({ now: 1, signals, ...(more ? { more } : {}) })}\n\n`;
    collector.send(part([signal(3, { dependency: 'a' })], true));
    collector.send(part([signal(4, { dependency: 'b' })], true));
    await until(() => client.activeOverrides.has('b'), 'parts applied at once');
    assert.equal(client.lastEventId, before);
    assert.ok(client.activeOverrides.has('old'), 'nothing cleared before the last part');
    collector.event('snapshot', { now: 1, signals: [signal(5, { dependency: 'c' })] });
    await until(() => client.activeOverrides.has('c'), 'last part');
    // The whole snapshot is a, b and c: only what none of its parts named is cleared.
    assert.deepEqual([...client.activeOverrides.keys()].sort(), ['a', 'b', 'c']);
    assert.deepEqual(
      target.calls.filter((c) => c[0] === 'clear').map((c) => c[1]),
      ['old'],
    );
    assert.notEqual(client.lastEventId, before);
  });

  it('a snapshot whose parts name refused dependencies without end keeps none of them in memory', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const target = { ...recordingTarget(), maxOverrides: 1, has: () => false };
    const { collector, client } = await setup({ target });
    collector.event('signal', signal(1, { dependency: 'held' }));
    await until(() => client.activeOverrides.size === 1, 'the one override');
    gc();
    const before = process.memoryUsage().heapUsed;
    // 100 000 distinct dependencies of 300 characters, each refused (the table is full), and the
    // snapshot never ends: kept, they would hold some 40 MB.
    const name = 'x'.repeat(290);
    for (let part = 0; part < 100; part++) {
      const signals = Array.from({ length: 1_000 }, (_, i) =>
        signal(2, { dependency: `${name}/${part}/${i}` }),
      );
      collector.send(`event: snapshot\ndata: ${JSON.stringify({ now: 1, signals, more: true })}\n\n`);
    }
    await until(() => client.stats.signals.over_limit === 100_000, 'every part read', 30_000);
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
    assert.ok(grownMb < 15, `heap grew ${grownMb.toFixed(1)} MB`);
  });

  it('keeps its overrides to their TTL when a restarted collector sends an empty snapshot', async () => {
    const { collector, clock, target, client } = await setup({ initialDelayMs: 1_000 });
    collector.event('signal', signal(1, { dependency: 'a' }));
    collector.event('signal', signal(2, { dependency: 'b' }));
    await until(() => client.activeOverrides.size === 2, 'apply');
    await clock.advance(1_000);
    await collector.kill();
    await until(() => !client.connected, 'disconnect');
    await collector.listen(collector.port);
    collector.stream = 'run2';
    for (let s = 0; s < 10 && !client.connected; s++) {
      await clock.advance(1_000);
      await io(5);
    }
    await until(() => client.connected && collector.streams.size === 1, 'reconnect');
    assert.equal(collector.requests.at(-1)?.headers['last-event-id'], 's:2');
    // The new run knows nothing yet; it re-learns b is down and says so, a it has not heard of.
    collector.event('snapshot', { now: 1, signals: [signal(3, { dependency: 'b' })] });
    await until(() => client.lastEventId?.startsWith('run2:') === true, 'snapshot');
    assert.deepEqual([...client.activeOverrides.keys()].sort(), ['a', 'b']);
    assert.equal(client.activeOverrides.get('b')?.source, 'sig-3');
    assert.ok(!target.calls.some((c) => c[0] === 'clear'), 'nothing lifted by the snapshot');
    // a lapses at its own TTL, counted from when it was received.
    const left = client.activeOverrides.get('a')!.expiresAt - clock.now();
    await clock.advance(left);
    assert.deepEqual([...client.activeOverrides.keys()], ['b']);
    // From the run it now follows, a snapshot is the whole truth again.
    collector.event('snapshot', { now: 2, signals: [] });
    await until(() => client.activeOverrides.size === 0, 'same-run snapshot clears');
  });

  it('keeps only an id it can send back: a bad one never stops the reconnection', async () => {
    const { collector, clock, client } = await setup({ initialDelayMs: 1_000 });
    collector.event('signal', signal(1, { dependency: 'a' }));
    await until(() => client.activeOverrides.has('a'), 'first signal');
    const good = client.lastEventId;
    // A non-ASCII id (no header can carry it) and an over-long one (a 431 on every reconnection).
    for (const [n, id] of ['run☃:2', `s:${'9'.repeat(20_000)}`].entries()) {
      const data = JSON.stringify(signal(2 + n, { dependency: `b${n}` }));
      collector.send(`id: ${id}\nevent: signal\ndata: ${data}\n\n`);
      await until(() => client.activeOverrides.has(`b${n}`), 'signal with a bad id applied');
      assert.equal(client.lastEventId, good);
    }
    const requests = collector.requests.length;
    for (const res of collector.streams) res.destroy();
    await until(() => !client.connected, 'disconnect');
    for (let s = 0; s < 10 && !client.connected; s++) {
      await clock.advance(1_000);
      await io(5);
    }
    await until(() => collector.requests.length > requests && client.connected, 'reconnected');
    assert.equal(collector.requests.at(-1)?.headers['last-event-id'], good);
  });

  it('reconnects when the stream goes silent past the idle timeout', async () => {
    const { collector, clock, client } = await setup({ idleTimeoutMs: 45_000 });
    // 60 s of heartbeats every 30 s: each one re-arms the idle timer, so the stream stays.
    for (let i = 0; i < 2; i++) {
      await clock.advance(30_000);
      collector.send(': heartbeat\n\n');
      await io();
    }
    assert.ok(client.connected, 'heartbeats keep it alive');
    assert.equal(collector.requests.length, 1);
    await clock.advance(45_000);
    await until(() => !client.connected, 'idle disconnect');
    await clock.advance(1_000);
    await until(() => client.connected && collector.requests.length === 2, 'reconnect');
  });

  it('warns about a refused subscription (401, 403, 404, a redirect) once per reason, not on every retry', async () => {
    const collector = new SignalCollector();
    collector.status = 401;
    await collector.listen();
    const clock = new ManualClock(1_700_000_100_000);
    const logs: string[] = [];
    const client = startControlClient({
      url: `http://127.0.0.1:${collector.port}`,
      token: 'wrong-token',
      service: 'agent',
      target: recordingTarget(),
      clock,
      random: () => 0.5,
      initialDelayMs: 100,
      maxDelayMs: 100,
      // A line logger, as start() passes: debug lines never reach it.
      logger: (line) => logs.push(line),
    });
    cleanups.push(
      () => collector.kill(),
      () => client.close(),
    );
    const refusals = () => logs.filter((l) => l.includes('refused'));
    /** Lets `n` more attempts happen (the backoff sleeps on the manual clock). */
    const attempts = async (n: number): Promise<void> => {
      const target = collector.requests.length + n;
      while (collector.requests.length < target) {
        await clock.advance(100);
        await io(5);
      }
      await io(20);
    };
    await until(() => refusals().length === 1, 'the first refusal is reported');
    assert.match(refusals()[0]!, /401/);
    assert.match(refusals()[0]!, /BREAKWATER_SUBSCRIBE_TOKEN/);
    await attempts(3);
    assert.equal(refusals().length, 1, 'the same refusal is not repeated on every retry');

    collector.status = 403;
    await attempts(3);
    assert.equal(refusals().length, 2, 'a new reason is reported');
    assert.match(refusals()[1]!, /403/);
    assert.match(refusals()[1]!, /subscribe scope/);

    collector.status = 404;
    await attempts(2);
    assert.equal(refusals().length, 3);
    assert.match(refusals()[2]!, /BREAKWATER_COLLECTOR_URL/);

    // A redirect (an http → https proxy) is not followed: the URL is wrong, and the log says where to.
    collector.status = 301;
    await attempts(2);
    assert.equal(refusals().length, 4);
    assert.match(refusals()[3]!, /redirects to https:\/\/collector\.example\/v1\/signals\?service=agent/);
    assert.match(refusals()[3]!, /BREAKWATER_COLLECTOR_URL/);

    // Connected again, then refused again: reported again.
    collector.status = 200;
    await attempts(1);
    await until(() => client.connected, 'connection');
    collector.status = 401;
    for (const s of collector.streams) s.end();
    await until(() => !client.connected, 'stream end');
    await attempts(2);
    assert.equal(refusals().length, 5);
    assert.equal(client.stats.connects, 1);
  });

  it('never throws into the app: a failing registry, a bad URL, close() twice', async () => {
    const { collector, client } = await setup({
      target: {
        applyOverride() {
          throw new Error('registry bug');
        },
        clearOverride() {
          throw new Error('registry bug');
        },
      },
    });
    collector.event('signal', signal(1));
    collector.event('signal', signal(2, { dependency: 'b' }));
    await until(() => client.stats.signals.applied === 2, 'both processed');
    await client.close();
    await client.close();
    const broken = startControlClient({
      url: 'not a url',
      service: 'x',
      target: recordingTarget(),
      logger: () => {},
    });
    assert.equal(broken.connected, false);
    await broken.close();
  });

  it('refuses a collector URL without http:// or https:// at once, saying so', async () => {
    const logs: string[] = [];
    // `host:port` parses as a URL whose scheme is the host: it would fail like a collector that is down.
    const client = startControlClient({
      url: 'collector.internal:4318',
      service: 'x',
      target: recordingTarget(),
      logger: (line) => logs.push(line),
    });
    assert.equal(client.connected, false);
    assert.equal(logs.length, 1);
    assert.match(
      logs[0]!,
      /control client disabled.*must start with http:\/\/ or https:\/\/.*collector\.internal:4318/,
    );
    await client.close();
  });

  it('reports connection state and overrides as OpenTelemetry metrics, and drops counted', async () => {
    class Reader extends MetricReader {
      protected override async onForceFlush(): Promise<void> {}
      protected override async onShutdown(): Promise<void> {}
    }
    const reader = new Reader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    cleanups.push(() => meterProvider.shutdown());
    const { collector, client } = await setup({ meterProvider });
    collector.event('signal', signal(1));
    collector.event('signal', 'garbage');
    await until(() => client.stats.signals.malformed === 1, 'events');
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const value = (name: string) => all.find((m) => m.descriptor.name === name)?.dataPoints;
    assert.equal(value(METRIC.CONTROL_CONNECTED)?.[0]?.value, 1);
    assert.equal(value(METRIC.CONTROL_OVERRIDES)?.[0]?.value, 1);
    const counted = value(METRIC.CONTROL_SIGNALS)?.map((p) => [p.attributes[ATTR.SIGNAL_RESULT], p.value]);
    assert.deepEqual(counted?.sort(), [
      ['applied', 1],
      ['malformed', 1],
    ]);
  });
});

// Keeps the ControlClient type import honest for readers of the test.
export type { ControlClient };
