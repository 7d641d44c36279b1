/**
 * Alertmanager (or a proxy before it) answering with a body that never ends: the pusher reads the
 * start of it, enough to quote, and goes on, instead of buffering it until the request timeout.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { AlertmanagerPusher } from './alertmanager.ts';
import { memoryLogger } from './testing/tools.ts';

/** Where the test gives up on a peer still streaming: the pusher read all of it. */
const GIVE_UP_BYTES = 256 * 1024 * 1024;

it('reads only the start of an answer that never ends, and quotes it', async () => {
  let written = 0;
  let closed = false;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const am = createServer((req, res) => {
    req.resume();
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.on('close', () => {
      closed = true;
    });
    const pump = (): void => {
      while (!closed && written < GIVE_UP_BYTES) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => am.listen(0, '127.0.0.1', resolve));
  const logger = memoryLogger();
  // The manual clock never lets the probe time out: only the pusher's own bound ends it.
  const pusher = new AlertmanagerPusher({
    url: `http://127.0.0.1:${(am.address() as AddressInfo).port}`,
    clock: new ManualClock(Date.now()),
    logger,
    probeIntervalMs: 60_000,
  });
  try {
    pusher.update([]); // nothing fires: a readiness probe
    const idle = pusher.idle().then(() => true);
    for (let i = 0; i < 1_000 && written < GIVE_UP_BYTES; i++) {
      if (await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, 5, false))])) break;
    }
    assert.equal(pusher.stats.reachable, false);
    assert.ok(
      written < 32 * 1024 * 1024,
      `Alertmanager wrote ${written} bytes before the pusher stopped reading`,
    );
    assert.match(JSON.stringify(logger.lines), /HTTP 503: xxxx/);
  } finally {
    closed = true;
    await pusher.stop();
    am.closeAllConnections();
    await new Promise((resolve) => am.close(resolve));
  }
});
