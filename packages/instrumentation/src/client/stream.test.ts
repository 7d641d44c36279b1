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
    const stream = observeStream(op, streamOf([1, 2, 3]), reader);
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
    const stream = observeStream(op, streamOf([1], new Error('socket hang up')), brokenReader());
    await assert.rejects(readAll(stream), /socket hang up/);
    assert.equal(op.isEnded, true);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(typeof span?.attributes['error.type'], 'string');
  });

  it('a stream left early still ends its operation as abandoned', async () => {
    exporter.reset();
    const op = operation();
    const stream = observeStream(op, streamOf([1, 2, 3]), brokenReader());
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
  /** A stream whose first chunk the provider sends `ms` after the headers, read or not. */
  const sentAfter = (ms: number) => {
    const sent = new Promise((resolve) => clock.setTimeout(() => resolve(undefined), ms));
    return {
      async *iterator() {
        await sent;
        yield 1;
      },
    };
  };
  /**
   * The provider answers with headers at 0.2 s and sends the first chunk `sentMs` later; the app
   * starts reading `lateMs` after the headers. Returns the recorded time to first chunk.
   */
  async function timeToFirstChunk(lateMs: number, sentMs: number): Promise<number> {
    exporter.reset();
    const op = operation(timed);
    await clock.advance(200);
    const stream = observeStream(op, sentMs === 0 ? streamOf([1, 2]) : sentAfter(sentMs), brokenReader());
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
    near(await timeToFirstChunk(1_000, 1_800), 2.0);
  });

  it('counts the time the provider took, not the app’s, when the app read after it came', async () => {
    near(await timeToFirstChunk(1_000, 300), 0.5);
  });
});

describe('the first chunk, read ahead', () => {
  /** A stand-in whose iterator counts how often it was started and how far it was read. */
  function counted(source: () => AsyncGenerator<unknown>): {
    stream: { iterator: () => AsyncIterator<unknown>; controller: AbortController };
    started: () => number;
  } {
    let started = 0;
    return {
      stream: {
        iterator() {
          started++;
          return source();
        },
        controller: new AbortController(),
      },
      started: () => started,
    };
  }

  it('an error before the first chunk reaches the app’s first read, classified', async () => {
    exporter.reset();
    const op = operation();
    const stream = observeStream(op, streamOf([], new Error('socket hang up')), brokenReader());
    // The read ahead failed already; the app hears of it only when it reads, as before.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(op.isEnded, false);
    await assert.rejects(readAll(stream), /socket hang up/);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(typeof span?.attributes['error.type'], 'string');
    assert.equal(span?.attributes['gen_ai.response.time_to_first_chunk'], undefined);
  });

  it('reads nothing when the operation has already ended', async () => {
    exporter.reset();
    const op = operation();
    op.abandon();
    const { stream, started } = counted(async function* () {
      yield 1;
    });
    assert.equal(observeStream(op, stream, brokenReader()), stream);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started(), 0);
  });

  it('reads nothing ahead of a stream aborted before it was handed over', async () => {
    exporter.reset();
    const op = operation();
    const { stream, started } = counted(async function* () {
      yield 1;
    });
    stream.controller.abort();
    observeStream(op, stream, brokenReader());
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started(), 0);
    await readAll(stream);
    assert.equal(started(), 1);
  });

  it('reads one chunk ahead, no more, and hands it to the app’s first read', async () => {
    exporter.reset();
    const op = operation();
    let read = 0;
    const { stream, started } = counted(async function* () {
      for (const chunk of ['a', 'b', 'c']) {
        read++;
        yield chunk;
      }
    });
    observeStream(op, stream, brokenReader());
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([started(), read], [1, 1]);
    const chunks: unknown[] = [];
    for await (const chunk of { [Symbol.asyncIterator]: () => stream.iterator() }) chunks.push(chunk);
    assert.deepEqual(chunks, ['a', 'b', 'c']);
    assert.equal(started(), 1);
    // A second read of the stream gets the client's own iterator (which refuses, for the clients).
    stream.iterator();
    assert.equal(started(), 2);
  });

  it('an app that leaves before reading does not wait for the first chunk', async () => {
    exporter.reset();
    const op = operation();
    let send = (): void => {};
    const sent = new Promise<void>((resolve) => {
      send = resolve;
    });
    let ended = false;
    const { stream } = counted(async function* () {
      try {
        await sent;
        yield 1;
        yield 2;
      } finally {
        ended = true;
      }
    });
    observeStream(op, stream, brokenReader());
    const it = stream.iterator();
    assert.deepEqual(await it.return?.(), { done: true, value: undefined });
    assert.equal(op.isEnded, true);
    assert.equal(exporter.getFinishedSpans()[0]?.attributes['breakwater.stream.abandoned'], true);
    // The client's iterator, started ahead, ends (aborting its request) once its read settles.
    assert.equal(ended, false);
    send();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ended, true);
  });
});
