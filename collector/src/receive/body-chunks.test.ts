/**
 * A body sent in tiny pieces (HTTP/1.1 chunks of one byte each, six bytes on the wire) must not
 * cost many times its size in memory: a Buffer object per piece is some 150 bytes of heap, which
 * neither `limits.maxBodyBytes` nor the in-flight budget (both count body bytes) would see.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { it } from 'node:test';
import { systemClock } from '@breakwater/protocol';
import { heapUsed } from '../testing/heap.ts';
import { readBody } from './body.ts';

it('holds a body of 300,000 one-byte chunks in about its size, not a Buffer per chunk', async () => {
  const PIECES = 300_000;
  const req = Object.assign(new PassThrough(), { headers: {}, complete: false });
  let reserved = 0;
  const body = readBody(req as unknown as IncomingMessage, {
    encoding: 'identity',
    maxBytes: 1 << 20,
    limitName: 'limits.maxBodyBytes',
    reserve: (bytes) => {
      reserved += bytes;
      return true;
    },
    keepRaw: true,
    timeoutMs: 60_000,
    clock: systemClock,
  });
  const before = heapUsed();
  const piece = Buffer.from('a');
  for (let i = 0; i < PIECES; i++) req.write(piece.subarray());
  await new Promise((resolve) => setImmediate(resolve));
  const held = heapUsed() - before;
  req.complete = true;
  req.end();
  const { data } = await body;
  assert.equal(data.length, PIECES);
  assert.equal(reserved, PIECES);
  assert.ok(held < 10 * PIECES, `${held} bytes of heap held for a body of ${PIECES} bytes`);
});
