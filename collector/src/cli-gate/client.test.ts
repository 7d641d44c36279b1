import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { ManualClock, systemClock } from '@breakwater/protocol';
import { GateClient, GateClientError } from './client.ts';

it('an answer whose body stalls past the timeout is a retryable GateClientError (exit 2), not a crash', async () => {
  const clock = new ManualClock(0);
  let headersSent!: () => void;
  const sent = new Promise<void>((resolve) => (headersSent = resolve));
  // As fetch does: headers arrive, then the body stream errors when the request is aborted.
  const stalling: typeof fetch = async (_url, init) => {
    const signal = init!.signal!;
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"decision":'));
        signal.addEventListener('abort', () => controller.error(signal.reason));
      },
    });
    headersSent();
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const client = new GateClient({
    baseUrl: 'http://127.0.0.1:1',
    token: undefined,
    clock,
    fetch: stalling,
    timeoutMs: 5_000,
  });
  const failure = client.decide({ service: 'checkout', version: 'v2' }).then(
    () => assert.fail('the stalled answer resolved'),
    (error: unknown) => error,
  );
  await sent;
  await clock.advance(5_000);
  const error = await failure;
  assert.ok(error instanceof GateClientError, String(error));
  assert.equal(error.retryable, true);
  assert.equal(error.message, 'GET /v1/gate: answer cut off: no answer within 5000 ms');
});

it('a refused token says where the gate token goes', async () => {
  const refusing: typeof fetch = async () =>
    new Response(JSON.stringify({ error: { code: 401, message: 'missing bearer token' } }), {
      status: 401,
      headers: { 'content-type': 'application/json' },
    });
  const client = new GateClient({
    baseUrl: 'http://127.0.0.1:1',
    token: undefined,
    clock: new ManualClock(0),
    fetch: refusing,
    timeoutMs: 5_000,
  });
  const error = await client.decide({ service: 'checkout', version: 'v2' }).then(
    () => assert.fail('a 401 resolved'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GateClientError);
  assert.equal(error.retryable, false);
  assert.equal(
    error.message,
    'GET /v1/gate → HTTP 401: missing bearer token (the gate needs a token with the gate scope: --token, or BREAKWATER_GATE_TOKEN)',
  );
});

it('an answer that is not a gate answer is named in a line or two, not a dump of the schema error', async () => {
  const odd: typeof fetch = async () =>
    new Response(JSON.stringify({ decision: 'MAYBE' }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  const client = new GateClient({
    baseUrl: 'http://127.0.0.1:1',
    token: undefined,
    clock: new ManualClock(0),
    fetch: odd,
    timeoutMs: 5_000,
  });
  const error = await client.decide({ service: 'checkout', version: 'v2' }).then(
    () => assert.fail('an odd answer resolved'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GateClientError);
  assert.equal(error.retryable, false);
  assert.match(
    error.message,
    /^unexpected answer from http:\/\/127\.0\.0\.1:1 \(is it a Breakwater collector/,
  );
  assert.match(error.message, /decision: /);
  assert.match(error.message, /and \d+ more$/);
  assert.ok(!error.message.includes('\n'), error.message);
});

it('a collector URL that redirects is named as such, not as a missing token (fetch drops it across origins)', async () => {
  // The redirect's target insists on the token, as a collector with auth does.
  const target = createServer((req, res) => {
    const ok = req.headers.authorization === 'Bearer s3cret-token-0123456789';
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? {} : { error: { code: 401, message: 'missing bearer token' } }));
  });
  const targetUrl = await listen(target);
  // Another origin (another port), as an ingress redirecting http to https is.
  const redirecting = createServer((req, res) => {
    res.writeHead(308, { location: `${targetUrl}${req.url}` }).end();
  });
  const redirectingUrl = await listen(redirecting);
  try {
    const client = new GateClient({
      baseUrl: redirectingUrl,
      token: 's3cret-token-0123456789',
      clock: systemClock,
      fetch,
      timeoutMs: 5_000,
    });
    const error = await client.decide({ service: 'checkout', version: 'v2' }).then(
      () => assert.fail('a redirect resolved'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GateClientError, String(error));
    assert.equal(error.retryable, false);
    assert.equal(
      error.message,
      `GET /v1/gate → HTTP 308: the collector URL redirects to ${targetUrl}/v1/gate; give the final URL (--url, or BREAKWATER_COLLECTOR_URL)`,
    );
  } finally {
    await Promise.all([close(target), close(redirecting)]);
  }
});

it('a collector URL with a path and a query (a proxy token) keeps both, and no message shows the query', async () => {
  const asked: string[] = [];
  const answering: typeof fetch = async (url) => {
    asked.push(String(url));
    throw new TypeError('fetch failed');
  };
  const client = new GateClient({
    baseUrl: 'http://127.0.0.1:1/breakwater?token=proxy-secret',
    token: undefined,
    clock: new ManualClock(0),
    fetch: answering,
    timeoutMs: 5_000,
  });
  const error = await client.decide({ service: 'checkout', version: 'v2' }).then(
    () => assert.fail('an unreachable collector resolved'),
    (e: unknown) => e,
  );
  assert.deepEqual(asked, [
    'http://127.0.0.1:1/breakwater/v1/gate?token=proxy-secret&service=checkout&version=v2',
  ]);
  assert.ok(error instanceof GateClientError, String(error));
  assert.match(error.message, /^cannot reach http:\/\/127\.0\.0\.1:1\/breakwater: /);
  assert.doesNotMatch(error.message, /proxy-secret/);
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

// Regression: behind nginx, a collector that is down answered the CLI with nginx's 502 page, and
// the CI log got its markup, escaped, on one line (`HTTP 502: <html>\r\n<head><title>…`).
it("a reverse proxy's own error page is told by its title and what it means, still retryable", async () => {
  const nginxPage = (status: number, title: string, contentType = 'text/html') =>
    (async () =>
      new Response(
        `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n`,
        { status, headers: { 'content-type': contentType } },
      )) as typeof fetch;
  const failure = async (fetchFn: typeof fetch): Promise<GateClientError> => {
    const client = new GateClient({
      baseUrl: 'https://obs.example.com/breakwater',
      token: undefined,
      clock: new ManualClock(0),
      fetch: fetchFn,
      timeoutMs: 5_000,
    });
    const error = await client.decide({ service: 'checkout', version: 'v2' }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GateClientError, String(error));
    return error;
  };
  const down = await failure(nginxPage(502, '502 Bad Gateway'));
  assert.equal(
    down.message,
    'GET /v1/gate → HTTP 502: an HTML page ("502 Bad Gateway"), not the collector\'s answer: a proxy in front of it answered; the collector is down or the proxy cannot reach it',
  );
  assert.equal(down.retryable, true);
  const unrouted = await failure(nginxPage(404, '404 Not Found'));
  assert.match(
    unrouted.message,
    /HTTP 404: an HTML page \("404 Not Found"\), not the collector's answer: .*check the URL's path prefix$/,
  );
  assert.equal(unrouted.retryable, false);
  // A 200 page where the API should be: the proxy's default site.
  const welcome = await failure(nginxPage(200, 'Welcome to nginx!'));
  assert.equal(
    welcome.message,
    'GET /v1/gate: answer is not JSON: an HTML page ("Welcome to nginx!"); the URL does not lead to the collector\'s API (check its path prefix)',
  );
});
