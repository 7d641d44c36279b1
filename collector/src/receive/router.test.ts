import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { COLLECTOR_PATHS, ManualClock, systemClock } from '@breakwater/protocol';
import { memoryLogger } from '../act/testing/tools.ts';
import type { Logger, Route } from '../component.ts';
import { TokenAuth } from './auth.ts';
import { Router } from './router.ts';

const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silent,
};

describe('router', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const logger = memoryLogger();
  let router: Router;
  let base = '';
  let close: () => Promise<void> = async () => {};
  const seen: string[][] = [];

  before(async () => {
    router = new Router(new TokenAuth([{ token: 'secret-token-1234', scopes: ['gate'] }]), logger, clock);
    const routes: Route[] = [
      {
        method: 'GET',
        path: /^\/v1\/things\/([^/]+)$/,
        label: '/v1/things/{id}',
        scope: 'gate',
        handle(_req, res, _url, params) {
          seen.push([...params]);
          res.end('ok');
        },
      },
      {
        method: 'GET',
        path: '/boom',
        scope: 'public',
        handle() {
          throw new Error('bug');
        },
      },
      { method: 'GET', path: '/healthz', scope: 'public', handle: (_q, res) => void res.end('ok') },
      {
        method: 'GET',
        path: '/slow',
        scope: 'public',
        async handle(_req, res) {
          await clock.advance(300); // the handler takes 300 ms on the service's clock
          res.end('ok');
        },
      },
    ];
    router.add(routes, 'test');
    const server = createServer((req, res) => void router.dispatch(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
  });
  after(() => close());

  it('answers 400 to a request target that is not a canonical path', async () => {
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${base}/`,
          { path, headers: { authorization: 'Bearer secret-token-1234' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    // Read as a host by a URL parser, or resolved by dot segments, these reached /healthz.
    for (const path of [
      '//x/healthz',
      '//healthz',
      '/v1/%2e%2e/healthz',
      '/v1/../healthz',
      '/./healthz',
      'healthz',
    ])
      assert.equal(await status(path), 400, path);
    assert.equal(await status('/healthz'), 200);
    assert.equal(await status('/healthz?probe=1'), 200);
    // The absolute form a proxy may send.
    assert.equal(await status(`${base}/healthz`), 200);
    assert.equal(await status(`${base}/v1/%2E%2E/healthz`), 400);
    assert.equal(await status('/v1/things/a%2Fb'), 200);
  });

  it('decodes path parameters', async () => {
    const res = await fetch(`${base}/v1/things/a%20b`, {
      headers: { authorization: 'Bearer secret-token-1234' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(seen.at(-1), ['a b']);
  });

  it('answers malformed percent-encoding with 400, before auth, and keeps serving', async () => {
    const before = seen.length;
    const res = await fetch(`${base}/v1/things/%E0%A4%A`);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /percent-encoding/);
    assert.equal(seen.length, before, 'the handler never ran');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });

  it('counts every response by route and code, and warns of refused credentials at most once a minute', async () => {
    const count = (route: string, code: number) => router.responses.get([route, String(code)]);
    const before = { ok: count('/v1/things/{id}', 200), refused: count('/v1/things/{id}', 401) };
    const warnings = () => logger.lines.filter((l) => l.level === 'warn' && /credentials/.test(l.msg ?? ''));
    const warned = warnings().length;
    await (
      await fetch(`${base}/v1/things/x`, { headers: { authorization: 'Bearer secret-token-1234' } })
    ).text();
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/v1/things/x`)).text();
    await (await fetch(`${base}/nowhere`)).text();
    assert.equal(count('/v1/things/{id}', 200), before.ok + 1);
    assert.equal(count('/v1/things/{id}', 401), before.refused + 3);
    assert.ok(count('other', 404) >= 1);
    // One warning at once; the two refusals held back are summarised when the minute is over,
    // with no further refusal needed to say so.
    assert.equal(warnings().length, warned + 1);
    await clock.advance(59_999);
    assert.equal(warnings().length, warned + 1);
    await clock.advance(1);
    assert.equal(warnings().length, warned + 2);
    assert.equal((warnings().at(-1)!.obj as { refused: number }).refused, 2);
    // The next refusal comes within a minute of that line: it waits for its own summary.
    await (
      await fetch(`${base}/v1/things/x`, { headers: { authorization: 'Bearer wrong-token-123456' } })
    ).text();
    assert.equal(warnings().length, warned + 2);
    await clock.advance(60_000);
    assert.equal(warnings().length, warned + 3);
    assert.deepEqual(warnings().at(-1)!.obj, {
      refused: 1,
      route: '/v1/things/{id}',
      status: 401,
      reason: (warnings().at(-1)!.obj as { reason: string }).reason,
    });
    await clock.advance(600_000);
    assert.equal(warnings().length, warned + 3, 'nothing held back, nothing more said');
    const out: string[] = [];
    router.writeMetrics(out);
    assert.ok(
      out.includes(
        `breakwater_http_responses_total{route="/v1/things/{id}",code="401"} ${before.refused + 4}`,
      ),
    );
  });

  it('times every request by route, with the service clock, in cumulative seconds buckets', async () => {
    const before = router.durations.count('/slow');
    assert.equal((await fetch(`${base}/slow`)).status, 200);
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
    assert.equal(router.durations.count('/slow'), before + 1);
    const out: string[] = [];
    router.writeMetrics(out);
    const text = out.join('\n');
    assert.match(text, /^# TYPE breakwater_http_request_duration_seconds histogram$/m);
    // 0.3 s: above the 0.25 bucket, within 0.5.
    assert.match(text, /^breakwater_http_request_duration_seconds_bucket\{route="\/slow",le="0.25"\} 0$/m);
    assert.match(text, /^breakwater_http_request_duration_seconds_bucket\{route="\/slow",le="0.5"\} 1$/m);
    assert.match(text, /^breakwater_http_request_duration_seconds_bucket\{route="\/slow",le="\+Inf"\} 1$/m);
    assert.match(text, /^breakwater_http_request_duration_seconds_sum\{route="\/slow"\} 0.3$/m);
    assert.match(text, /^breakwater_http_request_duration_seconds_count\{route="other"\} [1-9]/m);
  });

  it('answers OTLP logs with a 404 saying the collector takes traces and metrics only', async () => {
    // An SDK's default log exporter posts to <endpoint>/v1/logs; its diag is all that shows the body.
    const res = await fetch(`${base}/v1/logs`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: number; message: string } };
    assert.equal(body.error.code, 404);
    assert.match(body.error.message, /^no route for \/v1\/logs: /);
    assert.match(body.error.message, /takes OTLP traces \(\/v1\/traces\) and metrics \(\/v1\/metrics\) only/);
    assert.match(body.error.message, /OTEL_LOGS_EXPORTER=none/);
  });

  it('answers a path a reverse proxy left its prefix on with the prefix to strip', async () => {
    // nginx's `proxy_pass http://collector:4318;` (no trailing slash) passes /breakwater/v1/… on as is.
    const res = await fetch(`${base}/breakwater/v1/signals?service=checkout`);
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(
      body.error.message,
      /^no route for \/breakwater\/v1\/signals: the collector serves \/v1\/signals at its root; a reverse proxy in front must strip the \/breakwater prefix \(nginx: proxy_pass with a trailing slash/,
    );
    const plain = (await (await fetch(`${base}/v1/nowhere`)).json()) as { error: { message: string } };
    assert.equal(plain.error.message, 'no route for /v1/nowhere');
  });

  it('turns a throwing handler into a 500 and keeps serving', async () => {
    const res = await fetch(`${base}/boom`);
    assert.equal(res.status, 500);
    assert.equal(router.responses.get(['/boom', '500']), 1);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});

describe('router: browser guard', () => {
  const servers: { base: string; close: () => Promise<void> }[] = [];
  let calls = 0;

  /** A router with a status page, a side-effecting GET and ingest, with auth on or off. */
  async function start(tokens: { token: string; scopes: ['admin'] }[]) {
    const router = new Router(new TokenAuth(tokens), silent, systemClock);
    const handle: Route['handle'] = (_req, res) => {
      calls++;
      res.end('ok');
    };
    router.add(
      [
        { method: 'GET', path: COLLECTOR_PATHS.STATUS_PAGE, scope: 'public', handle },
        { method: 'GET', path: '/v1/gate', scope: 'gate', handle },
        { method: 'GET', path: '/v1/status/events', scope: 'admin', handle },
        { method: 'POST', path: '/v1/traces', scope: 'ingest', handle },
      ],
      'test',
    );
    const server = createServer((req, res) => void router.dispatch(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const entry = {
      base: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
    servers.push(entry);
    return entry.base;
  }
  after(async () => {
    for (const s of servers) await s.close();
  });

  /** Status and error message of a request with exactly these headers (Host included). */
  const send = (base: string, method: string, path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; message: string | undefined }>((resolve, reject) => {
      const req = request(`http://${base}${path}`, { method, headers: { host: base, ...headers } }, (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => {
          const message = body.startsWith('{')
            ? (JSON.parse(body) as { error: { message: string } }).error.message
            : undefined;
          resolve({ status: res.statusCode ?? 0, message });
        });
      });
      req.on('error', reject);
      req.end();
    });

  it('without auth, answers only loopback Host names: 421 for any other (DNS rebinding)', async () => {
    const base = await start([]);
    const port = base.split(':')[1];
    for (const host of [
      base,
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `status.localhost:${port}`,
      `127.1.2.3:${port}`,
      `[::1]:${port}`,
      'localhost',
    ])
      assert.equal((await send(base, 'GET', '/v1/gate', { host })).status, 200, host);
    const before = calls;
    for (const host of [
      `rebind.evil.example:${port}`,
      'rebind.evil.example',
      `localhost.evil.example:${port}`,
      `127.0.0.1.evil.example:${port}`,
      `localhost.:${port}`,
      `192.168.1.10:${port}`,
      `[::2]:${port}`,
    ]) {
      for (const path of ['/v1/gate', '/v1/status/events', COLLECTOR_PATHS.STATUS_PAGE, '/nope']) {
        const answer = await send(base, 'GET', path, { host });
        assert.equal(answer.status, 421, `${host} ${path}`);
        assert.match(
          answer.message!,
          /is not a loopback name: without auth tokens .* configure auth\.tokens/,
        );
      }
      assert.equal((await send(base, 'POST', '/v1/traces', { host })).status, 421);
    }
    assert.equal(calls, before, 'no handler ran');
  });

  it('with auth, serves any Host: a page cannot send the bearer token', async () => {
    const base = await start([{ token: 'secret-token-1234', scopes: ['admin'] }]);
    const answer = await send(base, 'GET', '/v1/gate', {
      host: 'collector.example.com',
      authorization: 'Bearer secret-token-1234',
    });
    assert.equal(answer.status, 200);
  });

  it('refuses cross-site and same-site browser requests with 403, before auth and handlers', async () => {
    for (const tokens of [[], [{ token: 'secret-token-1234', scopes: ['admin'] as ['admin'] }]]) {
      const base = await start(tokens);
      const auth: Record<string, string> =
        tokens.length > 0 ? { authorization: 'Bearer secret-token-1234' } : {};
      const before = calls;
      const refused: [string, string, Record<string, string>][] = [
        // <img src="http://127.0.0.1:4318/v1/gate?..."> on another site.
        [
          'GET',
          '/v1/gate',
          { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
        ],
        // A page on another port of this machine is the same site.
        ['GET', '/v1/gate', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }],
        // A link to a side-effecting route is no exception.
        [
          'GET',
          '/v1/gate',
          { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
        ],
        // A form post.
        [
          'POST',
          '/v1/traces',
          { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
        ],
        // The status page in another site's frame.
        [
          'GET',
          COLLECTOR_PATHS.STATUS_PAGE,
          { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' },
        ],
        // Browsers without Sec-Fetch-*: the Origin tells.
        ['POST', '/v1/traces', { origin: 'https://evil.example' }],
        ['GET', '/v1/status/events', { origin: 'http://localhost:3000' }],
        ['POST', '/v1/traces', { origin: 'null' }],
      ];
      for (const [method, path, headers] of refused) {
        const answer = await send(base, method, path, { ...auth, ...headers });
        assert.equal(answer.status, 403, `${method} ${path} ${JSON.stringify(headers)}`);
        assert.match(answer.message!, /^cross-site request refused/);
      }
      assert.equal(calls, before, 'no handler ran');
      const allowed: [string, string, Record<string, string>][] = [
        // A link to the status page from anywhere.
        [
          'GET',
          COLLECTOR_PATHS.STATUS_PAGE,
          { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
        ],
        [
          'GET',
          COLLECTOR_PATHS.STATUS_PAGE,
          { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
        ],
        // The page's own requests, typed URLs and bookmarks.
        ['GET', '/v1/status/events', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }],
        ['GET', '/v1/gate', { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' }],
        // Sec-Fetch-Site decides over Origin (a proxy may have rewritten Host).
        ['POST', '/v1/traces', { 'sec-fetch-site': 'same-origin', origin: 'https://collector.example.com' }],
        ['POST', '/v1/traces', { origin: `http://${base}` }],
        // SDKs, exporters, the CLI: neither header.
        ['POST', '/v1/traces', {}],
        ['GET', '/v1/gate', {}],
      ];
      for (const [method, path, headers] of allowed) {
        const answer = await send(base, method, path, { ...auth, ...headers });
        assert.equal(answer.status, 200, `${method} ${path} ${JSON.stringify(headers)}`);
      }
    }
  });
});
