import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '@breakwater/protocol';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { makeGenAiSpans } from '../../bench/genai-spans.ts';
import { memoryLogger } from '../act/testing/tools.ts';
import { ForwardSchema } from '../config/server-section.ts';
import { post, silentLogger, startTestService } from '../testing/helpers.ts';
import { Forwarder } from './forwarder.ts';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/**
 * A downstream OTLP/HTTP endpoint that answers with the given statuses in turn (then 200); its
 * first answer waits for `firstAnswer` when given.
 */
async function downstream(
  statuses: number[] = [],
  firstAnswer: Promise<void> = Promise.resolve(),
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const status = statuses.shift() ?? 200;
      void (received.length === 1 ? firstAnswer : Promise.resolve()).then(() => {
        res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {});
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const request = (n: number) => ({
  signal: 'traces' as const,
  body: Buffer.from(`request-${n}`),
  contentType: 'application/x-protobuf',
  contentEncoding: undefined,
});

describe('forwarding', () => {
  let body: Uint8Array;
  /** A batch of other spans (the same batch sent twice would be a resend, not forwarded again). */
  const otherBody = async (): Promise<Uint8Array> =>
    ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 2, services: 1 }))!;
  before(async () => {
    body = ProtobufTraceSerializer.serializeRequest(await makeGenAiSpans({ spans: 20, services: 2 }))!;
  });

  it('re-posts the received bytes unchanged, with content type, encoding and configured headers', async () => {
    const down = await downstream();
    const t = await startTestService(
      `forward:\n  - url: ${down.url}/otlp/\n    headers: { x-api-key: secret }\n    signals: [traces, metrics]\n`,
      { components: [] },
    );
    try {
      const gz = gzipSync(body);
      const gzUpper = gzipSync(await otherBody());
      const plain = await otherBody();
      assert.equal(
        (
          await post(`${t.url}/v1/traces`, gz, {
            'content-type': 'application/x-protobuf',
            'content-encoding': 'gzip',
          })
        ).status,
        200,
      );
      assert.equal(
        (await post(`${t.url}/v1/metrics`, '{}', { 'content-type': 'application/json' })).status,
        200,
      );
      // Spellings the receiver takes go on under the names OTLP receivers downstream match.
      assert.equal(
        (
          await post(`${t.url}/v1/traces`, gzUpper, {
            'content-type': 'application/x-protobuf',
            'content-encoding': 'X-GZIP',
          })
        ).status,
        200,
      );
      assert.equal(
        (
          await post(`${t.url}/v1/traces`, plain, {
            'content-type': 'application/x-protobuf',
            'content-encoding': 'identity',
          })
        ).status,
        200,
      );
      // A rejected request is not forwarded.
      assert.equal(
        (await post(`${t.url}/v1/traces`, 'x', { 'content-type': 'application/json' })).status,
        400,
      );
      await t.close(); // flushes the queue
      assert.equal(down.received.length, 4);
      const [traces, metrics, upperCase, identity] = down.received;
      assert.equal(traces!.path, '/otlp/v1/traces');
      assert.deepEqual(traces!.body, Buffer.from(gz));
      assert.equal(traces!.headers['content-type'], 'application/x-protobuf');
      assert.equal(traces!.headers['content-encoding'], 'gzip');
      assert.equal(traces!.headers['x-api-key'], 'secret');
      assert.equal(metrics!.path, '/otlp/v1/metrics');
      assert.equal(metrics!.body.toString(), '{}');
      assert.equal(upperCase!.headers['content-encoding'], 'gzip');
      assert.deepEqual(upperCase!.body, Buffer.from(gzUpper));
      assert.equal(identity!.headers['content-encoding'], undefined);
      assert.deepEqual(identity!.body, Buffer.from(plain));
    } finally {
      await close(down.server);
    }
  });

  it("sends each request's own content type and encoding, whatever the configured headers spell them", async () => {
    const down = await downstream();
    const t = await startTestService(
      `forward:\n  - url: ${down.url}\n    headers: { Content-Type: application/x-protobuf, Content-Encoding: gzip }\n`,
      { components: [] },
    );
    try {
      const plain = await otherBody();
      const gz = gzipSync(await otherBody());
      for (const [bytes, encoding] of [
        [plain, undefined],
        [gz, 'gzip'],
      ] as const) {
        const headers: Record<string, string> = { 'content-type': 'application/x-protobuf' };
        if (encoding !== undefined) headers['content-encoding'] = encoding;
        assert.equal((await post(`${t.url}/v1/traces`, bytes, headers)).status, 200);
      }
      await t.close(); // flushes the queue
      assert.equal(down.received.length, 2);
      const [identity, gzipped] = down.received;
      assert.equal(identity!.headers['content-type'], 'application/x-protobuf');
      assert.equal(identity!.headers['content-encoding'], undefined);
      assert.equal(gzipped!.headers['content-type'], 'application/x-protobuf');
      assert.equal(gzipped!.headers['content-encoding'], 'gzip');
    } finally {
      await close(down.server);
    }
  });

  it('retries retryable failures with backoff (injected clock), gives up on 400', async () => {
    const down = await downstream([503, 502, 400]);
    const clock = new ManualClock();
    const forwarder = new Forwarder({
      destinations: [ForwardSchema.parse({ url: down.url, concurrency: 1 })],
      clock,
      logger: silentLogger,
      random: () => 0.5,
    });
    try {
      forwarder.forward(request(1));
      forwarder.forward(request(2));
      const d = forwarder.destinations[0]!;
      // Network I/O needs real turns of the event loop; backoff needs the manual clock.
      for (let i = 0; i < 500 && d.outcomes.get('sent') === 0; i++) {
        await clock.advance(1_000);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.deepEqual(
        down.received.map((r) => r.body.toString()),
        ['request-1', 'request-1', 'request-1', 'request-2'],
      );
      assert.equal(d.outcomes.get('sent'), 1);
      assert.equal(d.outcomes.get('rejected'), 1);
      assert.equal(d.retries, 2);
    } finally {
      await forwarder.stop();
      await close(down.server);
    }
  });

  it('a dead downstream never slows ingest: the queue drops the oldest and counts it', async () => {
    const logger = memoryLogger();
    // Accepts connections but never answers.
    const hung = createServer(() => {});
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    const t = await startTestService(
      `shutdownTimeout: 200ms\nforward:\n  - { url: "${url}", maxQueueRequests: 5, concurrency: 1, timeout: 30s }\n`,
      { components: [], logger },
    );
    try {
      // Each request is acknowledged while the first forward is still held (its timeout is 30 s),
      // and the queue behind it fills and drops: none waited for the downstream.
      const bodies = await Promise.all(Array.from({ length: 30 }, otherBody));
      for (const batch of bodies) {
        const r = await post(`${t.url}/v1/traces`, batch, { 'content-type': 'application/x-protobuf' });
        assert.equal(r.status, 200);
      }
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      const dropped = Number(/outcome="dropped_queue_full"\} (\d+)/.exec(metrics)?.[1]);
      assert.equal(dropped, 30 - 1 - 5); // one in flight, five queued
      assert.match(metrics, /breakwater_forward_queue_requests\{destination="[^"]+"\} 5/);
    } finally {
      await t.close();
      await close(hung);
    }
    // What shutdown dropped is said once more where it outlives the process: in the log.
    const said = logger.lines.find((l) => /dropped at shutdown/.test(l.msg ?? ''));
    assert.equal(said?.level, 'warn');
    assert.deepEqual(said?.obj, { destination: url, dropped: 6, keptInSpool: 0 });
  });
});

describe('forward config', () => {
  it('rejects non-http URLs', () => {
    assert.equal(ForwardSchema.safeParse({ url: 'ftp://x' }).success, false);
  });

  it('refuses what fetch would refuse on every request: credentials in the URL, bad header names or values', () => {
    const messages = (forward: unknown) => {
      const result = ForwardSchema.safeParse(forward);
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(messages({ url: 'http://user:pw@tempo:4318' }), [
      'url: fetch refuses a URL with credentials: put them in a header (e.g. authorization)',
    ]);
    assert.deepEqual(messages({ url: 'http://tempo:4318', headers: { 'X Api Key': '1' } }), [
      'headers.X Api Key: not a valid HTTP header name',
    ]);
    for (const name of [
      'expect',
      'Transfer-Encoding',
      'upgrade',
      'keep-alive',
      'content-length',
      'connection',
    ]) {
      assert.deepEqual(messages({ url: 'http://tempo:4318', headers: { [name]: 'x' } }), [
        `headers.${name}: fetch sets this header itself (connection and framing): leave it out`,
      ]);
    }
    // The value is not repeated: it is often a secret.
    assert.deepEqual(messages({ url: 'http://tempo:4318', headers: { 'x-api-key': 'sec\nret' } }), [
      'headers.x-api-key: not a valid HTTP header value (a line break or another control character inside it)',
    ]);
    assert.deepEqual(
      messages({ url: 'http://tempo:4318', headers: { authorization: 'Basic dXNlcjpwdw==' } }),
      [],
    );
    assert.deepEqual(messages({ url: 'not a url' }), ['url: expected an http(s) URL']);
  });
});

describe('drops', () => {
  it('warns once when requests are dropped after their last attempt, and again after a success', async () => {
    const down = await downstream([503, 503, 503, 503, 200, 503, 503]);
    const clock = new ManualClock();
    const warned: unknown[] = [];
    const forwarder = new Forwarder({
      destinations: [ForwardSchema.parse({ url: down.url, concurrency: 1, maxAttempts: 2 })],
      clock,
      logger: { ...silentLogger, warn: (obj: object, msg?: string) => warned.push([msg, obj]) },
      random: () => 0.5,
    });
    try {
      const d = forwarder.destinations[0]!;
      for (const n of [1, 2, 3, 4]) forwarder.forward(request(n));
      // Network I/O needs real turns of the event loop; backoff needs the manual clock.
      const settled = () => [...d.outcomes.values()].reduce((a, b) => a + b, 0);
      for (let i = 0; i < 500 && settled() < 4; i++) {
        await clock.advance(1_000);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.equal(d.outcomes.get('dropped_retries_exhausted'), 3);
      assert.equal(d.outcomes.get('sent'), 1);
      assert.equal(
        warned.length,
        2,
        'request 1 dropped (warned), request 2 dropped (quiet), 3 sent, 4 dropped (warned)',
      );
      assert.deepEqual(warned[0], [
        'forwarding dropped a request after its last attempt',
        { destination: d.label, attempts: 2, err: 'HTTP 503' },
      ]);
    } finally {
      await forwarder.stop();
      await close(down.server);
    }
  });

  it('says why a request could not be sent: the network error under "fetch failed", or the timeout', async () => {
    const dead = await downstream();
    await close(dead.server); // nothing listens there now
    const silent = createServer(() => undefined); // takes requests, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const clock = new ManualClock();
    const warned: { err?: string }[] = [];
    const forwarder = new Forwarder({
      destinations: [
        ForwardSchema.parse({ url: dead.url, maxAttempts: 1 }),
        ForwardSchema.parse({
          url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
          maxAttempts: 1,
          timeout: '5s',
        }),
      ],
      clock,
      logger: { ...silentLogger, warn: (obj: object) => warned.push(obj) },
    });
    try {
      forwarder.forward(request(1));
      const settled = () =>
        forwarder.destinations.map((d) => [...d.outcomes.values()].reduce((a, b) => a + b, 0));
      for (let i = 0; i < 500 && settled().some((n) => n < 1); i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (i === 50) await clock.advance(5_000);
      }
      assert.deepEqual(settled(), [1, 1]);
      const errors = warned.map((w) => w.err).sort();
      assert.match(errors[0] ?? '', /^fetch failed: .*ECONNREFUSED/);
      assert.equal(errors[1], 'timed out after 5000 ms');
    } finally {
      await forwarder.stop();
      await close(silent);
    }
  });

  it('warns once when the destination refuses requests (a token it no longer takes), and again after a success', async () => {
    // One line per refused request would repeat for every export while the token is wrong.
    const down = await downstream([401, 401, 401, 200, 403]);
    const warned: unknown[] = [];
    const forwarder = new Forwarder({
      destinations: [ForwardSchema.parse({ url: down.url, concurrency: 1 })],
      clock: new ManualClock(),
      logger: { ...silentLogger, warn: (obj: object, msg?: string) => warned.push([msg, obj]) },
    });
    try {
      const d = forwarder.destinations[0]!;
      for (const n of [1, 2, 3, 4, 5]) forwarder.forward(request(n));
      const settled = () => [...d.outcomes.values()].reduce((a, b) => a + b, 0);
      for (let i = 0; i < 500 && settled() < 5; i++) await new Promise((resolve) => setTimeout(resolve, 2));
      assert.equal(d.outcomes.get('rejected'), 4);
      assert.equal(d.outcomes.get('sent'), 1);
      assert.deepEqual(warned, [
        ['forward rejected by destination', { destination: d.label, status: 401 }],
        ['forward rejected by destination', { destination: d.label, status: 403 }],
      ]);
    } finally {
      await forwarder.stop();
      await close(down.server);
    }
  });

  it('sends a request accepted while the queues drain at shutdown (the deadline not yet passed)', async () => {
    // The downstream holds its first answer until released: the drain is still going on.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const down = await downstream([], held);
    const forwarder = new Forwarder({
      destinations: [ForwardSchema.parse({ url: down.url })],
      // Never advanced: the drain's deadline does not pass during this test.
      clock: new ManualClock(),
      logger: silentLogger,
      flushTimeout: '10s',
    });
    const d = forwarder.destinations[0]!;
    try {
      forwarder.start();
      forwarder.forward(request(1));
      for (let i = 0; i < 500 && down.received.length < 1; i++)
        await new Promise((resolve) => setTimeout(resolve, 2));
      const stopping = forwarder.stop();
      // A request the receiver acknowledged as the collector stops (one abandoned at the
      // shutdown timeout): the forwarder still drains, and sends it.
      forwarder.forward(request(2));
      release();
      await stopping;
    } finally {
      await close(down.server);
    }
    assert.equal(d.outcomes.get('dropped_shutdown'), 0);
    assert.equal(d.outcomes.get('sent'), 2);
    assert.deepEqual(
      down.received.map((r) => r.body.toString()),
      ['request-1', 'request-2'],
    );
  });

  it('shutdown logs a request dropped while it backed off between attempts', async () => {
    // A 503 with Retry-After: 1 s, longer than the drain: the request is asleep at the deadline.
    const down = await downstream([503]);
    const clock = new ManualClock();
    const logger = memoryLogger();
    const forwarder = new Forwarder({
      destinations: [ForwardSchema.parse({ url: down.url, concurrency: 1, maxAttempts: 5 })],
      clock,
      logger,
      flushTimeout: '500ms',
      random: () => 1,
    });
    const d = forwarder.destinations[0]!;
    try {
      forwarder.start();
      forwarder.forward(request(1));
      for (let i = 0; i < 500 && d.retries < 1; i++) await new Promise((resolve) => setTimeout(resolve, 2));
      let stopped = false;
      const stopping = forwarder.stop().then(() => {
        stopped = true;
      });
      for (let i = 0; i < 100 && !stopped; i++) {
        await clock.advance(100);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await stopping;
    } finally {
      await close(down.server);
    }
    assert.equal(d.outcomes.get('dropped_shutdown'), 1);
    const said = logger.lines.find((l) => /dropped at shutdown/.test(l.msg ?? ''));
    assert.equal(said?.level, 'warn', 'the acknowledged request lost at shutdown leaves a trace');
    assert.deepEqual(said?.obj, { destination: down.url, dropped: 1, keptInSpool: 0 });
  });
});
