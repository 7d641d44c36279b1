/**
 * Child process of the ingest benchmark: a loopback load generator. Replays one captured OTLP
 * export request (the exact body bytes and headers the real `@opentelemetry/exporter-trace-otlp-proto`
 * exporter sent) to the collector over keep-alive HTTP/1.1 connections, one request in flight
 * per connection, for a bounded time after a short warm-up.
 *
 * argv: <url> <body file> <headers JSON> <spans per request> <seconds> <connections> <id offset>
 *
 * Each request gets a new first span id (written at <id offset>, where the body holds the first
 * span's 8-byte id): the collector answers a batch it has recorded already without recording it
 * again, which is not the path to measure.
 *
 * Counts only acknowledged spans: a response counts when its status is 200 and its body is an
 * empty `ExportTraceServiceResponse` (no `partial_success`, so every span was accepted).
 * Prints `{"spans", "seconds", "requests", "acknowledged", "other"}`.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const [url, bodyFile, headersJson, spansArg, secondsArg, connectionsArg, offsetArg] = process.argv.slice(2);
const template = readFileSync(bodyFile!);
const idOffset = Number(offsetArg);
if (!Number.isInteger(idOffset) || idOffset < 0 || idOffset + 8 > template.length)
  throw new Error(`http-replay: bad span id offset ${offsetArg}`);
const headers = {
  ...(JSON.parse(headersJson!) as Record<string, string>),
  'content-length': String(template.length),
};
const spansPerRequest = Number(spansArg);
const seconds = Number(secondsArg ?? 5);
const connections = Number(connectionsArg ?? 4);
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const target = new URL(url!);

let sent = 0;

/**
 * Sends the request once, from this connection's own copy of the body (a request's bytes may
 * still be queued on the socket until its response), with a new first span id; resolves true
 * when every span in it was acknowledged.
 */
function send(body: Buffer): Promise<boolean> {
  body.writeUInt32BE(++sent, idOffset + 4);
  return new Promise((resolve) => {
    const req = request(target, { method: 'POST', agent, headers }, (res) => {
      let responseBytes = 0;
      res.on('data', (chunk: Buffer) => {
        responseBytes += chunk.length;
      });
      res.on('end', () => resolve(res.statusCode === 200 && responseBytes === 0));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

let counting = false;
let requests = 0;
let acknowledged = 0;

async function connection(until: number): Promise<void> {
  const body = Buffer.from(template);
  while (performance.now() < until) {
    const ok = await send(body);
    if (!counting) continue;
    requests++;
    if (ok) acknowledged++;
  }
}

await Promise.all(Array.from({ length: connections }, () => connection(performance.now() + 500)));
counting = true;
const start = performance.now();
const until = start + seconds * 1000;
await Promise.all(Array.from({ length: connections }, () => connection(until)));
const elapsed = (performance.now() - start) / 1000;
agent.destroy();
console.log(
  JSON.stringify({
    spans: acknowledged * spansPerRequest,
    seconds: elapsed,
    requests,
    acknowledged,
    other: requests - acknowledged,
  }),
);
