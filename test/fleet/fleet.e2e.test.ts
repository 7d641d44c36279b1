/**
 * Issue 5 §4, end to end with real processes on 127.0.0.1: the collector (`breakwater serve`),
 * the fault provider (its CLI), and agent-service replicas (each `@breakwater/node` with its own
 * `service.instance.id`, exporting OTLP every 250 ms, control client subscribed) calling the
 * fault provider with the real `openai` client. Replicas are observed and driven through their
 * `--inspect-port` API and their SDK metrics endpoint.
 *
 * Replicas: a, b (b answers with a fallback), c (never calls the failing model before the fleet
 * decides), d (a revoked API key), e (control stream pointed at a forged signal server).
 * Short fleet timings (ttl 2 s, open 4 s, ramp steps 500 ms) keep every step to a few seconds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stopAll } from '../harness/process.ts';
import { waitFor } from '../harness/wait.ts';
import { Collector, Provider, Replica, SignalRecorder, sample } from './cluster.ts';

const SERVICE = 'fleet-e2e';
const TTL_MS = 2_000;
const SUBSCRIBE_TOKEN = 'subscribe-token-0123456789';
const INGEST_TOKEN = 'ingest-only-token-0123456789';

const COLLECTOR_YAML = `
logLevel: warn
store: { kind: memory }
fleet:
  evaluateInterval: 200ms
  quorum: 2
  windows: [{ duration: 5s, minVolume: 10 }]
  ttl: 2s
  closedTtl: 2s
  openDuration: 4s
  backoffMultiplier: 1
  stepDuration: 500ms
  stepMinVolume: 3
  stepMaxDuration: 1500ms
  stream: { heartbeat: 1s, retry: 300ms }
`;

const AUTH_COLLECTOR_YAML = `
logLevel: warn
store: { kind: memory }
auth:
  tokens:
    - { name: agents, token: ${SUBSCRIBE_TOKEN}, scopes: [subscribe] }
    - { name: exporters, token: ${INGEST_TOKEN}, scopes: [ingest] }
`;

/** Local policy for every replica: quick retries, a local breaker that trips on 8 consecutive failures. */
const POLICY = {
  retry: { baseDelayMs: 20, maxDelayMs: 100 },
  breaker: { minimumCalls: 1, consecutiveFailures: 8, openMs: 1_000 },
};
const EXPORT_ENV = { OTEL_BSP_SCHEDULE_DELAY: '250', OTEL_METRIC_EXPORT_INTERVAL: '500' };

const FAILING = 'gpt-4o';
const HEALTHY = 'gpt-4o-mini';
const dep = (model: string) => `openai/${model}`;

describe('fleet breaker end to end', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-fleet-e2e-'));
  let provider: Provider;
  let collector: Collector;
  let authCollector: Collector;
  let recorder: SignalRecorder;
  let a: Replica;
  let b: Replica;
  let c: Replica;
  let d: Replica;
  let e: Replica;
  let forged: ForgedSignalServer;
  /** Whether every replica that follows the collector holds a signal stream open. */
  const allConnected = async (): Promise<boolean> => {
    for (const r of [a, b, c, d]) if ((await r.metric('breakwater_control_connected')) !== 1) return false;
    return true;
  };
  const started = Date.now();

  before(async () => {
    [provider, collector, authCollector, forged] = await Promise.all([
      Provider.start(),
      Collector.start(path.join(dir, 'collector'), COLLECTOR_YAML),
      Collector.start(path.join(dir, 'auth-collector'), AUTH_COLLECTOR_YAML, undefined, 'auth collector'),
      ForgedSignalServer.start(),
    ]);
    recorder = new SignalRecorder(collector.url);
    const common = {
      providerUrl: provider.url,
      collectorUrl: collector.url,
      serviceName: SERVICE,
      policy: POLICY,
      prometheus: true,
      env: EXPORT_ENV,
    };
    [a, b, c, d, e] = await Promise.all([
      Replica.start({ ...common, name: 'a' }),
      Replica.start({ ...common, name: 'b', fallback: true }),
      Replica.start({ ...common, name: 'c' }),
      Replica.start({ ...common, name: 'd', apiKey: 'revoked-key' }),
      // OTLP to the real collector, signals from the forged server.
      Replica.start({ ...common, name: 'e', env: { ...EXPORT_ENV, BREAKWATER_COLLECTOR_URL: forged.url } }),
    ]);
    await waitFor('every replica to subscribe to the collector', allConnected, { timeoutMs: 15_000 });
    console.log(`# cluster up in ${Date.now() - started} ms`);
  });

  after(async () => {
    await recorder?.close();
    await forged?.close();
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
    console.log(`# fleet e2e total ${Date.now() - started} ms`);
  });

  /** Waits until every replica's breaker for `dependency` satisfies `ok`; returns elapsed ms. */
  async function allBreakers(
    what: string,
    replicas: Replica[],
    dependency: string,
    ok: (b: { state: string; source: string } | undefined) => boolean,
    timeoutMs = 10_000,
  ): Promise<number> {
    const t0 = Date.now();
    await waitFor(
      what,
      async () => {
        const views = await Promise.all(replicas.map((r) => r.breaker(dependency)));
        return views.every(ok);
      },
      { timeoutMs, intervalMs: 50 },
    );
    return Date.now() - t0;
  }

  it('a 503/529 outage opens the breaker on every replica, including one that never called the model', async () => {
    for (const r of [a, b, c]) assert.deepEqual((await r.calls(HEALTHY, 3)).counts, { ok: 3 }, r.name);
    assert.equal((await c.state()).breakers[dep(FAILING)], undefined, 'c has never called the model');
    await provider.script({
      route: 'openai.chat',
      model: FAILING,
      steps: [
        { fault: 'error', status: 503, count: 1 },
        { fault: 'error', status: 529, count: 1 },
      ],
      repeat: true,
    });
    const outageAt = Date.now();
    const [ra, rb] = await Promise.all([a.calls(FAILING, 10), b.calls(FAILING, 10)]);
    assert.ok(ra.outcomes.includes('overloaded'), `a saw the outage: ${ra.outcomes}`);
    assert.ok(
      rb.outcomes.every((o) => o.startsWith('fallback:')),
      `b's failures are answered by its fallback: ${rb.outcomes}`,
    );

    await allBreakers(
      'the fleet signal to open openai/gpt-4o on a, b and c',
      [a, b, c],
      dep(FAILING),
      (v) => v?.state === 'open' && v.source === 'fleet',
    );
    console.log(`# outage → every replica open (fleet): ${Date.now() - outageAt} ms`);
    const cState = await c.state();
    const cTransitions = cState.transitions.filter((t) => t[1] === dep(FAILING));
    assert.deepEqual(cTransitions[0]?.slice(2), ['open', 'fleet'], 'c went straight to open by the fleet');
    assert.ok((cState.breakers[dep(FAILING)]?.override?.expiresInMs ?? 0) <= TTL_MS);

    // c's calls are refused locally, fast, without reaching the provider; b falls back.
    const before = await provider.count(FAILING);
    const rc = await c.calls(FAILING, 5);
    assert.deepEqual(rc.counts, { 'circuit_open:fleet': 5 });
    assert.ok(rc.maxCallMs < 500, `refusals are fast (${rc.maxCallMs.toFixed(1)} ms)`);
    assert.deepEqual((await b.calls(FAILING, 3)).counts, { 'fallback:circuit_open:fleet': 3 });
    assert.deepEqual((await a.calls(FAILING, 3)).counts, { 'circuit_open:fleet': 3 });
    assert.equal(await provider.count(FAILING), before, 'no refused call reached the provider');

    // Other models keep working everywhere.
    for (const r of [a, b, c]) assert.deepEqual((await r.calls(HEALTHY, 3)).counts, { ok: 3 }, r.name);

    const active = await collector.active();
    const open = active.signals.find((s) => s.dependency === dep(FAILING));
    assert.equal(open?.state, 'open');
    assert.ok((open?.reason.instances ?? 0) >= 2, 'opened on a quorum of failing instances');
    assert.equal(
      active.signals.some((s) => s.dependency === dep(HEALTHY)),
      false,
    );
  });

  it('the provider heals → half-open ramp → closed, and traffic returns to normal', async () => {
    await provider.clearFaults();
    const healedAt = Date.now();
    const seen: Record<string, number> = {};
    let driving = true;
    const drive = (async () => {
      while (driving) {
        const results = await Promise.all([a, b, c].map((r) => r.calls(FAILING, 4, 2)));
        for (const r of results) for (const [o, n] of Object.entries(r.counts)) seen[o] = (seen[o] ?? 0) + n;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      await allBreakers(
        'every replica to close openai/gpt-4o again',
        [a, b, c],
        dep(FAILING),
        (v) => v?.state === 'closed' && v.source === 'local',
        20_000,
      );
    } finally {
      driving = false;
      await drive;
    }
    console.log(
      `# heal → every replica closed: ${Date.now() - healedAt} ms; outcomes while ramping ${JSON.stringify(seen)}`,
    );

    const states = recorder
      .forDependency(dep(FAILING))
      .map((s) => (s.state === 'half_open' ? `half_open ${s.allow}` : s.state));
    const changes = states.filter((s, i) => i === 0 || s !== states[i - 1]);
    assert.deepEqual(
      changes,
      ['open', 'half_open 0.1', 'half_open 0.25', 'half_open 0.5', 'half_open 1', 'closed'],
      `signal sequence: ${changes.join(' → ')}`,
    );
    assert.ok((seen.ok ?? 0) > 0, 'ramp steps admitted calls');
    assert.ok(
      (seen['circuit_open:fleet'] ?? 0) + (seen['fallback:circuit_open:fleet'] ?? 0) > 0,
      'the ramp held back the rest',
    );

    const before = await provider.count(FAILING);
    for (const r of [a, b, c]) assert.deepEqual((await r.calls(FAILING, 5)).counts, { ok: 5 }, r.name);
    assert.equal(await provider.count(FAILING), before + 15, 'every call reached the provider again');
    assert.equal(
      (await collector.active()).signals.filter((s) => s.dependency === dep(FAILING) && s.state !== 'closed')
        .length,
      0,
    );
  });

  it('a replica with a revoked API key (401s) opens nothing, for the fleet or for itself', async () => {
    await provider.script({
      route: 'openai.chat',
      apiKey: 'revoked-key',
      steps: [{ fault: 'error', code: 'invalid_api_key' }],
    });
    const ignoredBefore =
      sample(await collector.metrics(), 'breakwater_fleet_spans_total', { outcome: 'ignored' }) ?? 0;
    const authBefore = await provider.count(HEALTHY, 'error_401');
    const [rd, ra, rb] = await Promise.all([
      d.calls(HEALTHY, 40, 4),
      a.calls(HEALTHY, 10),
      b.calls(HEALTHY, 10),
    ]);
    assert.deepEqual(rd.counts, { authentication: 40 });
    assert.deepEqual(ra.counts, { ok: 10 });
    assert.deepEqual(rb.counts, { ok: 10 });
    assert.equal(
      (await provider.count(HEALTHY, 'error_401')) - authBefore,
      40,
      'auth errors are not retried',
    );

    // The collector received d's failed attempts and ignored them (caller-side errors).
    await waitFor('the collector to ingest the 401 attempts', async () => {
      const ignored =
        sample(await collector.metrics(), 'breakwater_fleet_spans_total', { outcome: 'ignored' }) ?? 0;
      return ignored - ignoredBefore >= 40;
    });
    await new Promise((r) => setTimeout(r, 500)); // an evaluation tick or two
    const metrics = await collector.metrics();
    const ratio = sample(metrics, 'breakwater_fleet_error_ratio', { dependency: dep(HEALTHY), window: '5s' });
    assert.ok(ratio === undefined || ratio === 0, `no dependency-side failures counted (ratio ${ratio})`);
    assert.equal(
      (await collector.active()).signals.some((s) => s.dependency === dep(HEALTHY)),
      false,
    );
    for (const r of [a, b, c, d]) {
      assert.deepEqual(await r.breaker(dep(HEALTHY)), { state: 'closed', source: 'local' }, r.name);
    }
    assert.deepEqual((await c.calls(HEALTHY, 5)).counts, { ok: 5 });
    await provider.clearFaults();
  });

  it('a killed collector: overrides expire at their TTL, local breakers serve on, clients reconnect', async () => {
    const model = 'gpt-4.1';
    await provider.script({ route: 'openai.chat', model, steps: [{ fault: 'error', status: 503 }] });
    await Promise.all([a.calls(model, 10), b.calls(model, 10)]);
    await allBreakers(
      'the fleet to open openai/gpt-4.1',
      [a, b, c],
      dep(model),
      (v) => v?.source === 'fleet',
    );

    await collector.proc.kill9();
    const killedAt = Date.now();
    // Losing the stream does not clear anything: the override is still in force right after.
    assert.equal((await c.breaker(dep(model)))?.source, 'fleet', 'override survives the disconnect');
    // Calls never wait for the control plane.
    const healthy = await a.calls(HEALTHY, 5);
    assert.deepEqual(healthy.counts, { ok: 5 });
    assert.ok(healthy.maxCallMs < 500, `calls are not slowed by a dead collector (${healthy.maxCallMs} ms)`);

    await allBreakers(
      'every override to lapse',
      [a, b, c],
      dep(model),
      (v) => v?.source === 'local',
      TTL_MS + 3_000,
    );
    const lapsedAfter = Date.now() - killedAt;
    console.log(`# collector killed → overrides lapsed after ${lapsedAfter} ms (ttl ${TTL_MS} ms)`);
    // At most a TTL after its last re-issue, which can be just before the kill; the slack covers
    // the 50 ms polling, three /state requests and timer lag on a busy machine.
    assert.ok(lapsedAfter <= TTL_MS + 1_500, `lapsed within the TTL (${lapsedAfter} ms)`);
    // Re-issued every ~ttl/2, so an override has between half and all of its TTL left at the
    // kill: it lapses then, not at once.
    assert.ok(lapsedAfter >= 500, `…and not at the disconnect (${lapsedAfter} ms)`);
    assert.equal(await c.metric('breakwater_control_connected'), 0);
    assert.equal(await c.metric('breakwater_control_overrides'), 0);

    // Local breakers alone decide: c's first calls reach the failing provider, then its own breaker opens.
    const before = await provider.count(model);
    const rc = await c.calls(model, 15);
    const reached = (await provider.count(model)) - before;
    assert.ok(rc.outcomes.includes('overloaded'), `c's calls reach the provider again: ${rc.outcomes}`);
    assert.equal(rc.outcomes.at(-1), 'circuit_open:local', `then c's local breaker refuses: ${rc.outcomes}`);
    assert.ok(reached >= 8 && reached < 45, `${reached} requests reached the provider`);
    assert.deepEqual((await c.calls(HEALTHY, 3)).counts, { ok: 3 }, 'healthy models keep working');

    // The collector returns on the same port: every client reconnects on its own.
    await collector.restart();
    const restartedAt = Date.now();
    await waitFor('every replica to reconnect', allConnected, { timeoutMs: 20_000, intervalMs: 100 });
    console.log(`# collector restarted → all reconnected after ${Date.now() - restartedAt} ms`);

    // …and obey the new collector's decisions.
    const model2 = 'gpt-4.1-mini';
    await provider.script({ route: 'openai.chat', model: model2, steps: [{ fault: 'error', status: 529 }] });
    await Promise.all([a.calls(model2, 10), b.calls(model2, 10)]);
    await allBreakers(
      'the restarted collector to open openai/gpt-4.1-mini',
      [a, b, c],
      dep(model2),
      (v) => v?.source === 'fleet',
    );
    assert.deepEqual((await c.calls(model2, 3)).counts, { 'circuit_open:fleet': 3 });
    await provider.clearFaults();
  });

  it('forged and malformed signals are dropped and counted, never applied', async () => {
    await waitFor('e to apply the forged server’s last valid signal', async () => {
      const v = await e.breaker('openai/canary-2');
      return v?.source === 'fleet';
    });
    const state = await e.state();
    for (const forgedDep of [
      'openai/forged-a',
      'openai/forged-b',
      'openai/forged-c',
      'openai/forged-d',
      'openai/forged-e',
    ]) {
      assert.equal(state.breakers[forgedDep]?.override, undefined, `${forgedDep} has no override`);
    }
    // A replayed "closed" (an earlier event id of the run) could not undo the newer "open".
    assert.equal(state.breakers['openai/canary']?.state, 'open');
    assert.equal(state.breakers['openai/canary']?.source, 'fleet');
    const result = (r: string) =>
      e.metric('breakwater_control_signals_total', { breakwater_signal_result: r });
    assert.equal(await result('malformed'), 5);
    assert.equal(await result('unknown_event'), 1);
    assert.equal(await result('foreign'), 1);
    assert.equal(await result('stale'), 1);
    assert.equal(await result('applied'), 2);
    // e's calls to the models named in the forged signals still reach the provider.
    assert.deepEqual((await e.calls('forged-a', 3)).counts, { ok: 3 });
  });

  it('with auth on, the collector refuses a wrong subscribe token (and forged telemetry)', async () => {
    const stream = (headers: Record<string, string>) =>
      fetch(`${authCollector.url}/v1/signals`, { headers: { accept: 'text/event-stream', ...headers } }).then(
        async (r) => {
          const out = {
            status: r.status,
            type: r.headers.get('content-type'),
            auth: r.headers.get('www-authenticate'),
          };
          await r.body?.cancel();
          return out;
        },
      );
    const none = await stream({});
    assert.equal(none.status, 401);
    const wrong = await stream({ authorization: 'Bearer wrong-token-0123456789' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.auth ?? '', /invalid_token/);
    const ingestOnly = await stream({ authorization: `Bearer ${INGEST_TOKEN}` });
    assert.equal(ingestOnly.status, 403, 'an ingest token cannot subscribe');
    assert.equal(
      (
        await fetch(`${authCollector.url}/v1/signals/active`, {
          headers: { authorization: 'Bearer nope-nope-nope-nope' },
        })
      ).status,
      401,
    );
    const ok = await stream({ authorization: `Bearer ${SUBSCRIBE_TOKEN}` });
    assert.equal(ok.status, 200);
    assert.match(ok.type ?? '', /text\/event-stream/);
    // Spans without an ingest token are refused, so nobody can forge an outage either.
    const forgedExport = await fetch(`${authCollector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans":[]}',
    });
    assert.equal(forgedExport.status, 401);
    await forgedExport.arrayBuffer();
  });
});

// ── a forged signal server ──────────────────────────────────────────────────────────────────

function signal(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id: `forged-${Math.random().toString(36).slice(2)}`,
    kind: 'breaker',
    state: 'open',
    ttlMs: 60_000,
    issuedAt: Date.now(),
    reason: { errorRatio: 1, window: '10s', volume: 100, instances: 5, topErrorTypes: [] },
    ...fields,
  };
}

/**
 * Pretends to be a collector's `GET /v1/signals`: on the first connection it sends malformed,
 * unknown, foreign and stale events between two valid signals, then heartbeats.
 */
class ForgedSignalServer {
  readonly url: string;
  private readonly server: Server;
  private readonly streams: Set<ServerResponse>;
  private constructor(server: Server, url: string, streams: Set<ServerResponse>) {
    this.server = server;
    this.url = url;
    this.streams = streams;
  }

  static async start(): Promise<ForgedSignalServer> {
    let connections = 0;
    const streams = new Set<ServerResponse>();
    const server = createServer((req, res) => {
      if (!req.url?.startsWith('/v1/signals')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      streams.add(res);
      res.on('close', () => streams.delete(res));
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 500);
      res.on('close', () => clearInterval(heartbeat));
      if (connections++ > 0) return; // later connections: silence (an empty snapshot would clear)
      const now = Date.now();
      // [event type, data, event id (default: the next in sequence)]
      const events: Array<[string, string, string?]> = [
        [
          'snapshot',
          JSON.stringify({ now, signals: [signal({ dependency: 'openai/forged-a', state: 'opne' })] }),
        ],
        ['signal', '{"id": "forged-x", "kind": "breaker", '],
        ['signal', JSON.stringify(signal({ dependency: 'openai/forged-b', ttlMs: -5 }))],
        ['signal', JSON.stringify(signal({ dependency: 'openai/forged-c', allow: 7, state: 'half_open' }))],
        ['signal', JSON.stringify(signal({ dependency: 'openai/forged-e', ttlMs: 10 * 3_600_000 }))],
        ['exploit', JSON.stringify(signal({ dependency: 'openai/forged-a' }))],
        ['signal', JSON.stringify(signal({ dependency: 'openai/forged-d', service: 'someone-else' }))],
        ['signal', JSON.stringify(signal({ dependency: 'openai/canary', issuedAt: now }))],
        // A replay: an earlier event of the run (SDKs order by event id, never by issuedAt).
        ['signal', JSON.stringify(signal({ dependency: 'openai/canary', state: 'closed' })), 'forged:2'],
        ['signal', JSON.stringify(signal({ dependency: 'openai/canary-2' }))],
      ];
      let text = 'retry: 300\n\n';
      events.forEach(([type, data, id], i) => {
        text += `event: ${type}\nid: ${id ?? `forged:${i + 1}`}\ndata: ${data}\n\n`;
      });
      res.write(text);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new ForgedSignalServer(server, `http://127.0.0.1:${port}`, streams);
  }

  async close(): Promise<void> {
    for (const res of this.streams) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
