import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
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
  let base = '';
  let close: () => Promise<void> = async () => {};
  const seen: string[][] = [];

  before(async () => {
    const router = new Router(new TokenAuth([{ token: 'secret-token-1234', scopes: ['gate'] }]), silent);
    const routes: Route[] = [
      {
        method: 'GET',
        path: /^\/v1\/things\/([^/]+)$/,
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

  it('turns a throwing handler into a 500 and keeps serving', async () => {
    const res = await fetch(`${base}/boom`);
    assert.equal(res.status, 500);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});
