/**
 * A collector that is up but stuck, for tests: it takes every request in and holds it unanswered,
 * so exports stay in flight until the exporter's timeout or until the test releases them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HangingCollector {
  /** The endpoint (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** Requests for `path` taken in so far. */
  taken(path: string): number;
  /** The bodies of the requests for `path` taken in so far, read whole (in arrival order). */
  bodies(path: string): string[];
  /** Requests for `path` taken in and still unanswered. */
  pending(path: string): number;
  /** Resolves once a request for `path` is held. */
  holding(path: string): Promise<void>;
  /** Recovers: answers every held request with success, and later ones at once. */
  release(): void;
  close(): Promise<void>;
}

const answer = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');

/** Starts a {@link HangingCollector} on a loopback port. */
export async function startHangingCollector(): Promise<HangingCollector> {
  const taken: { req: IncomingMessage; res: ServerResponse; body: Buffer[] }[] = [];
  const waiting = new Set<() => void>();
  let released = false;
  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    taken.push({ req, res, body });
    if (released) answer(res);
    for (const wake of waiting) wake();
    waiting.clear();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const pending = (path: string) =>
    taken.filter(({ req, res }) => req.url === path && !res.writableEnded && !req.socket.destroyed).length;
  return {
    url: `http://127.0.0.1:${port}`,
    taken: (path) => taken.filter(({ req }) => req.url === path).length,
    bodies: (path) =>
      taken.filter(({ req }) => req.url === path).map(({ body }) => Buffer.concat(body).toString('utf8')),
    pending,
    async holding(path) {
      while (pending(path) === 0) await new Promise<void>((wake) => waiting.add(wake));
    },
    release() {
      released = true;
      for (const { res } of taken) if (!res.writableEnded && !res.destroyed) answer(res);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
