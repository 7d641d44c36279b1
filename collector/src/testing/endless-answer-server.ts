import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where a test gives up on a peer still streaming: the side under test read all of it. */
export const GIVE_UP_BYTES = 256 * 1024 * 1024;

/** A peer answering every request with `status` and a body that goes on until the reader stops. */
export interface EndlessAnswerServer {
  readonly url: string;
  /** Bytes of body written so far (all requests). */
  readonly written: number;
  close(): Promise<void>;
}

/**
 * Starts, on 127.0.0.1, a server that answers each request (once its body is in) with `status` and
 * 64 KiB chunks of `x` until the connection closes or {@link GIVE_UP_BYTES} are written: an
 * Alertmanager, downstream or proxy whose answer never ends.
 */
export async function startEndlessAnswerServer(
  status: number,
  contentType: string,
): Promise<EndlessAnswerServer> {
  let written = 0;
  let closed = false;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const server = createServer((req, res) => {
    res.on('close', () => {
      closed = true;
    });
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': contentType });
      const pump = (): void => {
        while (!closed && written < GIVE_UP_BYTES) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get written() {
      return written;
    },
    async close() {
      closed = true;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
