import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { SignalCollector } from '../testing/signal-collector.ts';
import { until } from '../testing/until.ts';
import { startControlClient } from './client.ts';
import type { ControlLogger } from './logger.ts';

interface LogRecord {
  level: 'debug' | 'info' | 'warn';
  line: string;
}

function recordingLogger(records: LogRecord[]): ControlLogger {
  const record = (level: LogRecord['level']) => (message: string, details?: Record<string, unknown>) =>
    records.push({ level, line: `${message} ${JSON.stringify(details ?? {})}` });
  return { debug: record('debug'), info: record('info'), warn: record('warn') };
}

/** A collector whose streams open with a comment (no `retry:`: the backoff stays the test's). */
function testCollector(): SignalCollector {
  const collector = new SignalCollector();
  collector.greeting = ': connected\n\n';
  return collector;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TOKEN = 'sub-token-0123456789';

/** A client of `collector` on a manual clock; its backoff is 50 ms of that clock per attempt. */
function subscribe(
  collector: SignalCollector,
  url = `http://127.0.0.1:${collector.port}`,
  transport: { fetch?: typeof fetch } = {},
) {
  const records: LogRecord[] = [];
  const clock = new ManualClock(1_700_000_100_000);
  const client = startControlClient({
    url,
    token: TOKEN,
    service: 'agent',
    target: { applyOverride() {}, clearOverride() {} },
    clock,
    random: () => 0.5,
    initialDelayMs: 100,
    maxDelayMs: 100,
    idleTimeoutMs: 45_000,
    logger: recordingLogger(records),
    ...transport,
  });
  cleanups.push(() => client.close());
  const told = () => records.filter((r) => r.level !== 'debug');
  /** Lets `count` more attempts fail (each waits out its backoff on the manual clock). */
  const failures = async (count: number): Promise<void> => {
    const target = client.stats.disconnects + count;
    while (client.stats.disconnects < target) {
      await clock.advance(50);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { client, clock, records, told, failures };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const c = testCollector();
  await c.listen();
  await c.kill();
  return c.port;
}

describe('control stream connection logs', () => {
  it('says the stream went idle (no heartbeat) when the idle timeout closes it, and that it came back', async () => {
    const collector = testCollector();
    await collector.listen();
    cleanups.push(() => collector.kill());
    const { client, clock, told } = subscribe(collector);
    await until(() => client.connected, 'connection');
    // A frozen collector: the stream stays open and carries nothing, not even heartbeats.
    await clock.advance(45_000);
    await until(() => !client.connected, 'idle disconnect');
    await clock.advance(50);
    await until(() => client.connected && collector.requests.length === 2, 'reconnect');
    const lines = told().map((r) => `${r.level} ${r.line}`);
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0]!, /^info breakwater control stream connected /);
    assert.match(lines[1]!, /^warn breakwater control stream idle for 45s \(no heartbeat\), reconnecting /);
    assert.match(lines[2]!, /^info breakwater control stream reconnected after 0\.1s down /);
  });

  it('warns once that the collector is unreachable, again when the reason changes, and says when it is back', async () => {
    const collector = testCollector();
    collector.port = await closedPort();
    cleanups.push(() => collector.kill());
    const { client, clock, told, failures, records } = subscribe(collector);
    const step = async () => {
      await clock.advance(50);
      await tick();
    };
    await failures(5);
    assert.equal(told().length, 1, 'one warning for five refused connections');
    const [refused] = told();
    assert.equal(refused!.level, 'warn');
    assert.match(refused!.line, /cannot connect to http:\/\/127\.0\.0\.1:\d+\/v1\/signals\?service=agent/);
    assert.match(refused!.line, /connection refused/);
    assert.match(refused!.line, /retrying with backoff/);

    // The collector comes up with a token that lacks the scope: a new reason, told once.
    collector.status = 403;
    await collector.listen(collector.port);
    await failures(4);
    assert.equal(told().length, 2);
    assert.match(told()[1]!.line, /\(403\): the token is valid but lacks the subscribe scope/);
    assert.match(told()[1]!.line, /auth\.tokens/);
    collector.status = 401;
    await failures(3);
    assert.equal(told().length, 3);
    assert.match(told()[2]!.line, /\(401\): the token is wrong.*BREAKWATER_SUBSCRIBE_TOKEN.*subscribe scope/);
    // Server errors of any code are one kind (a proxy alternating 502 and 503 is one outage).
    collector.status = 503;
    await failures(2);
    collector.status = 502;
    await failures(2);
    assert.equal(told().length, 4);
    assert.match(told()[3]!.line, /answered 503 \(a server error\); retrying with backoff/);

    collector.status = 200;
    for (let i = 0; i < 100 && !client.connected; i++) await step();
    await until(() => client.connected, 'connection');
    assert.equal(told().length, 5);
    assert.equal(told()[4]!.level, 'info');
    assert.match(told()[4]!.line, /control stream connected after [\d.]+s down .*"failedAttempts":16/);

    // Connected, then the collector dies: told once, however many retries, then back.
    await collector.kill();
    await until(() => !client.connected, 'disconnect');
    await failures(6);
    assert.equal(told().length, 6);
    assert.match(told()[5]!.line, /connection refused/);
    await collector.listen(collector.port);
    for (let i = 0; i < 100 && !client.connected; i++) await step();
    await until(() => client.connected, 'reconnection');
    assert.equal(told().length, 7);
    assert.match(
      told()[6]!.line,
      /^breakwater control stream reconnected after [\d.]+s down .*"failedAttempts":6/,
    );
    assert.ok(!records.some((r) => r.line.includes(TOKEN)), 'the token is never logged');
  });

  it('stays quiet when a stream ends and reopens at once (a proxy cutting connections)', async () => {
    const collector = testCollector();
    await collector.listen();
    cleanups.push(() => collector.kill());
    const { client, clock, told } = subscribe(collector);
    for (let i = 1; i <= 3; i++) {
      await until(() => client.connected && collector.streams.size === 1, `connection ${i}`);
      for (const s of collector.streams) s.end();
      await until(() => !client.connected, `end ${i}`);
      await clock.advance(50);
    }
    await until(() => client.connected, 'last connection');
    assert.deepEqual(
      told().map((r) => r.line.split(' {')[0]),
      ['breakwater control stream connected'],
    );
  });

  for (const transport of ['node:http', 'fetch'] as const) {
    it(`a collector that dies mid-stream is a dropped connection (${transport}), told once it stays away`, async () => {
      const collector = testCollector();
      await collector.listen();
      cleanups.push(() => collector.kill());
      const { client, told, failures } = subscribe(
        collector,
        undefined,
        transport === 'fetch' ? { fetch } : {},
      );
      await until(() => client.connected && collector.streams.size === 1, 'connection');
      await collector.kill();
      await failures(3);
      const lines = told().map((r) => `${r.level} ${r.line.split(' {')[0]}`);
      assert.equal(lines[0], 'info breakwater control stream connected');
      assert.ok(!lines.some((l) => l.includes('broke')), lines.join('\n'));
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[1]!, /^warn breakwater control stream cannot connect .*connection refused/);
    });
  }

  it("quotes the collector's reason from its JSON error body", async () => {
    const collector = testCollector();
    collector.status = 503;
    collector.errorMessage = 'token "fleet-a" holds its share of the signal streams (2 of 4)';
    await collector.listen();
    cleanups.push(() => collector.kill());
    const { told, failures } = subscribe(collector);
    await failures(2);
    assert.equal(told().length, 1);
    assert.match(
      told()[0]!.line,
      /answered 503 \(a server error\) \(the collector says: token "fleet-a" holds its share of the signal streams \(2 of 4\)\); retrying/,
    );
  });

  it('keeps credentials in the URL out of the log', async () => {
    const port = await closedPort();
    const collector = testCollector();
    collector.port = port;
    const { told, failures } = subscribe(collector, `http://agent:${TOKEN}@127.0.0.1:${port}`);
    await failures(1);
    assert.equal(told().length, 1);
    assert.ok(!told()[0]!.line.includes(TOKEN), told()[0]!.line);
    assert.match(told()[0]!.line, /cannot connect to http:\/\/127\.0\.0\.1:/);
  });

  it('keeps them out of error texts too, at every level (fetch names the URL in its errors)', async () => {
    const collector = testCollector();
    await collector.listen();
    cleanups.push(() => collector.kill());
    const { records, failures } = subscribe(collector, `http://agent:${TOKEN}@127.0.0.1:${collector.port}`, {
      fetch,
    });
    await failures(3);
    assert.ok(records.length >= 3);
    for (const r of records) assert.ok(!r.line.includes(TOKEN), r.line);
  });
});

/** Lets real I/O run without moving the manual clock. */
function tick(): Promise<void> {
  return new Promise((r) => setTimeout(r, 5));
}
