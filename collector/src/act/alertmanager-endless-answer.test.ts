/**
 * Alertmanager (or a proxy before it) answering with a body that never ends: the pusher reads the
 * start of it, enough to quote, and goes on, instead of buffering it until the request timeout.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { GIVE_UP_BYTES, startEndlessAnswerServer } from '../testing/endless-answer-server.ts';
import { AlertmanagerPusher } from './alertmanager.ts';
import { memoryLogger } from './testing/tools.ts';

it('reads only the start of an answer that never ends, and quotes it', async () => {
  const am = await startEndlessAnswerServer(503, 'text/plain');
  const logger = memoryLogger();
  // The manual clock never lets the probe time out: only the pusher's own bound ends it.
  const pusher = new AlertmanagerPusher({
    url: am.url,
    clock: new ManualClock(Date.now()),
    logger,
    probeIntervalMs: 60_000,
  });
  try {
    pusher.update([]); // nothing fires: a readiness probe
    const idle = pusher.idle().then(() => true);
    for (let i = 0; i < 1_000 && am.written < GIVE_UP_BYTES; i++) {
      if (await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, 5, false))])) break;
    }
    assert.equal(pusher.stats.reachable, false);
    assert.ok(
      am.written < 32 * 1024 * 1024,
      `Alertmanager wrote ${am.written} bytes before the pusher stopped reading`,
    );
    assert.match(JSON.stringify(logger.lines), /HTTP 503: xxxx/);
  } finally {
    await pusher.stop();
    await am.close();
  }
});
