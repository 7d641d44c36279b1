/**
 * A status viewer that connects and never reads: nothing more is written to its socket once it
 * needs draining, so its queue stays small, and it must still lose its slot.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { silentLogger } from '../../testing/silent-logger.ts';
import { StatusStream } from './status-stream.ts';
import type { StatusSnapshot } from './types.ts';

/** A viewer whose socket needs draining from the first write on when `reads` is false. */
function viewer(reads: boolean) {
  let destroyed = false;
  const res = Object.assign(new EventEmitter(), {
    get destroyed() {
      return destroyed;
    },
    writableNeedDrain: false,
    writableLength: 0,
    writeHead() {},
    setHeader() {},
    write(chunk: string) {
      if (!reads) {
        res.writableNeedDrain = true;
        res.writableLength += String(chunk).length;
      }
      return reads;
    },
    end() {},
    destroy() {
      destroyed = true;
      res.emit('close');
    },
  });
  const req = {
    method: 'GET',
    headers: {},
    socket: { setTimeout() {}, setNoDelay() {} },
  } as unknown as IncomingMessage;
  return { req, res: res as unknown as ServerResponse, destroyed: () => destroyed };
}

it('drops a viewer whose socket has needed draining for two heartbeats; one that reads stays', async () => {
  const clock = new ManualClock();
  let version = 0;
  const stream = new StatusStream({
    clock,
    logger: silentLogger,
    build: async () => ({ now: clock.now(), version }) as unknown as StatusSnapshot,
    minIntervalMs: 1_000,
    pollIntervalMs: 2_000,
    heartbeatMs: 15_000,
    retryMs: 1_000,
    maxSubscribers: 10,
    maxQueuedBytes: 4 << 20,
  });
  const reader = viewer(true);
  const stuck = viewer(false);
  stream.subscribe(reader.req, reader.res);
  stream.subscribe(stuck.req, stuck.res);
  for (let s = 0; s < 29; s++) {
    version++;
    stream.changed();
    await clock.advance(1_000);
  }
  assert.equal(stuck.destroyed(), false, 'not within two heartbeats');
  await clock.advance(16_000);
  stream.stop();
  assert.equal(stuck.destroyed(), true);
  assert.equal(reader.destroyed(), false);
  assert.equal(stream.stats.dropped, 1);
});
