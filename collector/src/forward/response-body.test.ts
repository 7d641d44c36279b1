import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { ForwardSchema } from '../config/server-section.ts';
import { silentLogger } from '../testing/helpers.ts';
import { Forwarder } from './forwarder.ts';

/** Where the test gives up on a downstream still streaming: the collector read all of it. */
const GIVE_UP_BYTES = 256 * 1024 * 1024;

it('reads no more than a bounded answer from a downstream whose response body never ends', async () => {
  let written = 0;
  let closed = false;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const down = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      const pump = (): void => {
        while (!closed && written < GIVE_UP_BYTES) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    res.on('close', () => {
      closed = true;
    });
  });
  await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
  // The manual clock never lets the request time out: only the collector's own bound stops it.
  const forwarder = new Forwarder({
    destinations: [ForwardSchema.parse({ url, concurrency: 1 })],
    clock: new ManualClock(),
    logger: silentLogger,
  });
  try {
    const d = forwarder.destinations[0]!;
    forwarder.forward({
      signal: 'traces',
      body: Buffer.from('batch'),
      contentType: 'application/x-protobuf',
      contentEncoding: undefined,
    });
    for (let i = 0; i < 1_000 && d.outcomes.get('sent') === 0 && written < GIVE_UP_BYTES; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(d.outcomes.get('sent'), 1);
    assert.ok(
      written < 32 * 1024 * 1024,
      `the downstream wrote ${written} bytes before the collector stopped reading`,
    );
  } finally {
    closed = true;
    await forwarder.stop();
    down.closeAllConnections();
    await new Promise((resolve) => down.close(resolve));
  }
});
