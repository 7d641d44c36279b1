import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, METRIC } from '@breakwater/protocol';
import { context, SpanKind } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { AttributeSets } from '../attribute-sets.ts';
import { createGenAiMetrics } from '../metrics.ts';
import { Operation } from '../operation.ts';
import { createRuntime } from '../runtime.ts';
import { countAndSum, type MetricPoint, OnDemandReader } from '../testing/metric-points.ts';
import { type ChunkReader, observeStream } from './stream.ts';

// The stream timings on the histograms, on a manual clock: `time_to_first_chunk` once, and
// `time_per_output_chunk` for each chunk after the first, both with the response model the
// stream named (known only at its end) and never with error.type.

const clock = new ManualClock(0);
const runtime = createRuntime({ clock });
const reader = new OnDemandReader();
const metrics = createGenAiMetrics(new MeterProvider({ readers: [reader] }).getMeter('t'));
const tracer = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
}).getTracer('t');

function operation(model: string): Operation {
  return new Operation(
    runtime,
    { tracer, metrics },
    {
      spanName: `chat ${model}`,
      dependency: `openai/${model}`,
      sets: new AttributeSets({ 'gen_ai.request.model': model }),
      requestAttributes: {},
      kind: SpanKind.CLIENT,
      attemptSpans: false,
    },
    context.active(),
  );
}

/** Reads the model each chunk names, as the providers' chunk readers do, and sets it at the end. */
function modelReader(): ChunkReader {
  let model: string | undefined;
  return {
    onChunk(chunk) {
      model = (chunk as { model: string }).model;
    },
    finish(op) {
      op.setResponseModel(model);
      return undefined;
    },
  };
}

/** A client `Stream` stand-in whose provider sends a chunk at each of `sentAt` (ms after now). */
function sentAt(sentAtMs: number[], error?: Error): { iterator: () => AsyncIterator<unknown> } {
  const start = clock.monotonic();
  const until = (ms: number) =>
    new Promise((resolve) =>
      clock.setTimeout(() => resolve(undefined), Math.max(0, start + ms - clock.monotonic())),
    );
  return {
    async *iterator() {
      for (const ms of sentAtMs) {
        await until(ms);
        yield { model: 'gpt-dated-0613' };
      }
      if (error !== undefined) throw error;
    },
  };
}

/** Reads `stream` to its end (or failure), taking `holdMs` over each chunk before asking for the next. */
async function consume(stream: { iterator: () => AsyncIterator<unknown> }, holdMs = 0): Promise<void> {
  for await (const _ of { [Symbol.asyncIterator]: () => stream.iterator() }) {
    if (holdMs > 0) await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), holdMs));
  }
}

async function pointOf(name: string, model: string): Promise<MetricPoint | undefined> {
  const points = (await reader.points(name)).filter((p) => p.attributes['gen_ai.request.model'] === model);
  assert.ok(points.length <= 1, `one point per attribute set, got ${points.length}`);
  return points[0];
}

const near = (actual: { count: number; sum: number } | undefined, count: number, sum: number) => {
  assert.equal(actual?.count, count);
  assert.ok(Math.abs(actual.sum - sum) < 1e-9, `sum ${actual.sum}, expected ${sum}`);
};

describe('stream timings on the GenAI histograms', () => {
  it('a stream read as it arrives: the first chunk’s time, then the gap before each later chunk', async () => {
    const op = operation('m-steady');
    const reading = consume(observeStream(op, sentAt([100, 150, 400, 1000]), modelReader()));
    await clock.advance(2_000);
    await reading;
    const first = await pointOf(METRIC.GEN_AI_TIME_TO_FIRST_CHUNK, 'm-steady');
    near(countAndSum(first), 1, 0.1);
    const perChunk = await pointOf(METRIC.GEN_AI_TIME_PER_OUTPUT_CHUNK, 'm-steady');
    near(countAndSum(perChunk), 3, 0.05 + 0.25 + 0.6);
    for (const point of [first, perChunk]) {
      assert.equal(point?.attributes['gen_ai.response.model'], 'gpt-dated-0613');
      assert.equal(point?.attributes['error.type'], undefined);
    }
  });

  it('a stream that fails mid-way keeps the timings of the chunks that came, without error.type', async () => {
    const op = operation('m-broken');
    const reading = assert.rejects(
      consume(observeStream(op, sentAt([200, 500], new Error('socket hang up')), modelReader())),
      /socket hang up/,
    );
    await clock.advance(1_000);
    await reading;
    near(countAndSum(await pointOf(METRIC.GEN_AI_TIME_TO_FIRST_CHUNK, 'm-broken')), 1, 0.2);
    const perChunk = await pointOf(METRIC.GEN_AI_TIME_PER_OUTPUT_CHUNK, 'm-broken');
    near(countAndSum(perChunk), 1, 0.3);
    assert.equal(perChunk?.attributes['error.type'], undefined);
    const failed = (await reader.points(METRIC.GEN_AI_OPERATION_DURATION)).find(
      (p) => p.attributes['gen_ai.request.model'] === 'm-broken',
    );
    assert.equal(typeof failed?.attributes['error.type'], 'string', 'the duration says it failed');
  });

  it('the app’s own time with a chunk is not in the gap before the next', async () => {
    const op = operation('m-slow-reader');
    // Sent at 0.1, 0.3 and 1 s; the app holds each chunk 0.4 s before asking for the next. The
    // second is already there when asked for (0.5 s): about 0. The third is waited for from 0.9 s
    // to 1 s: 0.1 s, not the 0.5 s since the second was handed over.
    const reading = consume(observeStream(op, sentAt([100, 300, 1000]), modelReader()), 400);
    await clock.advance(2_000);
    await reading;
    near(countAndSum(await pointOf(METRIC.GEN_AI_TIME_TO_FIRST_CHUNK, 'm-slow-reader')), 1, 0.1);
    near(countAndSum(await pointOf(METRIC.GEN_AI_TIME_PER_OUTPUT_CHUNK, 'm-slow-reader')), 2, 0.1);
  });

  it('a plain (unstreamed) answer records neither', async () => {
    const op = operation('m-plain');
    op.succeed({ input: 3, output: 5 });
    assert.equal(await pointOf(METRIC.GEN_AI_TIME_TO_FIRST_CHUNK, 'm-plain'), undefined);
    assert.equal(await pointOf(METRIC.GEN_AI_TIME_PER_OUTPUT_CHUNK, 'm-plain'), undefined);
    assert.equal(countAndSum(await pointOf(METRIC.GEN_AI_OPERATION_DURATION, 'm-plain'))?.count, 1);
  });
});
