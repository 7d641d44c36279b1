import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordingReceiver } from './testing/recording-receiver.ts';

/** The child's environment without the parent's OpenTelemetry or Breakwater settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('BREAKWATER_')) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Resolves `what()` once it is truthy, polling every 10 ms; rejects after `ms`. */
async function until<T>(what: () => T | undefined, ms: number, message: () => string): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = what();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('SIGTERM without an app handler: the span is flushed, then the process ends by SIGTERM', async (t) => {
  const receiver = recordingReceiver();
  const endpoint = await receiver.listen();
  t.after(() => receiver.close());
  // The batch delay and metric interval are far away: the span leaves only by the SIGTERM flush.
  const child = spawn(
    process.execPath,
    [
      '--conditions=@breakwater/source',
      '--input-type=module',
      '--eval',
      `
        import { trace } from '@opentelemetry/api';
        import { start } from './src/index.ts';
        start({
          serviceName: 'sigterm-app',
          endpoint: ${JSON.stringify(endpoint)},
          control: false,
          metricIntervalMs: 600_000,
          exportTimeoutMs: 2_000,
          logger: (m) => console.error(m),
        });
        setInterval(() => {}, 60_000); // a server would keep the process alive like this
        trace.getTracer('app').startSpan('work-before-sigterm').end();
        console.log('ready');
      `,
    ],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: cleanEnv({ OTEL_BSP_SCHEDULE_DELAY: '600000' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.on('exit', (code, signal) => {
    exit = { code, signal };
  });
  t.after(() => {
    if (exit === undefined) child.kill('SIGKILL');
  });

  await until(
    () => out.split('\n').includes('ready') || exit !== undefined,
    30_000,
    () => `child never got ready:\n${out}`,
  );
  assert.equal(exit, undefined, `child exited before SIGTERM:\n${out}`);
  const spanSent = () =>
    receiver.received.some((r) => r.path === '/v1/traces' && r.body.includes('work-before-sigterm'));
  assert.ok(!spanSent(), 'nothing exported before the signal');

  child.kill('SIGTERM');
  // The flush is bounded by the export timeout (2 s) + 1 s; then the re-raised signal ends it.
  await until(
    () => exit,
    10_000,
    () => `child still running 10 s after SIGTERM:\n${out}`,
  );
  assert.deepEqual(exit, { code: null, signal: 'SIGTERM' }, out);
  assert.ok(
    spanSent(),
    `span flushed on SIGTERM; received ${JSON.stringify(receiver.received.map((r) => r.path))}`,
  );
});
