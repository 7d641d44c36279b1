/**
 * Apps bundled with esbuild before they run, as AWS Lambda and container builds ship them. A
 * bundler that inlines `openai` and `@anthropic-ai/sdk` leaves no `require()` or `import` of them
 * for Breakwater's module hooks to patch; these tests build real bundles (esbuild's JS API), run
 * them against the fault provider, and check what reached it (its request counts) and what
 * Breakwater exported (spans, at an OTLP receiver in this process).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import type { BuildOptions } from 'esbuild';
import { REPO_ROOT, startNode, stopAll } from '../harness/process.ts';
import { type SpanReceiver, spanAttr, startSpanReceiver } from '../harness/span-receiver.ts';
import { waitFor } from '../harness/wait.ts';
import { bundle as bundleFixture, ESM_REQUIRE_BANNER } from './bundle.ts';

/** The clients left to node_modules by the README's esbuild command. */
const CLIENTS = ['openai', '@anthropic-ai/sdk'];

let receiver: SpanReceiver;
let fp: FaultProvider;
let work: string;

before(async () => {
  receiver = await startSpanReceiver();
  fp = await startFaultProvider();
  // The bundles run from a directory of their own; externals and `--import` resolve through
  // node_modules beside them, as in a Lambda package or a container image.
  work = await mkdtemp(join(tmpdir(), 'bw-bundling-'));
  await symlink(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
});
after(async () => {
  await stopAll();
  await fp.close();
  receiver?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** Breakwater's spans (operation and attempts) of calls naming `model`, by their dependency key. */
const breakwaterSpans = (model: string) =>
  receiver.spans.filter((s) => String(spanAttr(s, 'breakwater.dependency')).endsWith(`/${model}`));

/** Bundles `entry` (a fixture) into `outfile` in the work directory. */
const bundle = (entry: string, outfile: string, options: BuildOptions) =>
  bundleFixture(entry, work, outfile, options);

/** Runs a bundle to its end; returns its results line and output. */
async function runBundle(
  args: readonly string[],
  prefix: string,
): Promise<{ results: Record<string, string>; output: string }> {
  const app = await startNode(args, {
    cwd: work,
    env: {
      FAULT_URL: fp.url,
      MODEL_PREFIX: prefix,
      OTEL_SERVICE_NAME: `bundled-${prefix}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      BREAKWATER_CONTROL: 'false',
    },
    readyLine: /^results /m,
    timeoutMs: 30_000,
    name: prefix,
  });
  assert.equal(await app.exited, 0, app.output());
  const line = /^results (.*)$/m.exec(app.output());
  assert.ok(line, app.output());
  return { results: JSON.parse(line[1]!) as Record<string, string>, output: app.output() };
}

/** Three 503s before each client's answer. */
function scriptOutage(prefix: string): void {
  fp.script({
    route: 'openai.chat',
    model: `${prefix}-gpt`,
    steps: [{ fault: 'error', status: 503, count: 3 }],
  });
  fp.script({
    route: 'anthropic.messages',
    model: `${prefix}-claude`,
    steps: [{ fault: 'error', status: 503, count: 3 }],
  });
}

/** Each client's calls went through Breakwater: one operation span of `attempts`, one attempt span per request. */
async function assertInstrumented(prefix: string, attempts: number): Promise<void> {
  for (const [family, route] of [
    ['gpt', 'openai.chat'],
    ['claude', 'anthropic.messages'],
  ] as const) {
    const model = `${prefix}-${family}`;
    const operation = await waitFor(`the operation span of ${model}`, () =>
      breakwaterSpans(model).find((s) => spanAttr(s, 'breakwater.role') === 'operation'),
    );
    assert.equal(spanAttr(operation, 'breakwater.retry.attempts'), attempts, model);
    assert.equal(fp.count({ route, model }), attempts, `${model}: requests at the provider`);
    const attemptSpans = breakwaterSpans(model).filter((s) => spanAttr(s, 'breakwater.role') === 'attempt');
    assert.equal(attemptSpans.length, attempts, `${model}: attempt spans`);
  }
}

const UNINSTRUMENTED = /BREAKWATER_UNINSTRUMENTED_CLIENT/;

describe('esbuild bundles', () => {
  it('esm: clients bundled in under --import @breakwater/node/register are uninstrumented, and said so', async () => {
    const prefix = 'inlined';
    const out = await bundle('plain.mjs', 'inlined.mjs', { format: 'esm' });
    for (const [route, model] of [
      ['openai.chat', `${prefix}-gpt`],
      ['anthropic.messages', `${prefix}-claude`],
    ] as const)
      fp.script({ route, model, steps: [{ fault: 'error', status: 503, count: 1 }] });
    const { results, output } = await runBundle(['--import', '@breakwater/node/register', out], prefix);
    // The clients' own retry answered: two requests each, neither of them Breakwater's.
    assert.deepEqual(results, { openai: 'You said: hi', anthropic: 'You said: hi' });
    assert.equal(fp.count({ route: 'openai.chat', model: `${prefix}-gpt` }), 2);
    assert.equal(fp.count({ route: 'anthropic.messages', model: `${prefix}-claude` }), 2);
    assert.deepEqual(breakwaterSpans(`${prefix}-gpt`), []);
    assert.deepEqual(breakwaterSpans(`${prefix}-claude`), []);
    // Each client is told once, with what to do.
    const warnings = output.split('\n').filter((line) => UNINSTRUMENTED.test(line));
    assert.equal(warnings.length, 2, output);
    assert.match(
      warnings[0]!,
      /openai sent a request to http:\/\/127\.0\.0\.1:\d+ that Breakwater does not instrument/,
    );
    assert.match(warnings[0]!, /--external:openai/);
    assert.match(warnings[1]!, /@anthropic-ai\/sdk sent a request .* instrument\(\{ anthropic \}\)/);
  });

  for (const format of ['cjs', 'esm'] as const) {
    it(`${format}: clients marked external are instrumented by --import @breakwater/node/register`, async () => {
      const prefix = `external-${format}`;
      const out = await bundle('plain.mjs', `external.${format === 'cjs' ? 'cjs' : 'mjs'}`, {
        format,
        external: CLIENTS,
      });
      scriptOutage(prefix);
      const { results, output } = await runBundle(['--import', '@breakwater/node/register', out], prefix);
      // Breakwater's three attempts are the only ones: all three fail.
      assert.deepEqual(results, { openai: 'error 503', anthropic: 'error 503' });
      await assertInstrumented(prefix, 3);
      assert.doesNotMatch(output, UNINSTRUMENTED);
    });
  }

  it('esm: Breakwater and the clients bundled together, instrument() patches the bundled clients', async () => {
    const prefix = 'all-in';
    const out = await bundle('started.mjs', 'all-in.mjs', {
      format: 'esm',
      banner: { js: ESM_REQUIRE_BANNER },
    });
    scriptOutage(prefix);
    const { results, output } = await runBundle([out], prefix);
    // The policy's four attempts, past the three 503s; the client's own two retries would fail.
    assert.deepEqual(results, { openai: 'You said: hi', anthropic: 'You said: hi' }, output);
    await assertInstrumented(prefix, 4);
    assert.doesNotMatch(output, /instrument\(\)/, 'instrument() logged a problem');
    assert.doesNotMatch(output, UNINSTRUMENTED);
  });

  it('esm: a bundled start() under --import @breakwater/node/register is the running instance, not a second SDK', async () => {
    const prefix = 'both';
    const out = await bundle('started.mjs', 'both.mjs', {
      format: 'esm',
      banner: { js: ESM_REQUIRE_BANNER },
    });
    for (const [route, model] of [
      ['openai.chat', `${prefix}-gpt`],
      ['anthropic.messages', `${prefix}-claude`],
    ] as const)
      fp.script({ route, model, steps: [{ fault: 'error', status: 503, count: 2 }] });
    const { results, output } = await runBundle(['--import', '@breakwater/node/register', out], prefix);
    assert.deepEqual(results, { openai: 'You said: hi', anthropic: 'You said: hi' }, output);
    // The register hook's instance, started from the environment: three attempts, not the bundle's four.
    await assertInstrumented(prefix, 3);
    assert.match(output, /start\(\) options ignored: policies \(Breakwater was already started by --import/);
    assert.doesNotMatch(output, /already have a provider/, 'a second SDK was started');
    assert.doesNotMatch(output, UNINSTRUMENTED);
  });
});
