/**
 * Observes a streamed response body (the `Stream` of the openai and anthropic clients) so the
 * operation ends when the stream does: completed, failed mid-stream (classified), or abandoned
 * (the consumer broke out of its loop, aborted, or dropped the stream unread).
 *
 * Both clients' `Stream` keeps its source in an `iterator` field that `[Symbol.asyncIterator]`,
 * `tee()` and `toReadableStream()` all call, so replacing that one field observes every way of
 * reading it while the object the caller gets stays the client's own `Stream`.
 *
 * The first chunk is asked for as soon as the stream is handed over, so its arrival can be timed
 * however late the caller reads it (`gen_ai.response.time_to_first_chunk`); the caller's first
 * read gets that very result, error included. Later chunks are read only when the caller asks.
 */
import type { Operation, Usage } from '../operation.ts';
import { timeFirstChunk } from './first-chunk.ts';
import { beforeDeadline, deadlineIn, type WaitLimit } from './response-deadline.ts';

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
  controller?: { signal?: AbortSignal; abort?: (reason?: unknown) => void };
}

interface Unread {
  readonly op: Operation;
  readonly reader: ChunkReader;
  /** Aborts the request, when the first chunk was read ahead. */
  readonly abort: (() => void) | undefined;
}

const ignore = (): void => {};

/**
 * A stream that is never read would otherwise keep its span open forever; when the garbage
 * collector reclaims it, the operation ends as abandoned. (Timing is up to the collector, so an
 * unread stream's span ends late rather than never.) Its request is aborted too: the read ahead
 * locked the response body, and fetch cancels only an unlocked body it collects, so a long
 * stream would otherwise hold its connection. Nothing can read the stream any more: whatever
 * reads it (an iterator, a `tee()` branch, a `toReadableStream()`) keeps it reachable.
 */
const unread = new FinalizationRegistry<Unread>(({ op, reader, abort }) => {
  op.abandon(finished(reader, op));
  try {
    abort?.();
  } catch {
    // The connection is the client's to close in the end; the operation has ended.
  }
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

/**
 * How a stream still open at shutdown ends: abandoned, with what its reader gathered. Its request
 * is left alone (the app may still be reading). Built out here, so the function holds the
 * operation and reader only, never the stream.
 */
function abandonAtShutdown(op: Operation, reader: ChunkReader): () => void {
  return () => op.abandon(finished(reader, op));
}

/**
 * How an observed stream ends, once: completed, failed or abandoned. Built outside
 * {@link observeStream}, so that its abort listener, which the request's signal holds while the
 * connection lasts, holds the operation and reader but never the stream: a stream nobody reads
 * must stay collectable.
 */
class StreamEnd {
  /**
   * Reads under way (the app's, and the read ahead until it settles): an abort meanwhile ends
   * the operation through that read.
   */
  reading = 0;
  /**
   * Why the read ahead failed, once it did. The client aborts its own request then, so the abort
   * is no abandonment: the app's first read gets this failure, as it would from the client.
   */
  aheadFailure: { readonly error: unknown } | undefined;
  private readonly op: Operation;
  private readonly reader: ChunkReader;
  private readonly token: object;
  private readonly signal: AbortSignal | undefined;
  // Aborted between reads (a proxy cancelling on its client's disconnect while backpressured),
  // the stream may never be read again: it would hold its operation and bulkhead slot until
  // garbage collection.
  private readonly onAbort = (): void => {
    if (this.reading === 0 && this.aheadFailure === undefined) this.done('abandoned');
  };

  constructor(op: Operation, reader: ChunkReader, token: object, signal: AbortSignal | undefined) {
    this.op = op;
    this.reader = reader;
    this.token = token;
    this.signal = signal;
    if (signal?.aborted === false) signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Counts the read ahead as a read under way until it settles (see {@link aheadFailure}). */
  watch(first: Promise<unknown>): void {
    this.reading++;
    first.then(
      () => this.settled(),
      (error: unknown) => {
        this.aheadFailure = { error };
        this.settled();
      },
    );
  }

  private settled(): void {
    this.reading--;
    // An abort while the read ahead was under way: only now is it known not to be a failure's.
    if (this.signal?.aborted === true) this.onAbort();
  }

  done(how: 'ok' | 'abandoned' | 'error', error?: unknown): void {
    const { op, reader } = this;
    unread.unregister(this.token);
    this.signal?.removeEventListener('abort', this.onAbort);
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
  }
}

function reportedFailure(reader: ChunkReader): unknown {
  try {
    return reader.failure?.();
  } catch {
    return undefined;
  }
}

type IteratorFn = (...args: unknown[]) => AsyncIterator<unknown>;

interface ReadAhead {
  readonly it: AsyncIterator<unknown>;
  readonly first: Promise<IteratorResult<unknown>>;
}

/**
 * Starts the client's iterator and asks for its first chunk, timed on arrival. Undefined when
 * the iterator cannot even be made (the caller's own call then fails as it would have).
 */
function readAhead(source: IteratorFn, stream: unknown, op: Operation): ReadAhead | undefined {
  let it: AsyncIterator<unknown>;
  try {
    it = source.call(stream);
  } catch {
    return undefined;
  }
  let first: Promise<IteratorResult<unknown>>;
  try {
    first = Promise.resolve(it.next());
  } catch (error) {
    first = Promise.reject(error);
  }
  timeFirstChunk(op, first);
  return { it, first };
}

/**
 * Marks the end of a streamed operation; returns the same stream object. With `chunkWait`, each
 * wait of the app for a chunk lasts at most that long: a stream stalled past it fails as a
 * timeout, and its request is aborted.
 */
export function observeStream<S>(op: Operation, stream: S, reader: ChunkReader, chunkWait?: WaitLimit): S {
  const s = stream as StreamLike;
  const source = s.iterator;
  // Ended already (e.g. the caller aborted): nothing to observe, and nothing is read.
  if (typeof source !== 'function' || op.isEnded) {
    op.succeed();
    return stream;
  }
  const controller = s.controller;
  // A stream aborted before it was handed over has no chunk to time: it is read, as before, only
  // when the caller reads it.
  let ahead = controller?.signal?.aborted === true ? undefined : readAhead(source as IteratorFn, stream, op);
  const token = {};
  const abort = ahead === undefined ? undefined : controller?.abort?.bind(controller);
  // Only the app's own waits are bounded: a slow consumer is not a stalled provider.
  const chunk = (read: Promise<IteratorResult<unknown>>): Promise<IteratorResult<unknown>> =>
    beforeDeadline(read, deadlineIn(chunkWait), controller);
  unread.register(stream as object, { op, reader, abort }, token);
  op.waitsOnApp(abandonAtShutdown(op, reader));
  const end = new StreamEnd(op, reader, token, controller?.signal);
  if (ahead !== undefined) end.watch(ahead.first);
  s.iterator = function observedIterator(this: unknown, ...args: unknown[]) {
    // The first iterator asked for is the one read ahead; any later one is the client's own,
    // which refuses to read a consumed stream as it always did.
    let it: AsyncIterator<unknown>;
    /** The read-ahead result, until the caller's first read takes it. */
    let first: Promise<IteratorResult<unknown>> | undefined;
    if (ahead !== undefined) {
      ({ it, first } = ahead);
      ahead = undefined;
    } else it = (source as IteratorFn).apply(this, args);
    const observed: AsyncIterableIterator<unknown> = {
      async next(...nextArgs: [] | [unknown]) {
        let result: IteratorResult<unknown>;
        // The app waits on the provider now: leaving during this wait ends the operation then.
        op.awaiting();
        end.reading++;
        try {
          if (first === undefined) result = await chunk(it.next(...nextArgs));
          else if (s.controller?.signal?.aborted === true && end.aheadFailure === undefined) {
            // Aborted before its first read: as without the read ahead, the app gets no chunk,
            // also none the client holds already. (A failed read ahead was aborted by the client
            // itself: that read's failure is the app's, below.)
            first = undefined;
            endLater(it);
            result = { done: true, value: undefined };
          } else {
            const pending = first;
            first = undefined;
            result = await chunk(pending);
          }
        } catch (error) {
          end.done('error', error);
          throw error;
        } finally {
          end.reading--;
        }
        if (result.done === true) {
          end.done(s.controller?.signal?.aborted === true ? 'abandoned' : 'ok');
        } else {
          // Handed over now: a consumer that leaves later leaves after this chunk.
          op.chunkDelivered();
          try {
            reader.onChunk(result.value);
          } catch {
            // A chunk we cannot read costs us attributes, never the caller's stream.
          }
        }
        return result;
      },
      async return(value?: unknown) {
        end.done('abandoned');
        if (first === undefined) return (await it.return?.(value)) ?? { done: true, value };
        // Left before its first read: the client's iterator, started ahead, can only end after
        // that read settles; it ends then, and the caller, as before, need not wait for it.
        first = undefined;
        endLater(it);
        return { done: true, value };
      },
      async throw(error?: unknown) {
        end.done('abandoned');
        if (first === undefined) {
          if (it.throw !== undefined) return it.throw(error);
          throw error;
        }
        first = undefined;
        endLater(it);
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

/** Ends a started iterator once its pending read settles, without waiting for it. */
function endLater(it: AsyncIterator<unknown>): void {
  try {
    Promise.resolve(it.return?.()).catch(ignore);
  } catch {
    // An iterator whose return throws at once has nothing more to end.
  }
}
