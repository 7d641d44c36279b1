import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { startChildApp, until } from '../testing/child-app.ts';

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
  const app = startChildApp(
    t,
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
  );

  await until(
    () => streams.length > 0 || app.exit() !== undefined,
    30_000,
    () => `the child never subscribed:\n${app.output()}`,
  );
  assert.equal(app.exit(), undefined, `child exited before it subscribed:\n${app.output()}`);
  assert.ok(open(streams[0]!), 'the stream is open when the work ends');
  app.child.stdin.end('go\n');
  // Normally well under a second; a held socket would keep the child alive indefinitely.
  await until(
    () => app.exit(),
    10_000,
    () => `child still running 10 s after its work ended, control stream open:\n${app.output()}`,
  );
  assert.deepEqual(app.exit(), { code: 0, signal: null }, app.output());
  assert.match(app.output(), /work done/);
});
