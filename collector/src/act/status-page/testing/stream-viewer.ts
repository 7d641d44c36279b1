/**
 * Test doubles for the status stream: a viewer's request and response, and the stream itself on
 * a manual clock with test-sized defaults.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ManualClock } from '@breakwater/protocol';
import { silentLogger } from '../../../silent-logger.ts';
import {
  STATUS_DELTA_EVENT,
  STATUS_EVENT,
  StatusStream,
  type StatusStreamOptions,
} from '../status-stream.ts';
import type { StatusSnapshot } from '../types.ts';

/**
 * A viewer recording what is written to it. One that does not `read` needs draining from its
 * first write on, as a client that connects and never reads.
 */
export function streamViewer(reads = true) {
  const writes: string[] = [];
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
      writes.push(String(chunk));
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
  return {
    req,
    res: res as unknown as ServerResponse,
    destroyed: () => destroyed,
    /** Snapshots sent so far: `status` (full) and `status-delta` events. */
    snapshots: () => events(writes).length,
    /** The events written so far, parsed. */
    events: () => events(writes),
    /** The client took everything sent so far (a viewer that does not `read` catching up). */
    drain: () => {
      res.writableNeedDrain = false;
      res.writableLength = 0;
      res.emit('drain');
    },
  };
}

/** The `status` and `status-delta` events in what was written, in order. */
function events(writes: readonly string[]): { event: string; id: string; data: unknown }[] {
  const out: { event: string; id: string; data: unknown }[] = [];
  for (const block of writes.join('').split('\n\n')) {
    const field = (name: string) => block.match(new RegExp(`^${name}: (.*)$`, 'm'))?.[1];
    const event = field('event');
    if (event !== STATUS_EVENT && event !== STATUS_DELTA_EVENT) continue;
    out.push({ event, id: field('id') ?? '', data: JSON.parse(field('data') ?? 'null') });
  }
  return out;
}

/** A status stream on `clock` serving what `build` makes. */
export function testStream(
  clock: ManualClock,
  build: () => Promise<StatusSnapshot> | StatusSnapshot,
  overrides: Partial<StatusStreamOptions> = {},
): StatusStream {
  return new StatusStream({
    clock,
    logger: silentLogger,
    build: async () => build(),
    minIntervalMs: 1_000,
    pollIntervalMs: 2_000,
    heartbeatMs: 15_000,
    retryMs: 1_000,
    maxSubscribers: 10,
    ...overrides,
  });
}
