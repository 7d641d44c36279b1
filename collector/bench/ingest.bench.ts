/**
 * Ingest benchmark (npm run bench -w @breakwater/collector). The request is realistic OTLP
 * protobuf: 1,000 GenAI spans from 10 services, ~5% errors, made by the real OpenTelemetry SDK
 * and serialized by the real `@opentelemetry/otlp-transformer`. One run measures:
 *
 * 1. In process, on this one thread, in interleaved rounds (a warm-up of each, then
 *    BENCH_ROUNDS rounds, each running every contender for BENCH_ROUND_MS, the order rotating
 *    from round to round), all on the SAME bytes held in a Node `Buffer` (what an HTTP server
 *    hands the decoder):
 *    - decode only: the selective protobuf decoder (`ProtoTraceDecoder`);
 *    - decode + aggregate: the decoder feeding the SLO component's `spanSink` (default SLO set,
 *      memory store), i.e. everything ingest does for a request except HTTP;
 *    - protobufjs full decode (every field; descriptor in otlp-trace.proto). On a `Buffer`
 *      protobufjs reads strings natively, so this is the conservative baseline.
 *    Each figure is the median over rounds; each ratio is the median of the per-round ratios.
 *    protobufjs's speed swings with V8's adaptive young-generation sizing (its decoded message
 *    tree survives scavenges), so its best round, and the ratio to it, are printed too.
 * 2. Over HTTP on loopback, against the collector running as its own child process
 *    (collector-server.ts: `CollectorService`, memory store, default SLOs):
 *    - capacity: the request the real `@opentelemetry/exporter-trace-otlp-proto` exporter sends
 *      is captured once (body bytes and headers, by a tiny local server), then a load generator
 *      in a child process (http-replay.ts) replays it over BENCH_HTTP_CONNECTIONS keep-alive
 *      connections, one request in flight on each, for BENCH_HTTP_SECONDS; only spans of
 *      requests acknowledged with 200 and no `partial_success` count. This measures what the
 *      collector can take, not how fast a client can serialize. Each request gets a new first
 *      span id, so none is a resend (answered without being recorded); the benchmark checks that
 *      the collector counted no duplicate.
 *    - live exporter (for transparency): the real exporter exporting the spans again and again,
 *      each time with a new first span id, in a child process (export-load.ts,
 *      BENCH_HTTP_CONCURRENCY exports in flight). Its own protobufjs serialization (~14 µs per span) runs on the same two cores, so this figure is
 *      bounded by the client, not by the collector.
 * 3. Peak RSS of the collector child (`process.resourceUsage().maxRSS`, printed when it stops),
 *    i.e. the collector under both HTTP loads, without the baseline's or the loaders' memory.
 *
 * Output: detail lines, then `http_live_exporter_spans_per_s=<n>`, then the last line
 * `ingest_spans_per_s=<n> vs_protobufjs=<ratio> http_spans_per_s=<n> rss_mb=<n>` where
 * ingest = decode + aggregate (1), vs_protobufjs = its median per-round ratio to protobufjs,
 * http = replay capacity (2), rss = collector peak (3).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { systemClock } from '@breakwater/protocol';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import { parseConfig } from '../src/config/load.ts';
import { ProtoTraceDecoder } from '../src/decode/proto-traces.ts';
import { createSloComponent } from '../src/slo-component.ts';
import { silentLogger } from '../src/testing/helpers.ts';
import { makeGenAiSpans } from './genai-spans.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 400);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1000);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const HTTP_CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 4);
const LIVE_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const LIVE_CONCURRENCY = Number(process.env.BENCH_HTTP_CONCURRENCY ?? 4);
const run = promisify(execFile);

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (n: number) => String(Math.round(n));

/** Runs `fn` (which returns the spans it handled) until `ms` have passed; returns spans/s. */
async function rate(ms: number, fn: () => number | Promise<number>): Promise<number> {
  let spans = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    spans += await fn();
    elapsed = performance.now() - start;
  }
  return spans / (elapsed / 1000);
}

const path = (script: string) => fileURLToPath(new URL(script, import.meta.url));

/** Runs a bench/ script in a child node (same flags and conditions) and parses its last line. */
async function child<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [...process.execArgv, path(script), ...args], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

const dir = await mkdtemp(join(tmpdir(), 'breakwater-bench-'));
console.log(`load average at start: ${load()}`);

// Spans end a minute ago, so they fall inside every SLO window.
const spans = await makeGenAiSpans({ spans: 1000, services: 10, startMs: Date.now() - 60_000 });
// A Node Buffer holding the serialized request, shared by every in-process contender.
const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const errors = spans.filter((s) => s.status.code === 2).length;
console.log(
  `request: ${spans.length} spans, ${errors} errors, ${body.length} bytes (${Math.round(body.length / spans.length)} B/span)`,
);

// 1. In process, interleaved rounds.
const config = parseConfig(
  { name: 'bench', text: `listen: 127.0.0.1:0\ndataDir: ${dir}\nstore: { kind: memory }\n` },
  {},
);
const slo = await createSloComponent({ config, clock: systemClock, logger: silentLogger, dataDir: dir });
const sink = slo.spanSink;
if (sink === undefined) throw new Error('the SLO component exposes no spanSink');
const decoder = new ProtoTraceDecoder();
const root = protobuf.loadSync(path('./otlp-trace.proto'));
const Request = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
type FullRequest = { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };

const contenders = {
  decode: () => decoder.decode(body).spans.length,
  ingest: async () => {
    const decoded = decoder.decode(body);
    await sink(decoded.spans, Date.now());
    return decoded.spans.length;
  },
  protobufjs: () => {
    const message = Request.decode(body) as unknown as FullRequest;
    let n = 0;
    for (const rs of message.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
    return n;
  },
};
type Contender = keyof typeof contenders;
const names = Object.keys(contenders) as Contender[];
if (contenders.decode() !== spans.length || contenders.protobufjs() !== spans.length) {
  throw new Error('a decoder lost spans');
}
for (const name of names) await rate(WARMUP_MS, contenders[name]);
const perRound: Record<Contender, number[]> = { decode: [], ingest: [], protobufjs: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length]!;
    perRound[name].push(await rate(ROUND_MS, contenders[name]));
  }
}
await slo.stop?.();
const ratios = (name: Contender) => perRound[name].map((v, i) => v / perRound.protobufjs[i]!);
const ingest = median(perRound.ingest);
const vsProtobufjs = median(ratios('ingest'));
console.log(`in process: ${ROUNDS} interleaved rounds of ${ROUND_MS} ms each (medians)`);
console.log(
  `  decode only:                      ${fmt(median(perRound.decode))} spans/s (${median(ratios('decode')).toFixed(2)}x protobufjs)`,
);
console.log(
  `  decode + SLO spanSink (memory):   ${fmt(ingest)} spans/s (${vsProtobufjs.toFixed(2)}x protobufjs; per-round ratios ${ratios(
    'ingest',
  )
    .map((r) => r.toFixed(2))
    .join(' ')})`,
);
const bestProtobufjs = Math.max(...perRound.protobufjs);
console.log(
  `  protobufjs full decode (Buffer):  ${fmt(median(perRound.protobufjs))} spans/s (best round ${fmt(bestProtobufjs)}; decode + aggregate is ${(ingest / bestProtobufjs).toFixed(2)}x that)`,
);

// 2. HTTP: the collector in its own process.
const collector = spawn(process.execPath, [...process.execArgv, path('./collector-server.ts'), dir], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const collectorLines = createInterface({ input: collector.stdout! })[Symbol.asyncIterator]();
const { url } = JSON.parse((await collectorLines.next()).value as string) as { url: string };

const captured = await captureExport(spans);
const replayHeaders = Object.fromEntries(
  Object.entries(captured.headers).filter(
    ([name]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name),
  ),
);
const bodyFile = join(dir, 'request.bin');
await writeFile(bodyFile, captured.body);
console.log(
  `captured export request: ${captured.body.length} bytes, headers ${JSON.stringify(replayHeaders)}`,
);

const replay = await child<{ spans: number; seconds: number; requests: number; other: number }>(
  './http-replay.ts',
  [
    `${url}/v1/traces`,
    bodyFile,
    JSON.stringify(replayHeaders),
    String(spans.length),
    String(HTTP_SECONDS),
    String(HTTP_CONNECTIONS),
    String(firstSpanIdOffset(captured.body)),
  ],
);
const http = replay.spans / replay.seconds;
console.log(
  `http capacity (replayed exporter request, ${HTTP_CONNECTIONS} keep-alive connections, ${HTTP_SECONDS} s): ${fmt(http)} spans/s (${replay.requests} requests, ${replay.other} not fully acknowledged)`,
);

const live = await child<{ spans: number; seconds: number }>('./export-load.ts', [
  url,
  String(LIVE_SECONDS),
  String(LIVE_CONCURRENCY),
]);
const liveRate = live.spans / live.seconds;
console.log(
  `http live exporter (real OTLP proto exporter in a child, ${LIVE_CONCURRENCY} exports in flight): ${fmt(liveRate)} spans/s`,
);

// Every request must have been recorded: a resend is answered without it, and is far cheaper.
const metrics = await (await fetch(`${url}/metrics`)).text();
const duplicates = Number(/^breakwater_ingest_spans_total\{result="duplicate"\} (\d+)$/m.exec(metrics)?.[1]);
const rssMb = (await stopCollector(collector)) / (1024 * 1024);
if (duplicates !== 0) throw new Error(`benchmark setup: the collector counted ${duplicates} spans as resent`);
console.log(`peak RSS of the collector process: ${fmt(rssMb)} MB`);
console.log(`peak RSS of this benchmark process: ${fmt(process.resourceUsage().maxRSS / 1024)} MB`);
console.log(`load average at end: ${load()}`);
await rm(dir, { recursive: true, force: true });

console.log(`http_live_exporter_spans_per_s=${fmt(liveRate)}`);
console.log(
  `ingest_spans_per_s=${fmt(ingest)} vs_protobufjs=${vsProtobufjs.toFixed(2)} http_spans_per_s=${fmt(http)} rss_mb=${fmt(rssMb)}`,
);

/** Where `body` holds its first span's id, for the replay to give each request a new one. */
function firstSpanIdOffset(body: Buffer): number {
  const first = decoder.decode(body).spans[0];
  const offset = first === undefined ? -1 : body.indexOf(Buffer.from(first.spanId, 'hex'));
  if (offset < 0) throw new Error('benchmark setup: the captured request holds no first span id');
  return offset;
}

/** Exports `spans` once with the real OTLP proto exporter to a local server; returns the request. */
async function captureExport(batch: ReadableSpan[]): Promise<{ body: Buffer; headers: IncomingHttpHeaders }> {
  let request: { body: Buffer; headers: IncomingHttpHeaders } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      request = { body: Buffer.concat(chunks), headers: req.headers };
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' });
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` });
  const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
    exporter.export(batch as never, resolve),
  );
  await exporter.shutdown();
  server.close();
  if (result.code !== 0 || request === undefined) {
    throw new Error(`capturing the exporter's request failed: ${result.error?.message ?? 'no request'}`);
  }
  return request;
}

/** Stops the collector child with SIGTERM; returns its peak RSS in bytes. */
async function stopCollector(proc: ChildProcess): Promise<number> {
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  const line = await collectorLines.next();
  await exited;
  return (JSON.parse(line.value as string) as { maxRssBytes: number }).maxRssBytes;
}
