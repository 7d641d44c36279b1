/**
 * Forward spool benchmark: what `forward[].spool: true` adds to each forwarded request, against
 * the in-memory queue, in one process run
 * (`node --conditions=@breakwater/source collector/bench/forward-spool.bench.ts`).
 *
 * The request is one realistic OTLP protobuf batch (BENCH_SPANS GenAI spans, default 512: the
 * SDK's batch size). Two measurements, each in interleaved rounds (memory, spool, memory, ...;
 * BENCH_ROUNDS rounds of BENCH_REQUESTS requests, a fresh spool file per round), medians:
 *
 * - enqueue: `Forwarder.forward()` alone, what the receiver pays before answering 200. The
 *   downstream never answers (an injected fetch), so nothing is sent or deleted meanwhile;
 *   the spool's cost is its one INSERT.
 * - cycle: enqueue plus delivery to a downstream that answers 200 at once (an injected fetch,
 *   no network), until every request is sent; the spool's cost is its INSERT and its DELETE.
 *
 * Output: a detail line per measurement, then the last line
 * `spool_enqueue_us=<n> memory_enqueue_us=<n> enqueue_ratio=<r> spool_cycle_us=<n> memory_cycle_us=<n> cycle_ratio=<r>`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@breakwater/protocol';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ForwardSchema } from '../src/config/server-section.ts';
import { Forwarder } from '../src/forward/forwarder.ts';
import { silentLogger } from '../src/testing/helpers.ts';
import { makeGenAiSpans } from './genai-spans.ts';

const SPANS = Number(process.env.BENCH_SPANS ?? 512);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A downstream that never answers (but lets shutdown abort the request). */
const hangingFetch: typeof fetch = (_url, init) =>
  new Promise((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
  });
/** A downstream that accepts everything at once. */
const acceptingFetch: typeof fetch = async () => new Response(null, { status: 200 });

const dir = await mkdtemp(join(tmpdir(), 'breakwater-spool-bench-'));
const spans = await makeGenAiSpans({ spans: SPANS, services: 10 });
const request = {
  signal: 'traces' as const,
  body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!),
  contentType: 'application/x-protobuf',
  contentEncoding: undefined,
};
console.log(
  `request: ${SPANS} spans, ${request.body.length} bytes; ${ROUNDS} rounds of ${REQUESTS} requests`,
);

let files = 0;
function forwarder(spool: boolean, fetchFn: typeof fetch): Forwarder {
  return new Forwarder({
    destinations: [
      ForwardSchema.parse({
        url: 'http://127.0.0.1:9/',
        concurrency: 1,
        // Room for every request of a round: drops would add deletes to the spool's side only.
        maxQueueRequests: REQUESTS + 1,
        maxQueueBytes: (REQUESTS + 1) * request.body.length,
        ...(spool ? { spool: true, spoolPath: join(dir, `round-${files++}.db`) } : {}),
      }),
    ],
    clock: systemClock,
    logger: silentLogger,
    fetch: fetchFn,
    flushTimeout: '1ms',
  });
}

/** µs per request for `forward()` alone. */
async function enqueue(spool: boolean): Promise<number> {
  const f = forwarder(spool, hangingFetch);
  const start = performance.now();
  for (let i = 0; i < REQUESTS; i++) f.forward(request);
  const us = ((performance.now() - start) * 1000) / REQUESTS;
  await f.stop();
  return us;
}

/** µs per request for enqueue plus delivery (and, with the spool, its delete). */
async function cycle(spool: boolean): Promise<number> {
  const f = forwarder(spool, acceptingFetch);
  const d = f.destinations[0]!;
  const start = performance.now();
  for (let i = 0; i < REQUESTS; i++) f.forward(request);
  while (d.outcomes.get('sent')! < REQUESTS) await new Promise((resolve) => setImmediate(resolve));
  const us = ((performance.now() - start) * 1000) / REQUESTS;
  await f.stop();
  return us;
}

async function measure(
  name: string,
  run: (spool: boolean) => Promise<number>,
): Promise<{ spool: number; memory: number }> {
  await run(false);
  await run(true); // warm-up
  const memory: number[] = [];
  const spool: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so drift hits both alike.
    const first = round % 2 === 0;
    const a = await run(!first);
    const b = await run(first);
    const [m, s] = first ? [a, b] : [b, a];
    memory.push(m);
    spool.push(s);
    ratios.push(s / m);
  }
  const result = { spool: median(spool), memory: median(memory) };
  console.log(
    `${name}: memory ${result.memory.toFixed(2)} µs/request, spool ${result.spool.toFixed(2)} µs/request (+${(result.spool - result.memory).toFixed(2)} µs), median ratio ${median(ratios).toFixed(1)}`,
  );
  return result;
}

try {
  const e = await measure('enqueue', enqueue);
  const c = await measure('cycle', cycle);
  console.log(
    `spool_enqueue_us=${e.spool.toFixed(2)} memory_enqueue_us=${e.memory.toFixed(2)} enqueue_ratio=${(e.spool / e.memory).toFixed(1)} ` +
      `spool_cycle_us=${c.spool.toFixed(2)} memory_cycle_us=${c.memory.toFixed(2)} cycle_ratio=${(c.spool / c.memory).toFixed(2)}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
