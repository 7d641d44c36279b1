import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { AttributeSets } from '../attribute-sets.ts';
import { Operation } from '../operation.ts';
import { createRuntime } from '../runtime.ts';
import { type ChunkReader, observeStream } from './stream.ts';

// The stream observer on its own, with a reader whose `finish` throws (a body shaped like no
// provider's): the reader may cost attributes, never the end of the operation.

const exporter = new InMemorySpanExporter();
const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('t');
const runtime = createRuntime({ clock: new ManualClock() });

function operation(rt = runtime): Operation {
  return new Operation(
    rt,
    { tracer, metrics: undefined },
    {
      spanName: 'chat m',
      dependency: 'openai/m',
      provider: 'openai',
      sets: new AttributeSets({}),
      requestAttributes: {},
      kind: SpanKind.CLIENT,
      attemptSpans: false,
    },
    context.active(),
  );
}

/** A client `Stream` stand-in: its `iterator` yields `chunks`, then fails with `error` if given. */
function streamOf(chunks: unknown[], error?: Error): { iterator: () => AsyncIterator<unknown> } {
  return {
    async *iterator() {
      yield* chunks;
      if (error !== undefined) throw error;
    },
  };
}

const brokenReader = (): ChunkReader & { chunks: number } => ({
  chunks: 0,
  onChunk() {
    this.chunks++;
  },
  finish() {
    throw new TypeError('no provider sends this');
  },
});

async function readAll(
  stream: { iterator: () => AsyncIterator<unknown> },
  stopAfter = Infinity,
): Promise<void> {
  let n = 0;
  for await (const _ of { [Symbol.asyncIterator]: () => stream.iterator() }) if (++n >= stopAfter) break;
}

describe('observeStream with a reader that cannot finish', () => {
  it('a completed stream still ends its operation, unfailed', async () => {
    exporter.reset();
    const op = operation();
    const reader = brokenReader();
    const stream = observeStream(op, streamOf([1, 2, 3]), reader, undefined);
    await readAll(stream);
    assert.equal(reader.chunks, 3);
    assert.equal(op.isEnded, true);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.status.code, SpanStatusCode.UNSET);
    assert.equal(span?.attributes['breakwater.stream.abandoned'], undefined);
  });

  it('a stream that fails mid-way still fails its operation, classified', async () => {
    exporter.reset();
    const op = operation();
    const stream = observeStream(op, streamOf([1], new Error('socket hang up')), brokenReader(), undefined);
    await assert.rejects(readAll(stream), /socket hang up/);
    assert.equal(op.isEnded, true);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(typeof span?.attributes['error.type'], 'string');
  });

  it('a stream left early still ends its operation as abandoned', async () => {
    exporter.reset();
    const op = operation();
    const stream = observeStream(op, streamOf([1, 2, 3]), brokenReader(), undefined);
    await readAll(stream, 1);
    assert.equal(op.isEnded, true);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.attributes['breakwater.stream.abandoned'], true);
  });
});

describe('time to first chunk', () => {
  const clock = new ManualClock(0);
  const timed = createRuntime({ clock });
  const seconds = () =>
    Number(exporter.getFinishedSpans()[0]?.attributes['gen_ai.response.time_to_first_chunk']);
  /** A stream whose first chunk comes `ms` after the caller first reads. */
  const sentAfter = (ms: number) => ({
    async *iterator() {
      await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), ms));
      yield 1;
    },
  });
  /**
   * The provider answers with headers at 0.2 s; the app starts reading `lateMs` later; the first
   * chunk comes `sentMs` after that read. Returns the recorded time to first chunk.
   */
  async function timeToFirstChunk(lateMs: number, sentMs: number): Promise<number> {
    exporter.reset();
    const op = operation(timed);
    await clock.advance(200);
    const stream = observeStream(
      op,
      sentMs === 0 ? streamOf([1, 2]) : sentAfter(sentMs),
      brokenReader(),
      undefined,
    );
    await clock.advance(lateMs);
    const reading = readAll(stream);
    await clock.advance(sentMs);
    await reading;
    return seconds();
  }
  const near = (actual: number, expected: number) =>
    assert.ok(Math.abs(actual - expected) < 1e-9, String(actual));

  it('leaves out the time the app took to start reading a chunk that was waiting', async () => {
    near(await timeToFirstChunk(5_000, 0), 0.2);
  });

  it('counts the time the provider took to send it', async () => {
    near(await timeToFirstChunk(0, 300), 0.5);
  });

  it('counts the time the provider took, also after a late start', async () => {
    near(await timeToFirstChunk(1_000, 1_800), 3.0);
  });
});
