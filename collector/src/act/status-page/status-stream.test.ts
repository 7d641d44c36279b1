/**
 * The status stream's viewers: one that connects and never reads (nothing more is written to its
 * socket once it needs draining, so its queue stays small, and it must still lose its slot), and
 * what counts as a new snapshot for them.
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

it('sends a new snapshot when a signal is re-issued, not each second its ttlMs counts down', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  let expiresAt = clock.now() + 60_000;
  const signal = { id: 's1', dependency: 'openai/gpt-4o', state: 'open', issuedAt: clock.now() };
  const stream = new StatusStream({
    clock,
    logger: silentLogger,
    build: async () =>
      ({
        now: clock.now(),
        signals: [{ ...signal, ttlMs: expiresAt - clock.now() }],
      }) as unknown as StatusSnapshot,
    minIntervalMs: 1_000,
    pollIntervalMs: 1_000,
    heartbeatMs: 15_000,
    retryMs: 1_000,
    maxSubscribers: 10,
    maxQueuedBytes: 4 << 20,
  });
  const writes: string[] = [];
  const v = viewer(true);
  const write = v.res.write.bind(v.res);
  v.res.write = ((chunk: string) => {
    writes.push(String(chunk));
    return write(chunk);
  }) as typeof v.res.write;
  stream.subscribe(v.req, v.res);
  for (let s = 0; s < 10; s++) await clock.advance(1_000);
  const frames = () => writes.filter((w) => w.includes('event: status')).length;
  assert.equal(frames(), 1, 'the countdown is the page’s own');
  expiresAt = clock.now() + 60_000; // re-issued: a later expiry
  stream.changed();
  await clock.advance(1_000);
  stream.stop();
  assert.equal(frames(), 2);
});
