/**
 * The collector behind nginx terminating TLS under a path prefix, as production runs it: real
 * processes on 127.0.0.1 (the collector, the fault provider, agent-service replicas with
 * `@breakwater/node` exporting OTLP and holding the fleet signal stream, the gate CLI, headless
 * Chromium), Debian's nginx with a private CA's certificate, and the SDKs given the CA the way a
 * user does it (`NODE_EXTRA_CA_CERTS`).
 *
 * nginx's locations:
 * - `/breakwater/`: nginx's defaults as a user writes them (`proxy_pass` with a trailing slash and
 *   nothing else), except `proxy_read_timeout 400ms` standing in for its 60 s default, against a
 *   100 ms signal heartbeat (the default 15 s heartbeat is a quarter of 60 s too);
 * - `/recommended/`: the configuration the collector README recommends;
 * - `/ingress`: what ingress-nginx makes of `path: /ingress(/|$)(.*)` with `rewrite-target: /$2`,
 *   which serves the status page without a trailing slash too.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { COLLECTOR_CLI, Collector, Provider, REPO_ROOT, Replica } from '../fleet/cluster.ts';
import { launchChromium } from '../harness/chromium.ts';
import { type Nginx, startNginx } from '../harness/nginx.ts';
import { SOURCE_NODE_ARGS, stopAll } from '../harness/process.ts';
import { makeTestTls, type TestTls } from '../harness/tls.ts';
import { waitFor } from '../harness/wait.ts';

const SERVICE = 'proxied-agent';
/** Stands in for nginx's 60 s: four heartbeats, as 60 s is four of the default 15 s. */
const PROXY_READ_TIMEOUT_MS = 400;
const COLLECTOR_YAML = `
logLevel: warn
store: { kind: memory }
fleet:
  evaluateInterval: 200ms
  quorum: 2
  windows: [{ duration: 10s, minVolume: 6 }]
  ttl: 3s
  openDuration: 60s
  stream: { heartbeat: 100ms, retry: 300ms }
`;

/**
 * The configuration the collector README recommends ("Behind a reverse proxy"), under
 * `/recommended/`, for the collector on `port`.
 */
const recommended = (port: number) => ({
  http: `
  upstream breakwater {
    server 127.0.0.1:${port};
    keepalive 16;
  }`,
  location: `
    location /recommended/ {
      proxy_pass http://breakwater/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host localhost;
      proxy_buffering off;
      client_max_body_size 64m;
    }`,
});

const nginxConfig = (port: number) => ({
  http: recommended(port).http,
  server: `
    location /breakwater/ {
      proxy_pass http://127.0.0.1:${port}/;
      proxy_read_timeout ${PROXY_READ_TIMEOUT_MS}ms;
    }
    ${recommended(port).location}
    location ~ ^/ingress(/|$)(.*) {
      proxy_pass http://127.0.0.1:${port}/$2$is_args$args;
    }`,
});

/** Local policy: quick retries, and a local breaker that does not trip before the fleet does. */
const POLICY = {
  retry: { baseDelayMs: 20, maxDelayMs: 100 },
  breaker: { minimumCalls: 1, consecutiveFailures: 1_000, openMs: 1_000 },
};
const EXPORT_ENV = { OTEL_BSP_SCHEDULE_DELAY: '250', OTEL_METRIC_EXPORT_INTERVAL: '500' };
const HEALTHY = 'gpt-4o-mini';
const FAILING = 'gpt-4o';

/** Runs `node <args>` (the repository's sources) to its end; stdout and stderr together. */
function runNode(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...SOURCE_NODE_ARGS, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({
          code: typeof error?.code === 'number' ? error.code : error ? -1 : 0,
          output: stdout + stderr,
        }),
    );
  });
}

describe('the collector behind nginx with TLS and a path prefix', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-reverse-proxy-'));
  let tls: TestTls;
  let nginx: Nginx;
  let collector: Collector;
  let provider: Provider;
  /** Exports JSON through `/breakwater/` (nginx's defaults). */
  let a: Replica;
  /** Exports gzip through `/recommended/`. */
  let b: Replica;
  /** When both replicas' signal streams were open. */
  let streamsUpAt = 0;
  const trustCa = () => ({ NODE_EXTRA_CA_CERTS: tls.caFile });
  const signalStreamsEnded = () => nginx.accessLog().filter((l) => / GET \/breakwater\/v1\/signals/.test(l));

  before(async () => {
    tls = makeTestTls(dir);
    [collector, provider] = await Promise.all([
      Collector.start(path.join(dir, 'collector'), COLLECTOR_YAML),
      Provider.start(),
    ]);
    nginx = await startNginx(path.join(dir, 'nginx'), tls, nginxConfig(collector.port));
    const common = {
      providerUrl: provider.url,
      serviceName: SERVICE,
      policy: POLICY,
      prometheus: true,
    };
    [a, b] = await Promise.all([
      Replica.start({
        ...common,
        name: 'a',
        collectorUrl: `${nginx.url}/breakwater`,
        env: { ...EXPORT_ENV, ...trustCa() },
      }),
      Replica.start({
        ...common,
        name: 'b',
        collectorUrl: `${nginx.url}/recommended`,
        env: { ...EXPORT_ENV, ...trustCa(), OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' },
      }),
    ]);
    await waitFor('both signal streams open', async () => {
      for (const r of [a, b]) if ((await r.metric('breakwater_control_connected')) !== 1) return false;
      return true;
    });
    streamsUpAt = Date.now();
  });

  after(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('OTLP traces and metrics (JSON and gzip) arrive through TLS and the prefix', async () => {
    for (const r of [a, b]) assert.deepEqual((await r.calls(HEALTHY, 3)).counts, { ok: 3 }, r.name);
    // Read on the collector itself: spans of both instances (traces) and their breaker states (metrics).
    await waitFor('both replicas’ spans and breaker states at the collector', async () => {
      const status = (await (await fetch(`${collector.url}/v1/status`)).json()) as {
        dependencies: Array<{ dependency: string; windows: Array<{ reportingInstances: number }> }>;
        breakerStates: Array<{ instanceId: string }>;
      };
      const dep = status.dependencies.find((d) => d.dependency === `openai/${HEALTHY}`);
      const instances = new Set(status.breakerStates.map((s) => s.instanceId));
      return (dep?.windows[0]?.reportingInstances ?? 0) >= 2 && instances.has('a') && instances.has('b');
    });
    const log = nginx.accessLog();
    for (const line of ['200 POST /breakwater/v1/traces', '200 POST /breakwater/v1/metrics']) {
      assert.ok(
        log.some((l) => l.startsWith(line)),
        `${line} in\n${log.join('\n')}`,
      );
    }
    for (const line of ['200 POST /recommended/v1/traces', '200 POST /recommended/v1/metrics']) {
      assert.ok(
        log.some((l) => l.startsWith(line)),
        `${line} in\n${log.join('\n')}`,
      );
    }
    for (const r of [a, b])
      assert.doesNotMatch(r.proc.output(), /export failed|control stream cannot/, r.name);
  });

  it('a breaker-open signal reaches every SDK as it is issued, on streams nginx never cut', async () => {
    const openedAt = Date.now();
    for (const r of [a, b]) assert.equal(await r.metric('breakwater_control_connected'), 1, r.name);
    await provider.script({ route: 'openai.chat', model: FAILING, steps: [{ fault: 'error', status: 503 }] });
    await Promise.all([a.calls(FAILING, 5), b.calls(FAILING, 5)]);
    await waitFor(
      'the fleet override on both replicas',
      async () => {
        const views = await Promise.all([a, b].map((r) => r.breaker(`openai/${FAILING}`)));
        return views.every((v) => v?.state === 'open' && v.source === 'fleet');
      },
      { timeoutMs: 10_000 },
    );
    console.log(`# failures → fleet open on both SDKs through nginx: ${Date.now() - openedAt} ms`);
    // No stream through /breakwater/ ended: the signal came through an open stream, not with a
    // connection's end (a buffering proxy releases a stream's bytes only then), and the heartbeat
    // kept nginx's read timeout from cutting it, for several times that timeout.
    await waitFor(
      'the streams to be open for three read timeouts',
      () => Date.now() - streamsUpAt > 3 * PROXY_READ_TIMEOUT_MS,
    );
    assert.deepEqual(signalStreamsEnded(), []);
    assert.deepEqual((await a.calls(FAILING, 3)).counts, { 'circuit_open:fleet': 3 });
  });

  it("a batch over nginx's default body limit (1 MiB) is told as the proxy's; the recommended location takes it", async () => {
    const bigBatchTo = (prefix: string) =>
      runNode(['test/reverse-proxy/big-batch.ts', `${nginx.url}/${prefix}`], trustCa());
    const [plain, tuned] = await Promise.all([bigBatchTo('breakwater'), bigBatchTo('recommended')]);
    assert.match(plain.output, /done/, plain.output);
    assert.match(
      plain.output,
      /span export failed.*: a proxy in front of the collector refused the batch as too large \(HTTP 413.*client_max_body_size/,
    );
    assert.doesNotMatch(plain.output, /maxJsonBodyBytes/);
    assert.match(tuned.output, /done/, tuned.output);
    assert.doesNotMatch(tuned.output, /export failed/, tuned.output);
    const log = nginx.accessLog();
    assert.ok(
      log.some((l) => l.startsWith('413 POST /breakwater/v1/traces')),
      log.join('\n'),
    );
    assert.ok(
      log.some((l) => l.startsWith('200 POST /recommended/v1/traces') && Number(l.split(' ')[3]) > 1_048_576),
      log.join('\n'),
    );
  });

  it('the gate CLI answers through the https prefix with the private CA, and says so without it', async () => {
    const gate = ['gate', '--url', `${nginx.url}/breakwater`, '--service', SERVICE, '--version', '0.0.1'];
    const answered = await runNode([COLLECTOR_CLI, ...gate], trustCa());
    // A handful of events: HALT for missing data (exit 10), which is an answer from the collector.
    assert.equal(answered.code, 10, answered.output);
    assert.match(answered.output, new RegExp(`^HALT ${SERVICE}@0\\.0\\.1`, 'm'));
    const untrusted = await runNode([COLLECTOR_CLI, ...gate], {});
    assert.equal(untrusted.code, 2, untrusted.output);
    assert.match(
      untrusted.output,
      /cannot reach https:\/\/localhost:\d+\/breakwater: fetch failed: .*certificate/,
    );
  });

  it('the status page goes live under the prefix, also at the prefix without its trailing slash', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      // The browser trusts the test CA's certificate as an operator's browser trusts an internal CA.
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      for (const pagePath of ['/recommended/', '/ingress']) {
        const page = await context.newPage();
        const errors: string[] = [];
        const requested: string[] = [];
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        page.on('request', (r) => requested.push(new URL(r.url()).pathname));
        await page.goto(`${nginx.url}${pagePath}`);
        await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
        await page
          .locator('#sec-dependencies tr', { hasText: `openai/${FAILING}` })
          .first()
          .waitFor({ timeout: 10_000 });
        assert.deepEqual(errors, [], pagePath);
        // The live stream is read under the prefix, which the page's own path has without its slash.
        const prefix = pagePath.replace(/\/$/, '');
        assert.deepEqual(requested, [pagePath, `${prefix}/v1/status/events`], pagePath);
        await page.close();
      }
    } finally {
      await browser?.close();
    }
  });

  it('when nginx restarts, every SDK reconnects through it and holds the fleet override again', async () => {
    await nginx.stop();
    await waitFor('both streams to drop', async () => {
      for (const r of [a, b]) if ((await r.metric('breakwater_control_connected')) !== 0) return false;
      return true;
    });
    await nginx.restart();
    await waitFor(
      'both streams back, with the fleet override',
      async () => {
        for (const r of [a, b]) {
          if ((await r.metric('breakwater_control_connected')) !== 1) return false;
          const view = await r.breaker(`openai/${FAILING}`);
          if (view?.state !== 'open' || view.source !== 'fleet') return false;
        }
        return true;
      },
      { timeoutMs: 15_000 },
    );
  });

  it("nginx's 502 while the collector is down: clear lines from the SDK and the gate CLI, and recovery after", async () => {
    await collector.proc.stop();
    const gate = await runNode(
      [COLLECTOR_CLI, 'gate', '--url', `${nginx.url}/breakwater`, '--service', SERVICE, '--version', '0.0.1'],
      trustCa(),
    );
    assert.equal(gate.code, 2, gate.output);
    assert.equal(
      gate.output.trim(),
      'breakwater gate: GET /v1/gate → HTTP 502: an HTML page ("502 Bad Gateway"), not the collector\'s answer: a proxy in front of it answered; the collector is down or the proxy cannot reach it',
    );
    const downAt = Date.now();
    await a.calls(HEALTHY, 2);
    await waitFor(
      'the SDK to tell the export and stream failures',
      () =>
        /span export failed.*Export failed with retryable status: the collector answered 429, 502, 503 or 504/.test(
          a.proc.output(),
        ) &&
        /control stream cannot connect to .*: a proxy in front of the collector answered 502 with its own error page/.test(
          a.proc.output(),
        ),
      { timeoutMs: 20_000 },
    );
    assert.doesNotMatch(a.proc.output(), /<html>|<center>/);
    console.log(`# failures told after ${Date.now() - downAt} ms`);

    await collector.restart();
    await a.calls(HEALTHY, 2);
    await waitFor(
      'exports and the stream to recover through nginx',
      async () =>
        /span export recovered/.test(a.proc.output()) &&
        /control stream reconnected after/.test(a.proc.output()) &&
        (await a.metric('breakwater_control_connected')) === 1,
      { timeoutMs: 20_000 },
    );
    console.log(`# recovered ${Date.now() - downAt} ms after the collector stopped`);
  });
});
