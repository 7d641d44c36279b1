import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

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

/** The child's environment without the parent's OpenTelemetry or Breakwater settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('BREAKWATER_')) env[key] = value;
  }
  return env;
}

it('an open control stream does not keep an app that finished its work from exiting', async (t) => {
  // Stands in for the collector: the signal stream stays open (a retry hint, then heartbeats);
  // exports are answered 200.
  const streams: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/v1/signals')) {
      streams.push(res);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write('retry: 1000\n: connected\n\n');
      return;
    }
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const open = (res: ServerResponse) => !res.closed && !res.writableEnded;
  const heartbeats = setInterval(() => {
    for (const res of streams) if (open(res)) res.write(': heartbeat\n\n');
  }, 100);
  t.after(() => {
    clearInterval(heartbeats);
    server.closeAllConnections();
    server.close();
  });

  // The app's work lasts until the test tells it the stream is connected (a line on stdin).
  const child = spawn(
    process.execPath,
    [
      '--conditions=@breakwater/source',
      '--input-type=module',
      '--eval',
      `
        import { start } from './src/index.ts';
        start({
          serviceName: 'keep-open-app',
          endpoint: ${JSON.stringify(url)},
          control: { url: ${JSON.stringify(url)} },
          metricIntervalMs: 600_000,
          exportTimeoutMs: 2_000,
          logger: (m) => console.error(m),
        });
        const work = setInterval(() => {}, 60_000);
        process.stdin.once('data', () => {
          clearInterval(work);
          process.stdin.destroy();
          console.log('work done');
        });
      `,
    ],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: cleanEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
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
    () => streams.length > 0 || exit !== undefined,
    30_000,
    () => `the child never subscribed:\n${out}`,
  );
  assert.equal(exit, undefined, `child exited before it subscribed:\n${out}`);
  assert.ok(open(streams[0]!), 'the stream is open when the work ends');
  child.stdin.end('go\n');
  // Normally well under a second; a held socket would keep the child alive indefinitely.
  await until(
    () => exit,
    10_000,
    () => `child still running 10 s after its work ended, control stream open:\n${out}`,
  );
  assert.deepEqual(exit, { code: 0, signal: null }, out);
  assert.match(out, /work done/);
});
