/**
 * The per-token share of `/v1/signals` subscribers, through the real service: router, token
 * auth, the fleet component's hub and `/metrics`, over real SSE connections on loopback.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import { COLLECTOR_PATHS } from '@breakwater/protocol';
import { memoryLogger } from './act/testing/tools.ts';
import type { Logger } from './component.ts';
import { ConfigError } from './config/config-error.ts';
import { parseConfig } from './config/load.ts';
import { createFleetComponent, type FleetComponent } from './fleet-component.ts';
import { startTestService, type TestService } from './testing/helpers.ts';
import { until } from './testing/until.ts';

const FLEET_A = 'fleet-a-token-0123456789';
const FLEET_B = 'fleet-b-token-0123456789';
const OPS = 'ops-admin-token-0123456789';

const AUTH = `auth:
  tokens:
    - { name: fleet-a, token: ${FLEET_A}, scopes: [subscribe] }
    - { name: fleet-b, token: ${FLEET_B}, scopes: [subscribe] }
    - { name: ops, token: ${OPS}, scopes: [admin] }
`;

interface Stream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body of a refusal (a stream's body never ends while it is open). */
  body: string;
  close(): void;
}

/** Opens `GET /v1/signals` on its own connection; resolves at the response head (refusals: at the end). */
function openStream(base: string, token?: string, method = 'GET'): Promise<Stream> {
  const url = new URL(COLLECTOR_PATHS.SIGNALS, base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent: false, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
      (res) => {
        const stream: Stream = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: '',
          close: () => req.destroy(),
        };
        if (stream.status === 200) {
          resolve(stream);
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          stream.body += chunk;
        });
        res.on('end', () => resolve(stream));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const open: Stream[] = [];
let service: TestService | undefined;
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await service?.close();
  service = undefined;
});

async function start(yaml: string, logger?: Logger): Promise<{ base: string; fleet: FleetComponent }> {
  let fleet: FleetComponent | undefined;
  service = await startTestService(yaml, {
    ...(logger === undefined ? {} : { logger }),
    components: [
      (ctx) => {
        fleet = createFleetComponent(ctx);
        return fleet;
      },
    ],
  });
  return { base: service.url, fleet: fleet! };
}

async function subscribe(base: string, token?: string): Promise<Stream> {
  const stream = await openStream(base, token);
  open.push(stream);
  return stream;
}

describe('/v1/signals: subscriber share per token', () => {
  it('refuses a token beyond its share with 503 + Retry-After while other tokens still get in', async () => {
    const { base, fleet } = await start(
      `${AUTH}fleet:\n  stream: { maxSubscribers: 4, maxSubscribersPerToken: 2 }\n`,
    );
    const a = [await subscribe(base, FLEET_A), await subscribe(base, FLEET_A)];
    assert.deepEqual(
      a.map((s) => s.status),
      [200, 200],
    );
    // A reconnect loop (or a fleet too big for the share) on token A cannot take more slots...
    for (let i = 0; i < 3; i++) {
      const refused = await subscribe(base, FLEET_A);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '2');
      assert.match(refused.headers['content-type'] as string, /^application\/json/);
      const error = (JSON.parse(refused.body) as { error: { code: number; message: string } }).error;
      assert.equal(error.code, 503);
      assert.match(error.message, /token "fleet-a" holds its share of signal subscribers \(2\)/);
    }
    // ...so token B still finds the other half of the stream open.
    const b = [await subscribe(base, FLEET_B), await subscribe(base, FLEET_B)];
    assert.deepEqual(
      b.map((s) => s.status),
      [200, 200],
    );
    assert.equal(fleet.hub.subscribers, 4);
    // The whole stream is full now: the global limit answers, as before.
    const full = await subscribe(base, OPS);
    assert.equal(full.status, 503);
    assert.match(full.body, /too many signal subscribers/);

    // A slot token A gives back is its own again.
    a[0]!.close();
    await until(() => fleet.hub.subscribers === 3, 'the closed stream to leave');
    assert.equal((await subscribe(base, FLEET_A)).status, 200);

    const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${OPS}` } });
    const text = await metrics.text();
    assert.match(text, /^breakwater_fleet_stream_dropped_total\{cause="token_share"\} 3$/m);
    assert.match(text, /^breakwater_fleet_stream_dropped_total\{cause="refused"\} 1$/m);
    assert.match(text, /^breakwater_fleet_subscribers_limit 4$/m);
  });

  it('a HEAD gets the answer a GET would, a 503 included, but is no dropped stream: not counted, not logged', async () => {
    const logger = memoryLogger();
    const { base, fleet } = await start(
      `${AUTH}fleet:\n  stream: { maxSubscribers: 2, maxSubscribersPerToken: 1 }\n`,
      logger,
    );
    const head = async (token: string) => {
      const stream = await openStream(base, token, 'HEAD');
      open.push(stream);
      return stream;
    };
    assert.equal((await subscribe(base, FLEET_A)).status, 200);
    // Token A's share is taken: its HEAD hears so, as its GET would.
    const shareTaken = await head(FLEET_A);
    assert.equal(shareTaken.status, 503);
    assert.equal(shareTaken.headers['retry-after'], '2');
    // Token B has room: the stream's headers, and no slot held.
    assert.equal((await head(FLEET_B)).status, 200);
    assert.equal(fleet.hub.subscribers, 1);
    assert.equal((await subscribe(base, FLEET_B)).status, 200);
    // Every slot taken.
    assert.equal((await head(OPS)).status, 503);

    const dropped = async () => {
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${OPS}` } });
      const text = await res.text();
      return ['token_share', 'refused'].map(
        (cause) =>
          new RegExp(`^breakwater_fleet_stream_dropped_total\\{cause="${cause}"\\} (\\d+)$`, 'm').exec(
            text,
          )?.[1],
      );
    };
    assert.deepEqual(await dropped(), ['0', '0']);
    assert.deepEqual(
      logger.lines.filter((l) => l.level === 'warn'),
      [],
    );
    // The GETs refused alike are counted and logged.
    assert.equal((await subscribe(base, FLEET_A)).status, 503);
    assert.equal((await subscribe(base, OPS)).status, 503);
    assert.deepEqual(await dropped(), ['1', '1']);
    assert.equal(logger.lines.filter((l) => l.level === 'warn').length, 2);
  });

  it('defaults the share to half of maxSubscribers', async () => {
    const { base } = await start(`${AUTH}fleet:\n  stream: { maxSubscribers: 5 }\n`);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await subscribe(base, FLEET_A)).status);
    assert.deepEqual(statuses, [200, 200, 200, 503]);
    assert.equal((await subscribe(base, FLEET_B)).status, 200);
  });

  it('without auth (loopback only) there is no token to share by: the global limit alone applies', async () => {
    const { base } = await start('fleet:\n  stream: { maxSubscribers: 2, maxSubscribersPerToken: 1 }\n');
    assert.equal((await subscribe(base)).status, 200);
    assert.equal((await subscribe(base)).status, 200);
    assert.equal((await subscribe(base)).status, 503);
  });

  it('refuses a share above maxSubscribers, naming the key', () => {
    assert.throws(
      () =>
        parseConfig(
          {
            name: 'collector.yaml',
            text: 'fleet:\n  stream:\n    maxSubscribers: 10\n    maxSubscribersPerToken: 11\n',
          },
          {},
        ),
      (error: unknown) =>
        error instanceof ConfigError &&
        /collector\.yaml:4:29: fleet\.stream\.maxSubscribersPerToken: maxSubscribersPerToken 11 must be at most maxSubscribers \(10\)/.test(
          error.message,
        ),
    );
  });
});
