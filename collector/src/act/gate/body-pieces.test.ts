/**
 * The gate's webhook route reads its body before any token check when the token is in the body
 * (Flagger's metadata), so anyone who reaches the listener can send one; sent in one-byte HTTP
 * chunks, a 64 KiB body must still cost about 64 KiB, not a Buffer object per byte.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { it } from 'node:test';
import { GATE_PATHS } from '@breakwater/protocol';
import { heapUsed } from '../../testing/heap.ts';
import { gateRoutes, MAX_GATE_BODY_BYTES } from './routes.ts';

it('holds a webhook body sent in one-byte chunks in about its size', async () => {
  const webhook = gateRoutes({
    decide: () => Promise.reject(new Error('not reached')),
    preview: () => Promise.reject(new Error('not reached')),
    health: () => Promise.reject(new Error('not reached')),
    recordRollback: () => {},
  }).find((r) => r.method === 'POST' && r.path === GATE_PATHS.DECISION)!;
  let handling: Promise<void> | undefined;
  const server = createServer((req, res) => {
    handling = Promise.resolve(
      webhook.handle(req, res, new URL(req.url!, 'http://x'), [], { token: undefined }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    `POST ${GATE_PATHS.DECISION} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`,
  );
  const pieces = MAX_GATE_BODY_BYTES - 1;
  const before = heapUsed();
  for (let sent = 0; sent < pieces; sent += 4096) {
    if (!socket.write('1\r\n \r\n'.repeat(Math.min(4096, pieces - sent)))) await once(socket, 'drain');
  }
  // Time for the server to parse every piece (each one a 'data' event the route reads).
  await new Promise((r) => setTimeout(r, 200));
  const held = heapUsed() - before;
  socket.write('0\r\n\r\n');
  await handling;
  socket.destroy();
  server.close();
  // A Buffer object per piece held ~80 bytes each; what is left (~18) is the request stream's own
  // bookkeeping of the pieces it passed on, a slot each until it compacts.
  assert.ok(held < 40 * pieces, `${held} bytes of heap held for a body of ${pieces} bytes`);
});
