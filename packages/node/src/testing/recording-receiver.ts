/**
 * A tiny OTLP/HTTP receiver for tests: records every request's path and body, answers 200 like a
 * collector (413 past `maxBodyBytes`, like Breakwater's collector past its JSON body limit),
 * listens on a loopback port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly path: string;
  readonly body: string;
  /** The status it was answered with. */
  readonly status: number;
}

export interface RecordingReceiver {
  /** Requests in arrival order. */
  readonly received: ReceivedRequest[];
  /** Starts listening on 127.0.0.1 and returns the endpoint (`http://127.0.0.1:<port>`). */
  listen(): Promise<string>;
  close(): void;
}

export function recordingReceiver(maxBodyBytes = Number.POSITIVE_INFINITY): RecordingReceiver {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const status = body.length > maxBodyBytes ? 413 : 200;
      received.push({ path: req.url ?? '', body: body.toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
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
