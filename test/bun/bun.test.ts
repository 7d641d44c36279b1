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
import {
  REPO_ROOT,
  type RunningProcess,
  type StartOptions,
  startProcess,
  stopAll,
} from '../harness/process.ts';
import { type SpanReceiver, spanAttr, startSpanReceiver } from '../harness/span-receiver.ts';

const BUN = join(REPO_ROOT, 'node_modules', '.bin', 'bun');
const FIXTURES = join(REPO_ROOT, 'test', 'bun', 'fixtures');
/** Runs the workspace packages from their TypeScript sources, as the other tests do. */
const SOURCE = '--conditions=@breakwater/source';

const probe = spawnSync(BUN, ['--version'], { encoding: 'utf8' });
const skip = probe.status !== 0 && `the bun binary does not run here: ${probe.error ?? probe.stderr}`;

const UNINSTRUMENTED = /BREAKWATER_UNINSTRUMENTED_CLIENT/;

let receiver: SpanReceiver;
let fp: FaultProvider;
let work: string;

before(async () => {
  receiver = await startSpanReceiver();
  fp = await startFaultProvider();
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

/** The app's results line. */
function resultsOf(app: RunningProcess): Record<string, string> {
  const line = /^results (.*)$/m.exec(app.output());
  assert.ok(line, app.output());
  return JSON.parse(line[1]!) as Record<string, string>;
}

/** Sends `signal` and waits for the app to end; it must end by that signal, as Node's would. */
async function endWith(app: RunningProcess, signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
  app.child.kill(signal);
  const code = await app.exited;
  assert.equal(code, null, `${app.name} exited with ${code} instead of ending by ${signal}\n${app.output()}`);
  assert.equal(app.child.signalCode, signal);
}

/** The first answer of `<prefix>-gpt` is a 503. */
function scriptOne503(prefix: string): void {
  fp.script({
    route: 'openai.chat',
    model: `${prefix}-gpt`,
    steps: [{ fault: 'error', status: 503, count: 1 }],
  });
}

/** Breakwater's spans of calls to `model`. */
const spansOf = (model: string) =>
  receiver.spans.filter((s) => String(spanAttr(s, 'breakwater.dependency')).endsWith(`/${model}`));

/** `model`'s call was one operation span of `attempts` attempts, each a request at the provider. */
function assertOperation(model: string, route: 'openai.chat' | 'anthropic.messages', attempts: number): void {
  const spans = spansOf(model);
  const operations = spans.filter((s) => spanAttr(s, 'breakwater.role') === 'operation');
  assert.equal(operations.length, 1, `${model}: operation spans`);
  assert.equal(spanAttr(operations[0]!, 'breakwater.retry.attempts'), attempts, model);
  assert.equal(spanAttr(operations[0]!, 'breakwater.breaker.state'), 'closed', model);
  assert.equal(spans.filter((s) => spanAttr(s, 'breakwater.role') === 'attempt').length, attempts, model);
  assert.equal(fp.count({ route, model }), attempts, `${model}: requests at the provider`);
}

/** Every call of calls.ts went through Breakwater, the 503 retried by the policy alone. */
function assertAllCallsInstrumented(prefix: string): void {
  assertOperation(`${prefix}-gpt`, 'openai.chat', 2);
  assertOperation(`${prefix}-gpt-stream`, 'openai.chat', 1);
  assertOperation(`${prefix}-claude`, 'anthropic.messages', 1);
  assertOperation(`${prefix}-claude-stream`, 'anthropic.messages', 1);
  const attempt = spansOf(`${prefix}-gpt`).find(
    (s) => spanAttr(s, 'breakwater.error.category') !== undefined,
  );
  assert.equal(attempt && spanAttr(attempt, 'breakwater.error.category'), 'overloaded');
}

const ANSWERS = {
  chat: 'You said: hi',
  streamed: 'You said: hi',
  claude: 'You said: hi',
  claudeStreamed: 'You said: hi',
};

describe('Bun', { skip }, () => {
  it('bun --preload @breakwater/node/register instruments a TypeScript ES module app, and SIGTERM flushes it', async () => {
    const prefix = 'preload';
    scriptOne503(prefix);
    const app = await startApp(
      BUN,
      [SOURCE, '--preload', '@breakwater/node/register', 'preloaded.ts'],
      prefix,
    );
    assert.deepEqual(resultsOf(app), ANSWERS);
    assert.equal(spansOf(`${prefix}-gpt`).length, 0, 'spans were exported before the signal');
    await endWith(app, 'SIGTERM');
    assertAllCallsInstrumented(prefix);
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
    scriptOne503(prefix);
    const app = await startApp(BUN, [SOURCE, 'started.ts'], prefix);
    assert.deepEqual(resultsOf(app), ANSWERS);
    await endWith(app, 'SIGTERM');
    assertAllCallsInstrumented(prefix);
    assert.doesNotMatch(app.output(), UNINSTRUMENTED);
    assert.doesNotMatch(app.output(), /\[breakwater\]/, 'Breakwater logged a problem');
  });

  it('a CommonJS app that calls start() before require(openai) is instrumented, and SIGINT flushes it', async () => {
    const prefix = 'cjs';
    scriptOne503(prefix);
    const app = await startApp(BUN, [SOURCE, 'started.cjs'], prefix);
    assert.deepEqual(resultsOf(app), { chat: 'You said: hi' });
    await endWith(app, 'SIGINT');
    assertOperation(`${prefix}-gpt`, 'openai.chat', 2);
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
      scriptOne503(prefix);
      const app = await startApp(binary, [], prefix, { cwd: work, env: { INSTRUMENT: '1' } });
      assert.equal(await app.exited, 0, app.output());
      assert.deepEqual(resultsOf(app), ANSWERS);
      assertAllCallsInstrumented(prefix);
      assert.doesNotMatch(app.output(), UNINSTRUMENTED);
    });

    it('without instrument() they are not instrumented, and their first request says so', async () => {
      const prefix = 'compiled-bare';
      scriptOne503(prefix);
      const app = await startApp(binary, [], prefix, { cwd: work });
      assert.equal(await app.exited, 0, app.output());
      assert.deepEqual(resultsOf(app), ANSWERS);
      // The client's own retry answered the 503: no span, no policy.
      assert.equal(fp.count({ route: 'openai.chat', model: `${prefix}-gpt` }), 2);
      assert.deepEqual(spansOf(`${prefix}-gpt`), []);
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
