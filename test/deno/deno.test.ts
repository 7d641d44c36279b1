/**
 * Breakwater on Deno 2 (the `deno` binary from the `deno` npm package, a devDependency here): small
 * TypeScript apps in fixtures/ run under `deno run` with the repository's package.json and
 * node_modules, against the fault provider with the real clients, exporting to an OTLP receiver
 * in this process. Spans and metrics are held back (60 s batch delay and metric interval) so that
 * only the flush at SIGTERM/SIGINT can deliver them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { REPO_ROOT, type RunningProcess, startProcess, stopAll } from '../harness/process.ts';
import { ANSWERS, endWith, RuntimeAppChecks, resultsOf, UNINSTRUMENTED } from '../harness/runtime-app.ts';
import { type SpanReceiver, startSpanReceiver } from '../harness/span-receiver.ts';

const DENO = join(REPO_ROOT, 'node_modules', '.bin', 'deno');
const FIXTURES = join(REPO_ROOT, 'test', 'deno', 'fixtures');
/** Runs the workspace packages from their TypeScript sources, as the other tests do. */
const SOURCE = '--conditions=@breakwater/source';
/** What a Breakwater app needs: the provider and the receiver, its OTEL_* variables, node_modules. */
const PERMISSIONS = ['--allow-net=127.0.0.1', '--allow-env', '--allow-read'];

const probe = spawnSync(DENO, ['--version'], { encoding: 'utf8' });
const skip = probe.status !== 0 && `the deno binary does not run here: ${probe.error ?? probe.stderr}`;

let receiver: SpanReceiver;
let fp: FaultProvider;
let checks: RuntimeAppChecks;
let denoDir: string;

before(async () => {
  receiver = await startSpanReceiver();
  fp = await startFaultProvider();
  checks = new RuntimeAppChecks(fp, receiver);
  // Deno's cache of transpiled modules, kept out of the user's home.
  denoDir = mkdtempSync(join(tmpdir(), 'bw-deno-'));
});
after(async () => {
  await stopAll();
  await fp?.close();
  receiver?.close();
  if (denoDir !== undefined) rmSync(denoDir, { recursive: true, force: true });
});

/** `deno run <args>` as an app of the test; ready at its results line. */
function startApp(args: readonly string[], prefix: string): Promise<RunningProcess> {
  return startProcess(DENO, ['run', SOURCE, ...args], {
    cwd: FIXTURES,
    readyLine: /^results /m,
    timeoutMs: 30_000,
    name: prefix,
    env: {
      DENO_DIR: denoDir,
      NO_COLOR: '1',
      FAULT_URL: fp.url,
      MODEL_PREFIX: prefix,
      OTEL_SERVICE_NAME: `deno-${prefix}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
      OTEL_LOGS_EXPORTER: 'none',
      BREAKWATER_CONTROL: 'false',
    },
  });
}

describe('Deno', { skip }, () => {
  it('deno run --preload npm:@breakwater/node/register instruments a TypeScript app, and SIGTERM flushes it', async () => {
    const prefix = 'preload';
    checks.scriptOne503(prefix);
    const app = await startApp(
      [...PERMISSIONS, '--preload', 'npm:@breakwater/node/register', 'preloaded.ts'],
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
    assert.doesNotMatch(
      app.output(),
      /BREAKWATER_|\[breakwater\]|Error/,
      'Breakwater or Deno said something',
    );
  });

  it('start().instrument({ openai, anthropic }) at the top of the entry instruments them, and SIGINT flushes it', async () => {
    const prefix = 'instrumented';
    checks.scriptOne503(prefix);
    const app = await startApp([...PERMISSIONS, 'instrumented.ts'], prefix);
    assert.deepEqual(resultsOf(app), ANSWERS);
    await endWith(app, 'SIGINT');
    checks.assertAllCallsInstrumented(prefix);
    assert.doesNotMatch(app.output(), /BREAKWATER_|\[breakwater\]/);
  });

  it("start() alone leaves the entry's imports uninstrumented, and each client's first request says so", async () => {
    const prefix = 'started';
    checks.scriptOne503(prefix);
    const app = await startApp([...PERMISSIONS, 'started.ts'], prefix);
    assert.deepEqual(resultsOf(app), ANSWERS);
    await endWith(app, 'SIGTERM');
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
    assert.match(warnings[1]!, /@anthropic-ai\/sdk sent a request/);
  });

  it('without --allow-read the clients cannot be instrumented, and the app is told so', async () => {
    const prefix = 'no-read';
    const app = await startApp(
      ['--allow-net=127.0.0.1', '--allow-env', '--preload', 'npm:@breakwater/node/register', 'preloaded.ts'],
      prefix,
    );
    await endWith(app, 'SIGTERM');
    assert.deepEqual(checks.spansOf(`${prefix}-gpt`), []);
    assert.match(
      app.output(),
      /openai \(loaded as "openai"\) is not instrumented by Breakwater: .*--allow-read/,
    );
    assert.match(app.output(), /@anthropic-ai\/sdk \(loaded as "@anthropic-ai\/sdk"\) is not instrumented/);
  });
});
