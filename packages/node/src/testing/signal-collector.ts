import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the collector's `/v1/signals` that a test drives by hand: it answers
 * `status` (200: an open event stream), and can die and come back on the same port.
 */
export class SignalCollector {
  readonly requests: IncomingMessage[] = [];
  readonly streams = new Set<ServerResponse>();
  status = 200;
  /** With a status other than 200: sent as the collector's JSON error body, `{ error: { message } }`. */
  errorMessage: string | undefined;
  /** With a status other than 200: the `retry-after` header sent, if any. */
  retryAfter: string | undefined;
  /** The first frame of each stream (a `retry:` field sets the client's reconnection delay). */
  greeting = 'retry: 1000\n\n';
  port = 0;
  /** The collector run in event ids (`<stream>:<seq>`); a restarted collector has a new one. */
  stream = 's';
  private server: Server | undefined;
  private nextId = 1;

  async listen(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      this.requests.push(req);
      if (this.status !== 200) this.refuse(req, res);
      else {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(this.greeting);
        this.streams.add(res);
        res.on('close', () => this.streams.delete(res));
      }
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Writes raw text to every open stream. */
  send(text: string): void {
    for (const res of this.streams) res.write(text);
  }

  /** Sends an event with the run's next id, or with `seq` (a replay of an earlier event). */
  event(type: string, data: unknown, seq = this.nextId++): void {
    this.send(
      `id: ${this.stream}:${seq}\nevent: ${type}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    );
  }

  async kill(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }

  private refuse(req: IncomingMessage, res: ServerResponse): void {
    if (this.retryAfter !== undefined) res.setHeader('retry-after', this.retryAfter);
    if (this.status >= 300 && this.status < 400) {
      res.writeHead(this.status, { location: `https://collector.example${req.url}` }).end();
    } else if (this.errorMessage === undefined) res.writeHead(this.status).end();
    else {
      res.writeHead(this.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: this.status, message: this.errorMessage } }));
    }
  }
}
