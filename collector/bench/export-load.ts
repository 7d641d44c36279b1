/**
 * Child process of the ingest benchmark: an "agent service" exporting with the real OTLP
 * protobuf exporter (`@opentelemetry/exporter-trace-otlp-proto`) to the collector at argv[2]
 * for argv[3] seconds, `argv[4]` exports in flight, each the benchmark's 1,000-span request.
 * Prints `{"spans": acknowledged, "seconds": elapsed}`. Its own process, as in production, so
 * the exporter's serialization runs beside the collector rather than on its thread. Each export
 * gives the first span a new id: the collector answers a batch it has recorded already without
 * recording it again, which is not the path to measure.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { makeGenAiSpans } from './genai-spans.ts';

const url = process.argv[2]!;
const seconds = Number(process.argv[3] ?? 3);
const concurrency = Number(process.argv[4] ?? 4);
const spans = await makeGenAiSpans({ spans: 1000, services: 10, startMs: Date.now() - 60_000 });
const exporter = new OTLPTraceExporter({
  url: `${url}/v1/traces`,
  concurrencyLimit: concurrency * 2,
  timeoutMillis: 30_000,
});

let exports = 0;
/** The spans with a first span of its own id (the rest read through to the original). */
function nextBatch(): typeof spans {
  const first = spans[0]!;
  const context = { ...first.spanContext(), spanId: (++exports).toString(16).padStart(16, '0') };
  return [Object.create(first, { spanContext: { value: () => context } }), ...spans.slice(1)];
}

const exportOnce = () =>
  new Promise<number>((resolve, reject) => {
    exporter.export(nextBatch() as never, (result) => {
      if (result.code === 0) resolve(spans.length);
      else reject(result.error ?? new Error('export failed'));
    });
  });

async function loop(until: number): Promise<number> {
  let n = 0;
  while (performance.now() < until) n += await exportOnce();
  return n;
}

await Promise.all(Array.from({ length: concurrency }, () => loop(performance.now() + 500))); // warm-up
const start = performance.now();
const until = start + seconds * 1000;
const counts = await Promise.all(Array.from({ length: concurrency }, () => loop(until)));
const elapsed = (performance.now() - start) / 1000;
await exporter.shutdown();
console.log(JSON.stringify({ spans: counts.reduce((a, b) => a + b, 0), seconds: elapsed }));
