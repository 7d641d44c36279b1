import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { GATE_PATHS, GateAnswerSchema, ManualClock } from '@breakwater/protocol';
import type { DesiredAlert } from './act/alerts.ts';
import type { ComponentContext } from './component.ts';
import { createGateComponent, type GateComponent } from './gate-component.ts';
import { encodeSeries } from './sli/series.ts';
import { MemoryStore } from './store/memory-store.ts';
import type { CountDelta } from './store/types.ts';
import { startTestService, type TestService } from './testing/helpers.ts';

const DAY = 86_400_000;
const GATE_TOKEN = 'gate-token-0123456789';
const INGEST_TOKEN = 'ingest-token-0123456789';
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

before(async () => {
  await store.commit(clock.now() - 10_000, [
    delta('chat', 'v1', 50_000, 2),
    delta('chat', 'v2-bad', 1000, 50),
    delta('chat', 'v2-good', 1000, 1),
    delta('chat', 'v2-tiny', 20, 0),
  ]);
  const yaml = `auth:\n  tokens:\n    - { token: ${GATE_TOKEN}, scopes: [gate] }\n    - { token: ${INGEST_TOKEN}, scopes: [ingest] }\n`;
  svc = await startTestService(yaml, {
    clock,
    components: [
      (ctx: ComponentContext) => {
        gate = createGateComponent(
          ctx,
          {
            slos: () => [
              { name: 'availability', objective: 0.995, windowMs: 30 * DAY, groupBy: ['operation'] },
            ],
            snapshot: (now, windows) => store.snapshot(now, windows),
            examples: () => ['0af7651916cd43dd8448eb211c80319c'],
          },
          { alertSink: { update: (d) => alerts.push([...d]) } },
        );
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
    assert.equal(
      (await post(GATE_PATHS.DECISION, hook({ service: 'chat', version: 'v2-good' }), {})).status,
      401,
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
    // With a good token, payload problems are reported as such.
    assert.equal((await raw('{not json', auth)).status, 400);
    const bad = await post(GATE_PATHS.DECISION, { metadata: { token: GATE_TOKEN } }, {});
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /Flagger webhook/);
  });
});

describe('rollbacks, health, metrics and incident alerts', () => {
  it('GET /v1/gate/health leaves the rolled-back version out', async () => {
    const res = await fetch(`${svc.url}${GATE_PATHS.HEALTH}?service=chat&exclude=v2-bad`, { headers: auth });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { healthy: boolean }).healthy, true);
    assert.equal((await fetch(`${svc.url}${GATE_PATHS.HEALTH}`, { headers: auth })).status, 400);
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
