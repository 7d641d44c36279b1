/**
 * A Next.js app (app router, fixtures/app) with Breakwater as its "Next.js" README section says:
 * `start()` and `instrument()` in instrumentation.ts, the clients in `serverExternalPackages`.
 * Built once per bundler, Turbopack (`next build`, Next 16's default) and webpack (`next build
 * --webpack`), each into its own folder of one copy of the app, and served by `next start`; then
 * one `next dev`. Route handlers call the real `openai` and `@anthropic-ai/sdk` clients and the AI
 * SDK against the fault provider; spans go to an OTLP receiver in this process.
 *
 * Takes about two and a half minutes on an idle 2-core machine (the Turbopack build about 25 s,
 * the webpack one about 50 s, `next dev` about 25 s compiling its two routes on their first
 * request), up to four on a busy one. `@types/react` is a devDependency of this workspace because
 * `next build` installs it into the nearest package.json when a TypeScript app lacks it. It needs the
 * workspace packages built (`npm run build`; `npm test` builds them first): a Next app loads
 * `@breakwater/node` from its `dist/`, as one that installed it from npm does.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { REPO_ROOT, type RunningProcess, startProcess, stopAll } from '../harness/process.ts';
import { type SpanReceiver, spanAttr, startSpanReceiver } from '../harness/span-receiver.ts';
import { waitFor } from '../harness/wait.ts';

const FIXTURES = fileURLToPath(new URL('fixtures/', import.meta.url));
const NEXT = join(REPO_ROOT, 'node_modules/next/dist/bin/next');
const UNINSTRUMENTED = /BREAKWATER_UNINSTRUMENTED_CLIENT/;

let receiver: SpanReceiver;
let fp: FaultProvider;
/** The app's copy: inside the repository (Turbopack compiles nothing above its root, found from
 * the lockfile), under fixtures/ so that the linter and the type check leave its build alone. */
let appDir: string;

before(async () => {
  assert.ok(
    existsSync(join(REPO_ROOT, 'packages/node/dist/index.js')),
    'the workspace packages are not built: run npm run build first',
  );
  receiver = await startSpanReceiver();
  fp = await startFaultProvider();
  appDir = await mkdtemp(join(FIXTURES, '.build-'));
  await cp(join(FIXTURES, 'app'), appDir, { recursive: true });
});
after(async () => {
  await stopAll();
  await fp?.close();
  receiver?.close();
  if (appDir !== undefined) await rm(appDir, { recursive: true, force: true });
});

/** What every Next process of the test gets: no telemetry of Next's own, no network but loopback. */
const nextEnv = (distDir: string): Record<string, string> => ({
  NEXT_TELEMETRY_DISABLED: '1',
  NEXT_DIST_DIR: distDir,
  FAULT_URL: fp.url,
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  BREAKWATER_CONTROL: 'false',
});

/** Runs `next build`, failing with its output if it fails. */
async function build(distDir: string, args: readonly string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [NEXT, 'build', ...args], {
    cwd: appDir,
    env: { ...process.env, ...nextEnv(distDir) },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 240_000,
  }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(
      `next build ${args.join(' ')} failed: ${error.message}\n${error.stdout}\n${error.stderr}`,
    );
  });
  return stdout + stderr;
}

/** Starts `next start` or `next dev` on a free port it picks itself; returns it with its URL. */
async function serve(
  command: 'start' | 'dev',
  distDir: string,
  env: Record<string, string> = {},
): Promise<{ server: RunningProcess; url: string }> {
  const server = await startProcess(process.execPath, [NEXT, command, '-p', '0', '-H', '127.0.0.1'], {
    cwd: appDir,
    env: { ...nextEnv(distDir), ...env },
    readyLine: /Ready in/,
    timeoutMs: 60_000,
    name: `next ${command} ${distDir}`,
  });
  const local = /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(server.output());
  assert.ok(local, server.output());
  return { server, url: local[1]! };
}

/** Breakwater's spans of calls naming `model`. */
const spansOf = (model: string) =>
  receiver.spans.filter((s) => String(spanAttr(s, 'breakwater.dependency')).endsWith(`/${model}`));

/** The operation span of `model`'s call, once exported. */
const operationOf = (model: string) =>
  waitFor(`the operation span of ${model}`, () =>
    spansOf(model).find((s) => spanAttr(s, 'breakwater.role') === 'operation'),
  );

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

/** The instrumentation's policy: four attempts, one more than the three 503s scripted. */
const ATTEMPTS = 4;

for (const bundler of ['turbopack', 'webpack'] as const) {
  describe(`next build${bundler === 'webpack' ? ' --webpack' : ''} and next start`, () => {
    const distDir = `.next-${bundler}`;
    let url: string;
    let output: () => string;

    before(
      async () => {
        const log = await build(distDir, bundler === 'webpack' ? ['--webpack'] : []);
        assert.match(
          log,
          new RegExp(`Next\\.js [\\d.]+ \\(${bundler === 'webpack' ? 'webpack' : 'Turbopack'}\\)`),
        );
        const served = await serve('start', distDir);
        url = served.url;
        output = () => served.server.output();
      },
      { timeout: 300_000 },
    );

    it('a route handler calling openai and anthropic: Breakwater retries through three 503s, the clients do not', async () => {
      for (const [provider, route] of [
        ['openai', 'openai.chat'],
        ['anthropic', 'anthropic.messages'],
      ] as const) {
        const model = `${bundler}-${provider}`;
        fp.script({ route, model, steps: [{ fault: 'error', status: 503, count: 3 }] });
        const answer = await get(`${url}/api/chat?provider=${provider}&model=${model}`);
        assert.deepEqual(answer, { status: 200, text: JSON.stringify({ text: 'You said: hi' }) }, output());
        // The policy's four attempts are all the provider saw: the client's own retries are off.
        assert.equal(fp.count({ route, model }), ATTEMPTS, model);
        const operation = await operationOf(model);
        assert.equal(spanAttr(operation, 'breakwater.retry.attempts'), ATTEMPTS, model);
        assert.equal(spanAttr(operation, 'gen_ai.provider.name'), provider);
      }
      assert.doesNotMatch(output(), UNINSTRUMENTED);
    });

    it('a streamed openai completion reaches the browser, its call retried before the first chunk', async () => {
      const model = `${bundler}-stream`;
      fp.script({ route: 'openai.chat', model, steps: [{ fault: 'error', status: 503, count: 2 }] });
      const answer = await get(`${url}/api/stream?model=${model}`);
      assert.deepEqual(answer, { status: 200, text: 'You said: stream this answer' }, output());
      assert.equal(fp.count({ route: 'openai.chat', model }), 3);
      const operation = await operationOf(model);
      assert.equal(spanAttr(operation, 'breakwater.retry.attempts'), 3);
      assert.equal(spanAttr(operation, 'breakwater.stream.abandoned'), undefined, 'read to its end');
    });

    it("the AI SDK's streamText with breakwaterMiddleware streams through the route's response", async () => {
      const model = `${bundler}-ai-sdk`;
      fp.script({ route: 'openai.chat', model, steps: [{ fault: 'error', status: 503, count: 2 }] });
      const answer = await get(`${url}/api/ai-sdk?model=${model}`);
      assert.deepEqual(answer, { status: 200, text: 'You said: stream this answer' }, output());
      assert.equal(fp.count({ route: 'openai.chat', model }), 3);
      const operation = await operationOf(model);
      assert.equal(spanAttr(operation, 'breakwater.retry.attempts'), 3);
    });

    it("SIGTERM: next start's own handler ends the process, and the last call's spans are flushed first", async () => {
      // A server of its own whose spans leave only by a flush: the batch delay is far away.
      const { server, url: own } = await serve('start', distDir, { OTEL_BSP_SCHEDULE_DELAY: '600000' });
      const model = `${bundler}-sigterm`;
      assert.equal((await get(`${own}/api/chat?model=${model}`)).status, 200, server.output());
      assert.deepEqual(spansOf(model), [], 'nothing exported before the signal');
      // 143: next start's handler closed the server and called process.exit(143).
      assert.equal(await server.stop(15_000), 143, server.output());
      assert.equal(spanAttr(await operationOf(model), 'breakwater.retry.attempts'), 1);
    });
  });
}

describe('next dev', () => {
  let url: string;
  let output: () => string;

  before(
    async () => {
      // A route in the Edge runtime that imports @breakwater/node: `next dev` compiles it on its
      // first request (it would fail `next build` above, on purpose, with the same message).
      await mkdir(join(appDir, 'app/api/edge'), { recursive: true });
      await copyFile(join(FIXTURES, 'edge-route.ts'), join(appDir, 'app/api/edge/route.ts'));
      const served = await serve('dev', '.next-dev');
      url = served.url;
      output = () => served.server.output();
    },
    { timeout: 120_000 },
  );

  it('a route handler calling openai is instrumented', async () => {
    const model = 'dev-openai';
    fp.script({ route: 'openai.chat', model, steps: [{ fault: 'error', status: 503, count: 3 }] });
    const answer = await get(`${url}/api/chat?model=${model}`);
    assert.deepEqual(answer, { status: 200, text: JSON.stringify({ text: 'You said: hi' }) }, output());
    assert.equal(fp.count({ route: 'openai.chat', model }), ATTEMPTS);
    assert.equal(spanAttr(await operationOf(model), 'breakwater.retry.attempts'), ATTEMPTS);
  });

  it('@breakwater/node imported by an Edge route fails with what to do, not a bundler error', async () => {
    const answer = await get(`${url}/api/edge`);
    assert.equal(answer.status, 500);
    await waitFor('the error in the dev server log', () =>
      /Error: @breakwater\/node runs in Node\.js only/.test(output()),
    );
    assert.match(output(), /process\.env\.NEXT_RUNTIME === 'nodejs'/);
    assert.doesNotMatch(output(), /Native module not found/);
  });
});
