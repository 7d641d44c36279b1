import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { ForwardSchema } from '../config/server-section.ts';
import { GIVE_UP_BYTES, startEndlessAnswerServer } from '../testing/endless-answer-server.ts';
import { silentLogger } from '../testing/helpers.ts';
import { Forwarder } from './forwarder.ts';

it('reads no more than a bounded answer from a downstream whose response body never ends', async () => {
  const down = await startEndlessAnswerServer(200, 'application/x-protobuf');
  // The manual clock never lets the request time out: only the collector's own bound stops it.
  const forwarder = new Forwarder({
    destinations: [ForwardSchema.parse({ url: down.url, concurrency: 1 })],
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
    for (let i = 0; i < 1_000 && d.outcomes.get('sent') === 0 && down.written < GIVE_UP_BYTES; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(d.outcomes.get('sent'), 1);
    assert.ok(
      down.written < 32 * 1024 * 1024,
      `the downstream wrote ${down.written} bytes before the collector stopped reading`,
    );
  } finally {
    await forwarder.stop();
    await down.close();
  }
});
