/**
 * The status stream across a step of the wall clock: its per-viewer rate limit runs on the
 * monotonic clock, so a viewer keeps getting changes (not only heartbeats) after the step.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { silentLogger } from '../../testing/silent-logger.ts';
import { StatusStream } from './status-stream.ts';
import type { StatusSnapshot } from './types.ts';

/** A viewer's request and response, recording what is written. */
function viewer() {
  const writes: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writableNeedDrain: false,
    writableLength: 0,
    writeHead() {},
    setHeader() {},
    write(chunk: string) {
      writes.push(String(chunk));
      return true;
    },
    end() {},
    destroy() {},
  }) as unknown as ServerResponse;
  const req = {
    method: 'GET',
    headers: {},
    socket: { setTimeout() {}, setNoDelay() {} },
  } as unknown as IncomingMessage;
  return { req, res, snapshots: () => writes.filter((w) => w.includes('event: status')).length };
}

describe('StatusStream across a wall-clock step', () => {
  it('sends a change within the rate limit after the clock stepped back an hour', async () => {
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
      maxQueuedBytes: 1 << 20,
    });
    const v = viewer();
    stream.subscribe(v.req, v.res);
    await clock.advance(10);
    assert.equal(v.snapshots(), 1);
    clock.stepWall(-3_600_000);
    version = 1;
    stream.changed();
    await clock.advance(1_000);
    stream.stop();
    assert.equal(v.snapshots(), 2);
  });
});
