/**
 * Breakwater on Bun (the `bun` binary from the `bun` npm package, a devDependency here): small apps
 * in fixtures/ run under the real runtime the ways a Bun user starts them, against the fault
 * provider with the real clients, exporting to an OTLP receiver in this process (and, for the
 * fleet breaker, to a real collector). Spans and metrics are held back (60 s batch delay and
 * metric interval) so that only the flush at SIGTERM/SIGINT can deliver them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { Collector } from '../fleet/cluster.ts';
import { REPO_ROOT, type StartOptions, startProcess, stopAll } from '../harness/process.ts';
import { ANSWERS, endWith, RuntimeAppChecks, resultsOf, UNINSTRUMENTED } from '../harness/runtime-app.ts';
import { type SpanReceiver, startSpanReceiver } from '../harness/span-receiver.ts';

const BUN = join(REPO_ROOT, 'node_modules', '.bin', 'bun');
const FIXTURES = join(REPO_ROOT, 'test', 'bun', 'fixtures');
/** Runs the workspace packages from their TypeScript sources, as the other tests do. */
const SOURCE = '--conditions=@breakwater/source';

const probe = spawnSync(BUN, ['--version'], { encoding: 'utf8' });
const skip = probe.status !== 0 && `the bun binary does not run here: ${probe.error ?? probe.stderr}`;

let receiver: SpanReceiver;
let fp: FaultProvider;
let checks: RuntimeAppChecks;
let work: string;

before(async () => {
  receiver = await startSpanReceiver();
  fp = await startFaultProvider();
  checks = new RuntimeAppChecks(fp, receiver);
  work = mkdtempSync(join(tmpdir(), 'bw-bun-'));
});
after(async () => {
  await stopAll();
  await fp?.close();
  receiver?.close();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** Starts `command args` (bun, or a binary it built) as an app of the test; ready at its results line. */
function startApp(command: string, args: readonly string[], prefix: string, options: StartOptions = {}) {
  return startProcess(command, args, {
    cwd: FIXTURES,
    readyLine: /^results /m,
    timeoutMs: 30_000,
    name: prefix,
    ...options,
    env: {
      FAULT_URL: fp.url,
      MODEL_PREFIX: prefix,
      OTEL_SERVICE_NAME: `bun-${prefix}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
      OTEL_LOGS_EXPORTER: 'none',
      BREAKWATER_CONTROL: 'false',
      ...options.env,
    },
  });
}

describe('Bun', { skip }, () => {
  it('bun --preload @breakwater/node/register instruments a TypeScript ES module app, and SIGTERM flushes it', async () => {
    const prefix = 'preload';
    checks.scriptOne503(prefix);
    const app = await startApp(
      BUN,
      [SOURCE, '--preload', '@breakwater/node/register', 'preloaded.ts'],
      prefix,
    );
    assert.deepEqual(resultsOf(app), ANSWERS);
    assert.equal(checks.spansOf(`${prefix}-gpt`).length, 0, 'spans were exported before the signal');
    await endWith(app, 'SIGTERM');
    checks.assertAllCallsInstrumented(prefix);
    for (const name of [
      'breakwater.calls',
      'gen_ai.client.operation.duration',
      'breakwater.circuit_breaker.state',
    ])
      assert.ok(receiver.metricNames.has(name), `metric ${name} exported`);
    assert.doesNotMatch(app.output(), UNINSTRUMENTED);
    assert.doesNotMatch(app.output(), /\[breakwater\]/, 'Breakwater logged a problem');
  });

  it('start() at the top of an ES module entry instruments the clients its imports loaded first', async () => {
    const prefix = 'started';
    checks.scriptOne503(prefix);
    const app = await startApp(BUN, [SOURCE, 'started.ts'], prefix);
    assert.deepEqual(resultsOf(app), ANSWERS);
    await endWith(app, 'SIGTERM');
    checks.assertAllCallsInstrumented(prefix);
    assert.doesNotMatch(app.output(), UNINSTRUMENTED);
    assert.doesNotMatch(app.output(), /\[breakwater\]/, 'Breakwater logged a problem');
  });

  it('a CommonJS app that calls start() before require(openai) is instrumented, and SIGINT flushes it', async () => {
    const prefix = 'cjs';
    checks.scriptOne503(prefix);
    const app = await startApp(BUN, [SOURCE, 'started.cjs'], prefix);
    assert.deepEqual(resultsOf(app), { chat: 'You said: hi' });
    await endWith(app, 'SIGINT');
    checks.assertOperation(`${prefix}-gpt`, 'openai.chat', 2);
    assert.doesNotMatch(app.output(), UNINSTRUMENTED);
  });

  describe('bun build --compile, the clients in the executable', () => {
    let binary: string;
    before(() => {
      binary = join(work, 'bundled');
      const build = spawnSync(
        BUN,
        ['build', SOURCE, '--compile', join(FIXTURES, 'bundled.ts'), '--outfile', binary],
        { encoding: 'utf8' },
      );
      assert.equal(build.status, 0, `${build.stdout}${build.stderr}`);
    });

    it('instrument({ openai, anthropic }) instruments them, run where no node_modules is', async () => {
      const prefix = 'compiled';
      checks.scriptOne503(prefix);
      const app = await startApp(binary, [], prefix, { cwd: work, env: { INSTRUMENT: '1' } });
      assert.equal(await app.exited, 0, app.output());
      assert.deepEqual(resultsOf(app), ANSWERS);
      checks.assertAllCallsInstrumented(prefix);
      assert.doesNotMatch(app.output(), UNINSTRUMENTED);
    });

    it('without instrument() they are not instrumented, and their first request says so', async () => {
      const prefix = 'compiled-bare';
      checks.scriptOne503(prefix);
      const app = await startApp(binary, [], prefix, { cwd: work });
      assert.equal(await app.exited, 0, app.output());
      assert.deepEqual(resultsOf(app), ANSWERS);
      // The client's own retry answered the 503: no span, no policy.
      assert.equal(fp.count({ route: 'openai.chat', model: `${prefix}-gpt` }), 2);
      assert.deepEqual(checks.spansOf(`${prefix}-gpt`), []);
      const warnings = app
        .output()
        .split('\n')
        .filter((line) => UNINSTRUMENTED.test(line));
      assert.equal(warnings.length, 2, app.output());
      assert.match(
        warnings[0]!,
        /openai sent a request to http:\/\/127\.0\.0\.1:\d+ that Breakwater does not instrument/,
      );
      assert.match(warnings[0]!, /bun build/);
      assert.match(warnings[1]!, /@anthropic-ai\/sdk sent a request .* instrument\(\{ anthropic \}\)/);
    });
  });

  it("the collector's fleet breaker signal reaches a Bun app and refuses its calls", async () => {
    const prefix = 'fleet';
    fp.script({
      route: 'openai.chat',
      model: `${prefix}-gpt`,
      steps: [{ fault: 'error', status: 503, count: 1000 }],
    });
    const collector = await Collector.start(
      join(work, 'collector'),
      `
logLevel: warn
store: { kind: memory }
fleet:
  evaluateInterval: 200ms
  quorum: 1
  windows: [{ duration: 5s, minVolume: 4 }]
  ttl: 2s
  stream: { heartbeat: 1s, retry: 300ms }
`,
    );
    // Ready once refused: an app whose calls the signal never reaches fails at the timeout.
    const app = await startApp(BUN, [SOURCE, 'fleet.ts'], prefix, {
      readyLine: /refused by the fleet after \d+ calls/,
      timeoutMs: 20_000,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        BREAKWATER_CONTROL: 'true',
        MAX_CALLS: '100',
      },
    });
    assert.equal(await app.exited, 0, app.output());
    assert.match(app.output(), new RegExp(`fleet override applied: openai/${prefix}-gpt (open|half_open)`));
    await collector.proc.stop();
  });
});
