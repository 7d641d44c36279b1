/**
 * Observes a streamed response body (the `Stream` of the openai and anthropic clients) so the
 * operation ends when the stream does: completed, failed mid-stream (classified), or abandoned
 * (the consumer broke out of its loop, aborted, or dropped the stream unread).
 *
 * Both clients' `Stream` keeps its source in an `iterator` field that `[Symbol.asyncIterator]`,
 * `tee()` and `toReadableStream()` all call, so replacing that one field observes every way of
 * reading it while the object the caller gets stays the client's own `Stream`.
 */
import type { GenAiMetrics } from '../metrics.ts';
import type { Operation, Usage } from '../operation.ts';
import { FirstChunkTimer } from './first-chunk.ts';

/** Accumulates what a provider's chunks say about the response. */
export interface ChunkReader {
  onChunk(chunk: unknown): void;
  /** Called once at the end: writes response attributes and returns the usage seen. */
  finish(operation: Operation): Usage | undefined;
  /**
   * A failure the stream reported in its own events rather than by throwing (the Responses API's
   * `response.failed`), as an error to classify; undefined when it reported none.
   */
  failure?(): unknown;
}

interface StreamLike {
  iterator?: unknown;
  controller?: { signal?: AbortSignal };
}

/**
 * A stream that is never read would otherwise keep its span open forever; when the garbage
 * collector reclaims it, the operation ends as abandoned. (Timing is up to the collector, so an
 * unread stream's span ends late rather than never.)
 */
const unread = new FinalizationRegistry<{ op: Operation; reader: ChunkReader }>(({ op, reader }) => {
  op.abandon(finished(reader, op));
});

/**
 * What the reader gathered, set on the operation. A reader that fails (a body shaped like no
 * provider's) costs those attributes, never the end of the operation.
 */
function finished(reader: ChunkReader, op: Operation): Usage | undefined {
  try {
    return reader.finish(op);
  } catch {
    return undefined;
  }
}

function reportedFailure(reader: ChunkReader): unknown {
  try {
    return reader.failure?.();
  } catch {
    return undefined;
  }
}

/** Marks the end of a streamed operation; returns the same stream object. */
export function observeStream<S>(
  op: Operation,
  stream: S,
  reader: ChunkReader,
  metrics: GenAiMetrics | undefined,
): S {
  const s = stream as StreamLike;
  const source = s.iterator;
  if (typeof source !== 'function') {
    op.succeed();
    return stream;
  }
  const token = {};
  unread.register(stream as object, { op, reader }, token);
  const firstChunk = new FirstChunkTimer(op, metrics);
  const done = (how: 'ok' | 'abandoned' | 'error', error?: unknown): void => {
    unread.unregister(token);
    if (op.isEnded) return;
    const usage = finished(reader, op);
    if (how === 'error') {
      op.fail(error);
      return;
    }
    // The client iterates a stream that reported its own failure to the end without throwing:
    // that failure is the dependency's all the same, and its breaker must hear of it.
    const failure = reportedFailure(reader);
    if (failure !== undefined) op.fail(failure);
    else if (how === 'abandoned') op.abandon(usage);
    else op.succeed(usage);
  };
  s.iterator = function observedIterator(this: unknown, ...args: unknown[]) {
    const it = (source as (...a: unknown[]) => AsyncIterator<unknown>).apply(this, args);
    const observed: AsyncIterableIterator<unknown> = {
      async next(...nextArgs: [] | [unknown]) {
        let result: IteratorResult<unknown>;
        firstChunk.reading();
        try {
          result = await it.next(...nextArgs);
        } catch (error) {
          done('error', error);
          throw error;
        }
        if (result.done === true) {
          done(s.controller?.signal?.aborted === true ? 'abandoned' : 'ok');
        } else {
          firstChunk.chunk();
          try {
            reader.onChunk(result.value);
          } catch {
            // A chunk we cannot read costs us attributes, never the caller's stream.
          }
        }
        return result;
      },
      async return(value?: unknown) {
        done('abandoned');
        return (await it.return?.(value)) ?? { done: true, value };
      },
      async throw(error?: unknown) {
        done('abandoned');
        if (it.throw !== undefined) return it.throw(error);
        throw error;
      },
      [Symbol.asyncIterator]() {
        return observed;
      },
    };
    return observed;
  };
  return stream;
}
