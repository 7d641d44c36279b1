/**
 * The listener's HTTP timeouts (`limits.headersTimeout`, `limits.requestTimeout`), configured
 * short and driven by raw sockets on loopback: slow clients are cut, SSE streams are not.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { COLLECTOR_PATHS } from '@breakwater/protocol';
import { ConfigError } from './config/config-error.ts';
import { parseConfig } from './config/load.ts';
import { createFleetComponent, type FleetComponent } from './fleet-component.ts';
import { serverTimeouts } from './receive/server-timeouts.ts';
import { createStatusComponent } from './status-component.ts';
import { startTestService, type TestService } from './testing/helpers.ts';

const SHORT = `limits:
  headersTimeout: 200ms
  bodyTimeout: 100ms
  requestTimeout: 400ms
`;

let service: TestService | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await service?.close();
  service = undefined;
});

/** A raw connection to the service; resolves with everything the server sent once it closed. */
async function rawConnection(
  url: string,
): Promise<{ socket: Socket; closed: Promise<{ text: string; ms: number }> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  await once(socket, 'connect');
  const opened = performance.now();
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  const closed = new Promise<{ text: string; ms: number }>((resolve) => {
    socket.on('close', () => resolve({ text, ms: performance.now() - opened }));
  });
  return { socket, closed };
}

/** Rejects when `promise` has not settled within `ms` (the old defaults keep sockets for minutes). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms);
    }),
  ]);
}

describe('listener timeouts', () => {
  it('cuts a client that trickles its headers after headersTimeout, answering 408', async () => {
    service = await startTestService(SHORT);
    const { socket, closed } = await rawConnection(service.url);
    // Half a request line and one header, then nothing: a slowloris holding the connection.
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const { text, ms } = await within(closed, 2_000, 'a connection with unfinished headers');
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= 150, `cut after ${ms} ms, before the configured 200 ms`);
  });

  it('answers an OTLP body not received within bodyTimeout 503 with Retry-After: exporters send it again', async () => {
    service = await startTestService(SHORT);
    const { socket, closed } = await rawConnection(service.url);
    socket.write(
      `POST ${COLLECTOR_PATHS.TRACES} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\n\r\nabc`,
    );
    const { text } = await within(closed, 2_000, 'an OTLP request with an unfinished body');
    // OTLP/HTTP clients retry 429, 502, 503 and 504 only: a 408 would drop the batch.
    assert.match(text, /^HTTP\/1\.1 503 /);
    assert.match(text, /\r\nretry-after: \d+\r\n/i);
  });

  it('cuts a request whose body never ends after requestTimeout, on a route that does not read it', async () => {
    service = await startTestService(SHORT);
    const { socket, closed } = await rawConnection(service.url);
    // The headers are complete (so headersTimeout is met) and promise a body that never comes.
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nabc');
    const { text, ms } = await within(closed, 2_000, 'a request with an unfinished body');
    assert.match(text, /^HTTP\/1\.1 200 /, 'the route answered at once');
    assert.ok(ms >= 350, `cut after ${ms} ms, before the configured 400 ms`);
  });

  it('leaves SSE streams (/v1/signals, the status stream) open well past both timeouts', async () => {
    const token = 'admin-token-0123456789abc';
    let fleet: FleetComponent | undefined;
    service = await startTestService(`${SHORT}auth:\n  tokens: [{ token: ${token}, scopes: [admin] }]\n`, {
      components: [
        (ctx) => {
          fleet = createFleetComponent(ctx);
          return fleet;
        },
        (ctx) => createStatusComponent(ctx, {}),
      ],
    });
    const streams = await Promise.all(
      [COLLECTOR_PATHS.SIGNALS, COLLECTOR_PATHS.STATUS_EVENTS].map(
        (path) =>
          new Promise<{ status: number; text: () => string; closed: () => boolean; close: () => void }>(
            (resolve, reject) => {
              const req = request(
                new URL(path, service!.url),
                { agent: false, headers: { authorization: `Bearer ${token}` } },
                (res) => {
                  let text = '';
                  let ended = false;
                  res.setEncoding('utf8');
                  res.on('data', (chunk: string) => {
                    text += chunk;
                  });
                  res.on('close', () => {
                    ended = true;
                  });
                  resolve({
                    status: res.statusCode ?? 0,
                    text: () => text,
                    closed: () => ended,
                    close: () => req.destroy(),
                  });
                },
              );
              req.on('error', reject);
              req.end();
            },
          ),
      ),
    );
    try {
      assert.deepEqual(
        streams.map((s) => s.status),
        [200, 200],
      );
      // Twice the request timeout, with the server sweeping for expired requests every 50 ms.
      await new Promise((r) => setTimeout(r, 800));
      assert.deepEqual(
        streams.map((s) => s.closed()),
        [false, false],
      );
      // And the signal stream still delivers.
      fleet!.hub.publish({
        id: 'late',
        kind: 'breaker',
        dependency: 'openai/gpt-4o',
        state: 'closed',
        ttlMs: 5_000,
        issuedAt: Date.now(),
        reason: { errorRatio: 0, window: '10s', volume: 0, instances: 0, topErrorTypes: [] },
      });
      const deadline = Date.now() + 2_000;
      while (!streams[0]!.text().includes('"id":"late"')) {
        assert.ok(Date.now() < deadline, 'the signal never arrived');
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      for (const s of streams) s.close();
    }
  });
});

describe('listener timeout configuration', () => {
  it('defaults to headers 10s, request 60s, keep-alive 65s, swept at least every second', () => {
    const config = parseConfig({ name: 'collector.yaml', text: '' }, {});
    assert.deepEqual(serverTimeouts(config.limits), {
      headersTimeout: 10_000,
      requestTimeout: 60_000,
      keepAliveTimeout: 65_000,
      connectionsCheckingInterval: 1_000,
    });
    assert.equal(
      serverTimeouts(parseConfig({ name: 'c.yaml', text: SHORT }, {}).limits).connectionsCheckingInterval,
      50,
    );
  });

  it('refuses a requestTimeout shorter than headersTimeout + bodyTimeout, and bad durations, naming the key', () => {
    const problems = (text: string): string => {
      try {
        parseConfig({ name: 'collector.yaml', text }, {});
      } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.message;
      }
      return '';
    };
    assert.match(
      problems('limits:\n  bodyTimeout: 2m\n'),
      /collector\.yaml:2:3: limits\.requestTimeout: requestTimeout 1m must be at least headersTimeout \+ bodyTimeout \(130s\)/,
    );
    assert.match(
      problems('limits:\n  headersTimeout: soon\n'),
      /collector\.yaml:2:19: limits\.headersTimeout: invalid duration "soon"/,
    );
    assert.match(
      problems('limits:\n  keepAliveTimeout: 30d\n'),
      /limits\.keepAliveTimeout: must be at most 24d/,
    );
  });
});
