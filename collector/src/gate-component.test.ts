import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GATE_PATHS, GateAnswerSchema, MAX_GATE_VALUE_CHARS, ManualClock } from '@breakwater/protocol';
import type { DesiredAlert } from './act/alerts.ts';
import { GATE_INCIDENTS_FILE } from './act/gate/incident-store.ts';
import { memoryLogger } from './act/testing/tools.ts';
import type { ComponentContext } from './component.ts';
import { CollectorConfigSchema } from './config/schema.ts';
import type { GateDataSource } from './evaluate/gate/data-source.ts';
import { createGateComponent, type GateComponent } from './gate-component.ts';
import { encodeSeries } from './sli/series.ts';
import { MemoryStore } from './store/memory-store.ts';
import type { CountDelta } from './store/types.ts';
import { startTestService, type TestService } from './testing/helpers.ts';

const DAY = 86_400_000;
const GATE_TOKEN = 'gate-token-0123456789';
const INGEST_TOKEN = 'ingest-token-0123456789';
const ADMIN_TOKEN = 'admin-token-0123456789ab';
const log = memoryLogger();
const clock = new ManualClock(1_700_000_000_000);
const store = new MemoryStore(() => 31 * DAY);
const alerts: DesiredAlert[][] = [];
let gate: GateComponent;
let svc: TestService;

function delta(service: string, version: string, total: number, bad: number): CountDelta {
  return {
    slo: 'availability',
    series: encodeSeries({ service, version, dims: ['chat'] }, ['operation']),
    counts: { good: total - bad, total, extra: bad > 0 ? { 'c:overloaded': bad } : {} },
  };
}

/** The SLO engine's view of `counts`: one availability SLO. */
function dataSource(counts: MemoryStore): GateDataSource {
  return {
    slos: () => [{ name: 'availability', objective: 0.995, windowMs: 30 * DAY, groupBy: ['operation'] }],
    snapshot: (now, windows) => counts.snapshot(now, windows),
    examples: () => ['0af7651916cd43dd8448eb211c80319c'],
  };
}

before(async () => {
  await store.commit(clock.now() - 10_000, [
    delta('chat', 'v1', 50_000, 2),
    delta('chat', 'v2-bad', 1000, 50),
    delta('chat', 'v2-good', 1000, 1),
    delta('chat', 'v2-tiny', 20, 0),
  ]);
  const yaml = `auth:\n  tokens:\n    - { token: ${GATE_TOKEN}, scopes: [gate] }\n    - { token: ${INGEST_TOKEN}, scopes: [ingest] }\n    - { token: ${ADMIN_TOKEN}, scopes: [admin] }\n`;
  svc = await startTestService(yaml, {
    clock,
    logger: log,
    components: [
      (ctx: ComponentContext) => {
        gate = createGateComponent(ctx, dataSource(store), {
          alertSink: { update: (d) => alerts.push([...d]) },
        });
        return gate;
      },
    ],
  });
});
after(() => svc.close());

const auth = { authorization: `Bearer ${GATE_TOKEN}` };
const get = (query: string, headers: Record<string, string> = auth) =>
  fetch(`${svc.url}${GATE_PATHS.DECISION}?${query}`, { headers });
const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${svc.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('GET /v1/gate', () => {
  it('answers ROLLBACK, PROCEED and HALT as schema-valid JSON (200 whatever the decision)', async () => {
    for (const [version, decision] of [
      ['v2-bad', 'ROLLBACK'],
      ['v2-good', 'PROCEED'],
      ['v2-tiny', 'HALT'],
    ] as const) {
      const res = await get(`service=chat&version=${version}&baseline=v1`);
      assert.equal(res.status, 200);
      const answer = GateAnswerSchema.parse(await res.json());
      assert.equal(answer.decision, decision, version);
      assert.deepEqual(answer.baseline, ['v1']);
    }
  });

  it('HEAD answers as GET would but records nothing: no count, no incident, no recent decision', async () => {
    const counted = gate.metrics.decisionsFor('chat', 'ROLLBACK');
    const recent = gate.recentDecisions().length;
    const pushes = alerts.length;
    const res = await fetch(`${svc.url}${GATE_PATHS.DECISION}?service=chat&version=v2-bad&baseline=v1`, {
      method: 'HEAD',
      headers: auth,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(gate.metrics.decisionsFor('chat', 'ROLLBACK'), counted);
    assert.equal(gate.recentDecisions().length, recent);
    assert.equal(alerts.length, pushes);
  });

  it('400 with every problem named', async () => {
    const res = await get('service=chat&verison=v2');
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /unknown parameter "verison"/);
    assert.match(body.error.message, /"version" is required/);
    const unknown = await get('service=chat&version=v2&slo=nope');
    assert.equal(unknown.status, 400);
    assert.match(
      ((await unknown.json()) as { error: { message: string } }).error.message,
      /unknown SLO "nope"; known: availability/,
    );
    assert.equal((await get('service=chat&version=v1&baseline=v1')).status, 400);
  });

  it('needs a token with the gate (or admin) scope', async () => {
    assert.equal((await get('service=chat&version=v1', {})).status, 401);
    assert.equal(
      (await get('service=chat&version=v1', { authorization: `Bearer ${INGEST_TOKEN}` })).status,
      403,
    );
  });
});

describe('POST /v1/gate (Flagger webhook)', () => {
  const hook = (metadata: Record<string, string>) => ({
    name: 'chat',
    namespace: 'prod',
    phase: 'Progressing',
    metadata,
  });

  it('2xx only on PROCEED', async () => {
    assert.equal(
      (await post(GATE_PATHS.DECISION, hook({ service: 'chat', version: 'v2-good' }))).status,
      200,
    );
    assert.equal((await post(GATE_PATHS.DECISION, hook({ service: 'chat', version: 'v2-bad' }))).status, 409);
    const halt = await post(GATE_PATHS.DECISION, hook({ service: 'chat', version: 'v2-tiny' }));
    assert.equal(halt.status, 503);
    assert.equal(halt.headers.get('retry-after'), '30');
  });

  it('accepts the token in metadata (Flagger sends no headers) and rejects bad payloads', async () => {
    const missing = await post(GATE_PATHS.DECISION, hook({ service: 'chat', version: 'v2-good' }), {});
    assert.equal(missing.status, 401);
    // The refusal says where the token goes.
    assert.match(
      ((await missing.json()) as { error: { message: string } }).error.message,
      /^missing bearer token: send it as "Authorization: Bearer <token>", or as metadata\.token in a Flagger webhook$/,
    );
    const ok = await post(
      GATE_PATHS.DECISION,
      hook({ service: 'chat', version: 'v2-good', token: GATE_TOKEN }),
      {},
    );
    assert.equal(ok.status, 200);
    assert.equal((await post(GATE_PATHS.DECISION, { hello: 1 })).status, 400);
    assert.equal((await post(GATE_PATHS.DECISION, hook({ service: 'chat' }))).status, 400);
  });

  it('checks the token before it says anything about the payload', async () => {
    const raw = (body: string, headers: Record<string, string>) =>
      fetch(`${svc.url}${GATE_PATHS.DECISION}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    // No token anywhere: 401, whether the body is JSON, a payload or neither.
    assert.equal((await raw('{not json', {})).status, 401);
    assert.equal((await post(GATE_PATHS.DECISION, { hello: 1 }, {})).status, 401);
    assert.equal((await post(GATE_PATHS.DECISION, hook({ service: 'chat' }), {})).status, 401);
    // A token in the metadata of a body that is not a valid payload is still checked first.
    assert.equal((await post(GATE_PATHS.DECISION, { metadata: { token: 'nope' } }, {})).status, 401);
    // A header token without the scope is refused before the body is read.
    const wrong = { authorization: `Bearer ${INGEST_TOKEN}` };
    assert.equal((await raw('{not json', wrong)).status, 403);
    // A header of another form is refused as such, even beside a good token in the metadata.
    const basic = await post(
      GATE_PATHS.DECISION,
      hook({ service: 'chat', version: 'v2-good', token: GATE_TOKEN }),
      { authorization: `Basic ${Buffer.from(`x:${GATE_TOKEN}`).toString('base64')}` },
    );
    assert.equal(basic.status, 401);
    assert.match(
      ((await basic.json()) as { error: { message: string } }).error.message,
      /Authorization header is not "Bearer <token>"/,
    );
    // With a good token, payload problems are reported as such.
    assert.equal((await raw('{not json', auth)).status, 400);
    const bad = await post(GATE_PATHS.DECISION, { metadata: { token: GATE_TOKEN } }, {});
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /Flagger webhook/);
  });
});

describe('credentials the Flagger webhook refuses', () => {
  it('are answered and logged as the router answers and logs refused headers', async () => {
    const logger = memoryLogger();
    const own = await startTestService(
      `auth:\n  tokens:\n    - { token: ${GATE_TOKEN}, scopes: [gate] }\n    - { token: ${INGEST_TOKEN}, scopes: [ingest] }\n`,
      {
        clock: new ManualClock(1_700_000_000_000),
        logger,
        components: [(ctx: ComponentContext) => createGateComponent(ctx, dataSource(store))],
      },
    );
    try {
      const webhook = (token: string) =>
        fetch(`${own.url}${GATE_PATHS.DECISION}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'chat', metadata: { service: 'chat', version: 'v2-good', token } }),
        });
      const unknown = await webhook('not-a-configured-token');
      assert.equal(unknown.status, 401);
      assert.equal(
        unknown.headers.get('www-authenticate'),
        'Bearer realm="breakwater", error="invalid_token"',
      );
      const scopeless = await webhook(INGEST_TOKEN);
      assert.equal(scopeless.status, 403);
      assert.equal(
        scopeless.headers.get('www-authenticate'),
        'Bearer realm="breakwater", error="insufficient_scope", scope="gate"',
      );
      // The first refusal is logged at once (later ones within the minute are summed up then).
      const refusals = logger.lines.filter((l) =>
        l.msg?.startsWith('refused requests for their credentials'),
      );
      assert.deepEqual(
        refusals.map((l) => l.obj),
        [{ refused: 1, route: GATE_PATHS.DECISION, status: 401, reason: 'invalid bearer token' }],
      );
    } finally {
      await own.close();
    }
  });
});

describe('content type of the POST routes', () => {
  const send = (path: string, body: string | Uint8Array, contentType?: string) =>
    fetch(`${svc.url}${path}`, {
      method: 'POST',
      headers: { ...auth, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
      body,
    });
  const webhook = JSON.stringify({
    name: 'chat',
    namespace: 'prod',
    metadata: { service: 'chat', version: 'v2-good' },
  });

  it('the Flagger webhook takes application/json, with or without parameters (Flagger sends it bare)', async () => {
    assert.equal((await send(GATE_PATHS.DECISION, webhook, 'application/json')).status, 200);
    assert.equal((await send(GATE_PATHS.DECISION, webhook, 'Application/JSON; charset=utf-8')).status, 200);
    const refused = await send(GATE_PATHS.DECISION, webhook, 'text/plain');
    assert.equal(refused.status, 415);
    assert.match(
      ((await refused.json()) as { error: { message: string } }).error.message,
      /unsupported content type "text\/plain": send the body as application\/json/,
    );
  });

  it('POST /v1/gate/rollbacks refuses what a web page could send cross-origin without a preflight', async () => {
    const forged = JSON.stringify({
      kind: 'rollback',
      service: 'forged',
      version: 'v1',
      latencyMs: 1000,
      exitCode: 0,
    });
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
    ])
      assert.equal((await send(GATE_PATHS.ROLLBACKS, forged, type)).status, 415, type);
    // No content type at all (a Uint8Array body gets none from fetch).
    assert.equal((await send(GATE_PATHS.ROLLBACKS, new TextEncoder().encode(forged))).status, 415);
    const out: string[] = [];
    gate.writeMetrics!(out);
    assert.ok(!out.some((line) => line.includes('service="forged"')), 'nothing was recorded');
    assert.equal((await send(GATE_PATHS.ROLLBACKS, forged, 'application/json; charset=utf-8')).status, 202);
  });
});

describe('POST bodies cut short', () => {
  /** Sends the head and part of a body on a raw connection, then hangs up. */
  const abandon = async (path: string): Promise<void> => {
    const socket = connect(Number(new URL(svc.url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${GATE_TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"kind":',
    );
    // Once the route reads the body, the hang-up reaches it mid-read.
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
  };
  /** This route's responses by status code, from /metrics. */
  const responses = async (path: string): Promise<Map<string, number>> => {
    const res = await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const out = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      const match = /^breakwater_http_responses_total\{route="([^"]+)",code="(\d+)"\} (\d+)$/.exec(line);
      if (match?.[1] === path) out.set(match[2]!, Number(match[3]));
    }
    return out;
  };

  it('a client hanging up mid-body is its own failure (400), not a 500 logged as an error', async () => {
    for (const path of [GATE_PATHS.DECISION, GATE_PATHS.ROLLBACKS]) {
      const before = await responses(path);
      const answered = (now: Map<string, number>) =>
        [...now.values()].reduce((a, b) => a + b, 0) - [...before.values()].reduce((a, b) => a + b, 0);
      await abandon(path);
      let after = await responses(path);
      for (let i = 0; i < 200 && answered(after) === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        after = await responses(path);
      }
      assert.equal(answered(after), 1, path);
      assert.equal((after.get('400') ?? 0) - (before.get('400') ?? 0), 1, path);
    }
    assert.deepEqual(
      log.lines.filter((line) => line.msg === 'route failed'),
      [],
    );
  });
});

describe('rollbacks, health, metrics and incident alerts', () => {
  it('GET /v1/gate/health leaves the rolled-back version out', async () => {
    const res = await fetch(`${svc.url}${GATE_PATHS.HEALTH}?service=chat&exclude=v2-bad`, { headers: auth });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { healthy: boolean }).healthy, true);
    assert.equal((await fetch(`${svc.url}${GATE_PATHS.HEALTH}`, { headers: auth })).status, 400);
  });

  it('GET /v1/gate/health refuses a service given twice or too long (as GET /v1/gate does), or a bad since', async () => {
    for (const [query, message] of [
      ['service=chat&service=other', '"service" given 2 times'],
      ['service=chat&since=1e12', '"since" is not a time in epoch milliseconds: "1e12"'],
      ['service=chat&since=', '"since" is not a time in epoch milliseconds: ""'],
      ['service=chat&since=1&since=2', '"since" given 2 times'],
      [
        `service=${'s'.repeat(MAX_GATE_VALUE_CHARS + 1)}`,
        `"service" is longer than ${MAX_GATE_VALUE_CHARS} characters`,
      ],
    ]) {
      const res = await fetch(`${svc.url}${GATE_PATHS.HEALTH}?${query}`, { headers: auth });
      assert.equal(res.status, 400, query);
      assert.equal(((await res.json()) as { error: { message: string } }).error.message, message);
    }
  });

  it('POST /v1/gate/rollbacks feeds latency and recovery series; /metrics passes promtool', async () => {
    const r = await post(GATE_PATHS.ROLLBACKS, {
      kind: 'rollback',
      service: 'chat',
      version: 'v2-bad',
      latencyMs: 4200,
      exitCode: 0,
    });
    assert.equal(r.status, 202);
    await post(GATE_PATHS.ROLLBACKS, {
      kind: 'recovery',
      service: 'chat',
      version: 'v2-bad',
      recovered: true,
      recoveryMs: 1000,
    });
    assert.equal((await post(GATE_PATHS.ROLLBACKS, { kind: 'rollback', service: 'chat' })).status, 400);
    // /metrics needs an admin token when auth is on; the component's own exposition is what it serves.
    const out: string[] = [];
    gate.writeMetrics!(out);
    const metrics = `${out.join('\n')}\n`;
    assert.match(metrics, /breakwater_gate_decisions_total\{service="chat",decision="ROLLBACK"\} [1-9]/);
    assert.match(metrics, /breakwater_gate_rollback_latency_seconds_bucket\{service="chat",le="5"\} 1/);
    assert.match(metrics, /breakwater_gate_rollback_latency_seconds_bucket\{service="chat",le="1"\} 0/);
    assert.match(metrics, /breakwater_gate_recoveries_total\{service="chat",result="recovered"\} 1/);
    assert.match(metrics, /breakwater_gate_recovery_ratio\{service="chat"\} 1/);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    if (check.error === undefined) assert.equal(check.status, 0, check.stderr + check.stdout);
  });

  it('rollback events with overlong names or absurd durations are refused', async () => {
    const event = { kind: 'rollback', service: 'chat', version: 'v2-bad', latencyMs: 4200, exitCode: 0 };
    for (const bad of [
      { ...event, service: 'x'.repeat(257) },
      { ...event, version: 'x'.repeat(257) },
      { ...event, latencyMs: 1e305 },
      { kind: 'recovery', service: 'chat', version: 'v2-bad', recovered: true, recoveryMs: 8 * DAY },
    ])
      assert.equal((await post(GATE_PATHS.ROLLBACKS, bad)).status, 400);
  });

  it('answers for services without any event count under service="__no_data__", not each by name', async () => {
    const before = gate.metrics.decisionsFor('__no_data__', 'HALT');
    for (let i = 0; i < 3; i++) {
      const res = await get(`service=made-up-${i}&version=v1`);
      assert.equal(((await res.json()) as { decision: string }).decision, 'HALT');
    }
    assert.equal(gate.metrics.decisionsFor('__no_data__', 'HALT'), before + 3);
    const out: string[] = [];
    gate.writeMetrics!(out);
    assert.ok(!out.some((line) => line.includes('made-up-')));
    // A new version of a known service is no such case: it counts under the service.
    const fresh = gate.metrics.decisionsFor('chat', 'HALT');
    await get('service=chat&version=v3-unseen');
    assert.equal(gate.metrics.decisionsFor('chat', 'HALT'), fresh + 1);
  });

  it('ROLLBACK raises a page incident; PROCEED for that version resolves it; no-data HALT raises nothing', async () => {
    const last = () => alerts.at(-1) ?? [];
    await gate.decide({ service: 'chat', version: 'v2-tiny', baseline: [], slos: [] });
    assert.ok(!last().some((a) => a.labels.version === 'v2-tiny'));
    await gate.decide({ service: 'chat', version: 'v2-bad', baseline: [], slos: [] });
    const page = last().find((a) => a.labels.version === 'v2-bad')!;
    assert.equal(page.labels.severity, 'page');
    assert.equal(page.labels.alertname, 'BreakwaterDeploymentGate');
    assert.match(page.annotations.top_error_categories!, /overloaded=50/);
    assert.match(page.annotations.example_trace_ids!, /0af7651916cd43dd8448eb211c80319c/);
    // The incident expires after the TTL (30 min by default) without a PROCEED.
    await clock.advance(31 * 60_000);
    assert.ok(!last().some((a) => a.labels.version === 'v2-bad'));
  });
});

describe('incident alerts without Alertmanager', () => {
  it('are still tracked, for the status page, however many decisions follow', async () => {
    const now = new ManualClock(1_700_000_000_000);
    const counts = new MemoryStore(() => 31 * DAY);
    await counts.commit(now.now() - 10_000, [
      delta('chat', 'v1', 50_000, 2),
      delta('chat', 'v2-bad', 1000, 50),
      delta('chat', 'v2-good', 1000, 1),
    ]);
    const config = CollectorConfigSchema.parse({ store: { kind: 'memory' } });
    assert.equal(config.alertmanager.url, undefined);
    const c = createGateComponent(
      { config, clock: now, logger: memoryLogger(), dataDir: tmpdir() },
      dataSource(counts),
    );
    await c.start?.();
    try {
      await c.decide({ service: 'chat', version: 'v2-bad', baseline: [], slos: [] });
      await c.decide({ service: 'chat', version: 'v2-good', baseline: [], slos: [] });
      const firing = c.firingIncidents();
      assert.deepEqual(
        firing.map((a) => [a.labels.version, a.labels.severity]),
        [['v2-bad', 'page']],
      );
      assert.match(firing[0]!.annotations.summary!, /v2-bad/);
      // The page stays however many decisions follow (the status page lists 20 of those).
      for (let i = 0; i < 25; i++)
        await c.decide({ service: 'chat', version: 'v2-good', baseline: [], slos: [] });
      assert.equal(c.firingIncidents().length, 1);
    } finally {
      await c.stop?.();
    }
  });
});

describe('automatic baseline after a rollback', () => {
  it('leaves out a version answered ROLLBACK while its events are in the gate window', async () => {
    const now = new ManualClock(1_700_000_000_000);
    const counts = new MemoryStore(() => 31 * DAY);
    await counts.commit(now.now() - DAY, [delta('chat', 'v1', 10_000_000, 0)]);
    // v2 fails 10 % of its calls; v3, the fix deployed right after, 0.4 %: four times v1's 0.1 %.
    await counts.commit(now.now() - 10_000, [
      delta('chat', 'v1', 10_000, 10),
      delta('chat', 'v2', 2_000, 200),
      delta('chat', 'v3', 5_000, 20),
    ]);
    const config = CollectorConfigSchema.parse({
      store: { kind: 'memory' },
      gate: { alerts: { enabled: false } },
    });
    const c = createGateComponent(
      { config, clock: now, logger: memoryLogger(), dataDir: tmpdir() },
      dataSource(counts),
    );
    const ask = (version: string, baseline: string[] = []) =>
      c.decide({ service: 'chat', version, baseline, slos: [] });
    // Before v2 is answered ROLLBACK, its errors in v3's automatic baseline (1.75 %) hide v3's.
    const before = await ask('v3');
    assert.deepEqual(before.baseline, ['v1', 'v2']);
    assert.equal(before.decision, 'PROCEED');
    assert.equal((await ask('v2')).decision, 'ROLLBACK');
    const after = await ask('v3');
    assert.deepEqual(after.baseline, ['v1']);
    assert.equal(after.decision, 'ROLLBACK');
    assert.deepEqual(
      after.reasons.map((r) => r.code),
      ['worse_than_baseline'],
    );
    // An explicit baseline is taken as given.
    assert.deepEqual((await ask('v3', ['v2'])).baseline, ['v2']);
  });
});

describe('incident alerts across restarts', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const rollback = { service: 'chat', version: 'v2-bad', baseline: [], slos: [] };

  /** A data dir, a clock and counts with a bad version; `start` runs a gate component on them. */
  async function setup() {
    const dataDir = mkdtempSync(join(tmpdir(), 'bw-gate-'));
    dirs.push(dataDir);
    const now = new ManualClock(1_700_000_000_000);
    const counts = new MemoryStore(() => 31 * DAY);
    await counts.commit(now.now() - 10_000, [
      delta('chat', 'v1', 50_000, 2),
      delta('chat', 'v2-bad', 1000, 50),
    ]);
    const pushed: DesiredAlert[][] = [];
    const logger = memoryLogger();
    const start = async (doc: object = {}) => {
      const config = CollectorConfigSchema.parse(doc);
      const c = createGateComponent({ config, clock: now, logger, dataDir }, dataSource(counts), {
        alertSink: { update: (d) => pushed.push([...d]) },
      });
      await c.start?.();
      return c;
    };
    const firing = () => (pushed.at(-1) ?? []).map((a) => `${a.labels.version}:${a.labels.severity}`);
    return { clock: now, pushed, logger, start, firing, file: join(dataDir, GATE_INCIDENTS_FILE) };
  }

  it('a restarted collector pushes unexpired incidents again, until the TTL after the last answer', async () => {
    const t = await setup();
    const first = await t.start({ alertmanager: { labels: { cluster: 'a' } } });
    await first.decide(rollback);
    assert.deepEqual(t.firing(), ['v2-bad:page']);
    await t.clock.advance(10 * 60_000);
    await first.stop?.();
    await t.clock.advance(60_000);
    t.pushed.length = 0;
    const second = await t.start({ alertmanager: { labels: { cluster: 'b' } } });
    assert.deepEqual(t.firing(), ['v2-bad:page'], 'pushed again at start');
    const alert = t.pushed.at(-1)![0]!;
    assert.equal(alert.labels.alertname, 'BreakwaterDeploymentGate');
    assert.equal(alert.labels.cluster, 'b', "today's alertmanager.labels");
    assert.match(alert.annotations.top_error_categories!, /overloaded=50/);
    const out: string[] = [];
    second.writeMetrics!(out);
    assert.ok(out.includes('breakwater_gate_incidents 1'));
    // 30 min from the ROLLBACK answer, not from the restart.
    await t.clock.advance(18 * 60_000);
    assert.deepEqual(t.firing(), ['v2-bad:page']);
    await t.clock.advance(2 * 60_000);
    assert.deepEqual(t.firing(), []);
    await second.stop?.();
    t.pushed.length = 0;
    const third = await t.start();
    assert.equal(t.pushed.length, 0, 'nothing left to push');
    await third.stop?.();
  });

  it('a PROCEED resolves an incident whose SLO was renamed while the collector was down', async () => {
    const t = await setup();
    const first = await t.start();
    await first.decide(rollback);
    assert.deepEqual(t.firing(), ['v2-bad:page']);
    await first.stop?.();

    // Restarted with the SLO renamed, and the version fixed: its PROCEED judges the new name only.
    const renamed = new MemoryStore(() => 31 * DAY);
    await renamed.commit(t.clock.now() - 10_000, [
      { ...delta('chat', 'v1', 50_000, 2), slo: 'chat-availability' },
      { ...delta('chat', 'v2-bad', 1000, 0), slo: 'chat-availability' },
    ]);
    const source = dataSource(renamed);
    const slos = source.slos().map((d) => ({ ...d, name: 'chat-availability' }));
    const second = createGateComponent(
      { config: CollectorConfigSchema.parse({}), clock: t.clock, logger: t.logger, dataDir: dirname(t.file) },
      { ...source, slos: () => slos },
      { alertSink: { update: (d) => t.pushed.push([...d]) } },
    );
    await second.start?.();
    assert.deepEqual(t.firing(), ['v2-bad:page'], 'restored');
    assert.equal((await second.decide(rollback)).decision, 'PROCEED');
    assert.deepEqual(t.firing(), []);
    await second.stop?.();
  });

  it('drops incidents that expired while the collector was down', async () => {
    const t = await setup();
    const first = await t.start();
    await first.decide(rollback);
    await first.stop?.();
    assert.match(readFileSync(t.file, 'utf8'), /v2-bad/);
    await t.clock.advance(31 * 60_000);
    t.pushed.length = 0;
    const second = await t.start();
    assert.deepEqual(t.firing(), []);
    await second.stop?.();
    assert.doesNotMatch(readFileSync(t.file, 'utf8'), /v2-bad/);
  });

  it('a damaged file is logged and replaced, not fatal; a memory-only store writes nothing', async () => {
    const t = await setup();
    writeFileSync(t.file, '{"version":1,"incidents":[{"key":');
    const first = await t.start();
    assert.equal(t.pushed.length, 0);
    assert.ok(t.logger.lines.some((l) => l.level === 'error' && /invalid/.test(l.msg ?? '')));
    await first.decide(rollback);
    await first.stop?.();
    assert.match(readFileSync(t.file, 'utf8'), /v2-bad/);

    const m = await setup();
    const memory = await m.start({ store: { kind: 'memory' } });
    await memory.decide(rollback);
    await memory.stop?.();
    assert.equal(existsSync(m.file), false);
  });
});

describe('incident alerts pushed to Alertmanager', () => {
  it('exposes the pusher delivery counters, rejections included, on /metrics', async () => {
    // An Alertmanager that refuses every batch (as it does an alert ending before it starts).
    const batches: unknown[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        batches.push(JSON.parse(body));
        res.writeHead(400).end('start time must be before end time');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const now = new ManualClock(1_700_000_000_000);
    const counts = new MemoryStore(() => 31 * DAY);
    await counts.commit(now.now() - 10_000, [
      delta('chat', 'v1', 50_000, 2),
      delta('chat', 'v2-bad', 1000, 50),
    ]);
    const config = CollectorConfigSchema.parse({
      store: { kind: 'memory' },
      alertmanager: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
    });
    const c = createGateComponent(
      { config, clock: now, logger: memoryLogger(), dataDir: tmpdir() },
      dataSource(counts),
    );
    const metrics = () => {
      const out: string[] = [];
      c.writeMetrics!(out);
      return `${out.join('\n')}\n`;
    };
    try {
      await c.start?.();
      await c.decide({ service: 'chat', version: 'v2-bad', baseline: [], slos: [] });
      const deadline = Date.now() + 10_000;
      while (!metrics().includes('breakwater_gate_alertmanager_rejections_total 1') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(batches.length, 1, 'the ROLLBACK page was pushed');
      const text = metrics();
      assert.match(text, /^# TYPE breakwater_gate_alertmanager_rejections_total counter$/m);
      assert.match(text, /^breakwater_gate_alertmanager_rejections_total 1$/m);
      assert.match(text, /^breakwater_gate_alertmanager_failures_total 0$/m);
      assert.match(text, /^breakwater_gate_alertmanager_deliveries_total 0$/m);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      if (check.error === undefined) assert.equal(check.status, 0, check.stderr + check.stdout);
    } finally {
      await c.stop?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
