/**
 * Ingest benchmark (npm run bench -w @breakwater/collector). One run measures, on a realistic
 * OTLP protobuf request (1,000 GenAI spans from 10 services, ~5% errors, made by the real
 * OpenTelemetry SDK and serialized by the real `@opentelemetry/otlp-transformer`):
 *
 * 1. decode + aggregate in process, on this one thread: the selective protobuf decoder feeding
 *    the SLO component's `spanSink` (in-memory store);
 * 2. protobufjs full decode of the same bytes (child process; descriptor: otlp-trace.proto);
 * 3. end to end over HTTP on loopback: the real OTLP proto exporter (child process, like an
 *    agent service) into the collector service running here;
 * 4. peak RSS of this process, i.e. of the collector (the two children are not counted).
 *
 * Last line: `ingest_spans_per_s=<n> vs_protobufjs=<ratio> http_spans_per_s=<n> rss_mb=<n>`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { systemClock } from '@breakwater/protocol';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { parseConfig } from '../src/config/load.ts';
import { ProtoTraceDecoder } from '../src/decode/proto-traces.ts';
import type { SpanRecord } from '../src/decode/span-record.ts';
import { CollectorService } from '../src/service.ts';
import { createSloComponent } from '../src/slo-component.ts';
import { silentLogger } from '../src/testing/helpers.ts';
import { makeGenAiSpans } from './genai-spans.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const HTTP_CONCURRENCY = Number(process.env.BENCH_HTTP_CONCURRENCY ?? 4);
const run = promisify(execFile);

/** Runs `fn` repeatedly for `seconds` after a short warm-up; returns units per second. */
async function rate(seconds: number, fn: () => number | Promise<number>): Promise<number> {
  const warmUntil = performance.now() + 500;
  while (performance.now() < warmUntil) await fn();
  let units = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) units += await fn();
  return units / ((performance.now() - start) / 1000);
}

/** Runs a bench/ script in a child node (same flags and conditions) and parses its JSON line. */
async function child<T>(script: string, args: string[]): Promise<T> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const { stdout } = await run(process.execPath, [...process.execArgv, path, ...args], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

const dir = await mkdtemp(join(tmpdir(), 'breakwater-bench-'));
const config = parseConfig(
  { name: 'bench', text: `listen: 127.0.0.1:0\ndataDir: ${dir}\nstore: { kind: memory }\n` },
  {},
);

// Spans end a minute ago, so they fall inside every SLO window.
const spans = await makeGenAiSpans({ spans: 1000, services: 10, startMs: Date.now() - 60_000 });
const bytes = ProtobufTraceSerializer.serializeRequest(spans)!;
const errors = spans.filter((s) => s.status.code === 2).length;
console.log(
  `request: ${spans.length} spans, ${errors} errors, ${bytes.length} bytes (${Math.round(bytes.length / spans.length)} B/span)`,
);

// 1. decode (+ aggregate)
const decoder = new ProtoTraceDecoder();
const slo = await createSloComponent({ config, clock: systemClock, logger: silentLogger, dataDir: dir });
const sloSink = slo.spanSink;
let aggregation: string;
let aggregate: (spans: readonly SpanRecord[]) => void | Promise<void>;
if (sloSink !== undefined) {
  aggregation = 'decode + SLO engine spanSink (memory store)';
  aggregate = (s) => sloSink(s, Date.now());
} else {
  aggregation = 'decode + trivial per-service count (the SLO engine exposes no spanSink yet)';
  const counts = new Map<string, number>();
  aggregate = (s) => {
    for (const span of s) counts.set(span.service, (counts.get(span.service) ?? 0) + 1);
  };
}
const decodeOnly = await rate(SECONDS, () => decoder.decode(bytes).spans.length);
console.log(`decode only:            ${Math.round(decodeOnly)} spans/s`);
const ingest = await rate(SECONDS, async () => {
  const decoded = decoder.decode(bytes);
  await aggregate(decoded.spans);
  return decoded.spans.length;
});
await slo.stop?.();
console.log(`${aggregation}: ${Math.round(ingest)} spans/s`);

// 2. protobufjs full decode (child process)
const requestFile = join(dir, 'request.bin');
await writeFile(requestFile, bytes);
const { spansPerSecond: full } = await child<{ spansPerSecond: number }>('./protobufjs-baseline.ts', [
  requestFile,
  String(SECONDS),
]);
console.log(
  `protobufjs full decode: ${Math.round(full)} spans/s (decode+aggregate is ${(ingest / full).toFixed(2)}x)`,
);

// 3. HTTP end to end: the real exporter (child process) into the collector service here.
const service = await CollectorService.start({ config, logger: silentLogger });
const load = await child<{ spans: number; seconds: number }>('./export-load.ts', [
  service.url,
  String(SECONDS),
  String(HTTP_CONCURRENCY),
]);
await service.shutdown();
await rm(dir, { recursive: true, force: true });
const http = load.spans / load.seconds;
console.log(
  `http (real OTLP proto exporter, ${HTTP_CONCURRENCY} exports in flight): ${Math.round(http)} spans/s`,
);

const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(`peak RSS of the collector process: ${Math.round(rssMb)} MB`);
console.log(
  `ingest_spans_per_s=${Math.round(ingest)} vs_protobufjs=${(ingest / full).toFixed(2)} http_spans_per_s=${Math.round(http)} rss_mb=${Math.round(rssMb)}`,
);
