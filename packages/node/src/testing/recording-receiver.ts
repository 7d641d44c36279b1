/**
 * A tiny OTLP/HTTP receiver for tests: records every request's path and body, answers 200 like a
 * collector, listens on a loopback port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly path: string;
  readonly body: string;
}

export interface RecordingReceiver {
  /** Requests in arrival order. */
  readonly received: ReceivedRequest[];
  /** Starts listening on 127.0.0.1 and returns the endpoint (`http://127.0.0.1:<port>`). */
  listen(): Promise<string>;
  close(): void;
}

export function recordingReceiver(): RecordingReceiver {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return {
    received,
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => server.close(),
  };
}
