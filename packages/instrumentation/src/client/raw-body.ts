/**
 * Ends a streamed operation whose raw `Response` the caller took with `.asResponse()` (the usual
 * way to proxy SSE to a browser). The client never parses that body, so {@link observeStream}
 * never sees it; instead the caller gets a `Response` whose body ends the operation when it is
 * read to the end (success), fails (classified, reported to the pipeline as a late failure), is
 * cancelled (abandoned) or is garbage-collected unread (abandoned, late rather than never).
 *
 * The time to first chunk is when the body's first bytes arrived, however late the caller reads
 * them: a clone of the response (a `tee()` of its body) reads them as soon as the body is handed
 * over, then is cancelled, leaving the original body whole and unlocked for the caller or the
 * client's parser.
 */
import type { Operation } from '../operation.ts';
import { copiedResponse } from './copied-response.ts';
import { probeFirstChunk } from './first-chunk.ts';

/**
 * Backstop for a body nobody reads. The held value must not reach the watched stream, so it holds
 * the operation only (the stream's source closure holds the operation, never the other way).
 */
const unread = new FinalizationRegistry<Operation>((op) => op.abandon());

const ignore = (): void => {};

/** A body still open at shutdown ends abandoned; built out here so it holds the operation only. */
function abandonAtShutdown(op: Operation): () => void {
  return () => op.abandon();
}

interface Orphan {
  readonly body: ReadableStream<Uint8Array>;
  readonly probe: ReadableStreamDefaultReader<Uint8Array>;
  /** Of the client's response and the caller's body, how many are not collected yet. */
  readers: number;
}

/**
 * The probe's `tee()` locks the fetched body, and fetch cancels only an unlocked body whose
 * response it collects: so once nothing can read the body any more (the client's response and
 * the body given to the caller are both collected), it is cancelled here, or a long stream would
 * hold its connection. The held value reaches the body's branches only, never what it watches.
 */
const orphaned = new FinalizationRegistry<Orphan>((orphan) => {
  if (--orphan.readers > 0) return;
  if (!orphan.body.locked) orphan.body.cancel().catch(ignore);
  orphan.probe.cancel().catch(ignore);
});

/**
 * Starts timing the first bytes of `response`'s body on a clone; undefined when it cannot be
 * cloned (then no time to first chunk is recorded).
 */
function probe(op: Operation, response: Response): ReadableStreamDefaultReader<Uint8Array> | undefined {
  let clone: Response;
  try {
    clone = response.clone();
  } catch {
    return undefined;
  }
  return clone.body === null ? undefined : probeFirstChunk(op, clone.body);
}

/** Stops watching `op`'s raw body (the client parses the body after all, which ends `op`). */
export function unwatchRawBody(op: Operation): void {
  unread.unregister(op);
}

/**
 * Returns a `Response` like `response` whose body ends `op` with it. The original body is only
 * locked on the first read, so a caller that looks at the headers and then parses the call
 * (`await promise`) still can.
 */
export function observeRawBody(op: Operation, response: Response, signal: AbortSignal | undefined): Response {
  // Cloned first: the clone tees the body, and `response.body` is then the caller's branch.
  const prober = signal?.aborted === true ? undefined : probe(op, response);
  const source = response.body;
  if (source === null) {
    op.succeed();
    return response;
  }
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= source.getReader();
        // The caller waits on the provider now: cancelling during this read ends the operation then.
        op.awaiting();
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (error) {
          unread.unregister(op);
          // A caller who aborted the request walked away; anything else is the dependency's fault.
          if (signal?.aborted === true) op.abandon();
          else op.fail(error);
          controller.error(error);
          return;
        }
        if (result.done) {
          unread.unregister(op);
          op.succeed();
          controller.close();
          return;
        }
        // Handed over now: a caller that cancels later leaves after these bytes.
        op.delivered();
        controller.enqueue(result.value);
      },
      cancel(reason) {
        unread.unregister(op);
        op.abandon();
        // The probe's branch too: the fetched body is cancelled only when both are.
        prober?.cancel(reason).catch(ignore);
        return reader === undefined ? source.cancel(reason) : reader.cancel(reason);
      },
    },
    // Pull only when the caller reads: keeps the provider's backpressure and the lazy lock above.
    { highWaterMark: 0 },
  );
  unread.register(body, op, op);
  op.waitsOnApp(abandonAtShutdown(op));
  if (prober !== undefined) {
    const orphan: Orphan = { body: source, probe: prober, readers: 2 };
    orphaned.register(response, orphan);
    orphaned.register(body, orphan);
  }
  return copiedResponse(response, body);
}
