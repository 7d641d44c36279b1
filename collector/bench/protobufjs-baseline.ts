/**
 * Child process of the ingest benchmark: protobufjs full decode (every field, descriptor in
 * otlp-trace.proto) of the request bytes in the file given as argv[2], for argv[3] seconds.
 * Prints `{"spansPerSecond": n}`. A separate process, so its garbage does not count toward the
 * collector's peak RSS.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const bytes = readFileSync(process.argv[2]!);
const seconds = Number(process.argv[3] ?? 3);
const root = protobuf.loadSync(new URL('./otlp-trace.proto', import.meta.url).pathname);
const Request = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');

function decodeOnce(): number {
  const message = Request.decode(bytes) as unknown as {
    resourceSpans: { scopeSpans: { spans: unknown[] }[] }[];
  };
  let n = 0;
  for (const rs of message.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

const warm = performance.now() + 500;
while (performance.now() < warm) decodeOnce();
let spans = 0;
const start = performance.now();
while (performance.now() - start < seconds * 1000) spans += decodeOnce();
console.log(JSON.stringify({ spansPerSecond: spans / ((performance.now() - start) / 1000) }));
