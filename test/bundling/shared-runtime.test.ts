/**
 * An app bundled with its own copy of Breakwater (esbuild) and run under `--import` of the copy in
 * node_modules, as the node README's "Bundled apps" section documents: the `tool()`s of the
 * bundled copy must run under the running instance's runtime, the policies given to its
 * `start({ policies })` and the breaker signals its fleet control client receives from a real
 * collector (in this process), and a refusal from the other copy must read as one to the
 * bundled `refusalOf()` and `instanceof CircuitOpenError`.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFleetComponent, type FleetComponent } from '@breakwater/collector';
import { startTestService, type TestService } from '../../collector/src/testing/helpers.ts';
import { REPO_ROOT, startNode, stopAll } from '../harness/process.ts';
import { waitFor } from '../harness/wait.ts';
import { bundle, ESM_REQUIRE_BANNER } from './bundle.ts';

const SERVICE = 'bundled-tools';

let work: string;
let app: string;
let fleetApp: string;
let collector: TestService;
let fleet: FleetComponent | undefined;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'bw-shared-runtime-'));
  await symlink(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  // The --import file resolves @breakwater/node from node_modules: the other copy.
  await copyFile(
    fileURLToPath(new URL('fixtures/policies.mjs', import.meta.url)),
    join(work, 'policies.mjs'),
  );
  app = await bundle('tools.mjs', work, 'tools.mjs', { format: 'esm', banner: { js: ESM_REQUIRE_BANNER } });
  fleetApp = await bundle('fleet-control.mjs', work, 'fleet-control.mjs', {
    format: 'esm',
    banner: { js: ESM_REQUIRE_BANNER },
  });
  collector = await startTestService('', {
    components: [
      (ctx) => {
        fleet = createFleetComponent(ctx);
        return fleet;
      },
    ],
  });
});
after(async () => {
  await stopAll();
  await collector?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/**
 * Runs the bundle under `--import <preload>` to its end, calling `started` once it runs; returns
 * its results line.
 */
async function runApp(
  preload: string,
  env: Record<string, string>,
  started: () => Promise<void> = async () => {},
  entry = app,
): Promise<{ results: Record<string, unknown>; output: string }> {
  const child = await startNode(['--import', preload, entry], {
    cwd: work,
    env: {
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      ...env,
    },
    name: 'bundled-tools',
  });
  await started();
  assert.equal(await child.exited, 0, child.output());
  const line = /^results (.*)$/m.exec(child.output());
  assert.ok(line, child.output());
  return { results: JSON.parse(line[1]!) as Record<string, unknown>, output: child.output() };
}

it("a bundled tool() runs under the policies given to the --import file's start()", async () => {
  const { results } = await runApp('./policies.mjs', { BREAKWATER_CONTROL: 'false' });
  // Three attempts, as the policy says (the tool default is one): the third answers.
  assert.deepEqual(results, { flaky: 'ok', tries: 3 });
});

it("a bundled tool() obeys the fleet breaker signal that --import @breakwater/node/register's control client applies", async () => {
  const { results } = await runApp(
    '@breakwater/node/register',
    { BREAKWATER_COLLECTOR_URL: collector.url, AWAIT_FLEET: 'true' },
    async () => {
      await waitFor('the app to subscribe', () => fleet!.hub.subscribers === 1, { timeoutMs: 30_000 });
      fleet!.hub.publish({
        id: 'sig-tool-gated-open',
        kind: 'breaker',
        dependency: 'tool/gated',
        service: SERVICE,
        state: 'open',
        ttlMs: 60_000,
        issuedAt: Date.now(),
        reason: { errorRatio: 1, window: '60s', volume: 40, instances: 3, topErrorTypes: [] },
      });
    },
  );
  // Refused without running, and the bundled refusalOf() and CircuitOpenError know the refusal.
  assert.equal(results.gated, 'refused (fleet)');
  // Default tool policy from the environment alone: one attempt.
  assert.deepEqual([results.flaky, results.tries], ['error busy', 1]);
});

it("a bundled startFleetControl() starts no second control client beside --import @breakwater/node/register's", async () => {
  const { results, output } = await runApp(
    '@breakwater/node/register',
    { BREAKWATER_COLLECTOR_URL: collector.url },
    undefined,
    fleetApp,
  );
  assert.deepEqual(results, { running: false }, output);
  assert.match(output, /startFleetControl\(\): start\(\) runs the fleet control client already/);
});
