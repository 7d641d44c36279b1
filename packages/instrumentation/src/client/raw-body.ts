/**
 * Ends a streamed operation whose raw `Response` the caller took with `.asResponse()` (the usual
 * way to proxy SSE to a browser). The client never parses that body, so {@link observeStream}
 * never sees it; instead the caller gets a `Response` whose body ends the operation when it is
 * read to the end (success), fails (classified, reported to the pipeline as a late failure), is
 * cancelled (abandoned) or is garbage-collected unread (abandoned, late rather than never).
 */
import type { GenAiMetrics } from '../metrics.ts';
import type { Operation } from '../operation.ts';
import { FirstChunkTimer } from './first-chunk.ts';

/**
 * Backstop for a body nobody reads. The held value must not reach the watched stream, so it holds
 * the operation only (the stream's source closure holds the operation, never the other way).
 */
const unread = new FinalizationRegistry<Operation>((op) => op.abandon());

/** Stops watching `op`'s raw body (the client parses the body after all, which ends `op`). */
export function unwatchRawBody(op: Operation): void {
  unread.unregister(op);
}

/**
 * Returns a `Response` like `response` whose body ends `op` with it. The original body is only
 * locked on the first read, so a caller that looks at the headers and then parses the call
 * (`await promise`) still can.
 */
export function observeRawBody(
  op: Operation,
  response: Response,
  metrics: GenAiMetrics | undefined,
  signal: AbortSignal | undefined,
): Response {
  const source = response.body;
  if (source === null) {
    op.succeed();
    return response;
  }
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const firstChunk = new FirstChunkTimer(op, metrics);
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= source.getReader();
        let result: Awaited<ReturnType<typeof reader.read>>;
        firstChunk.reading();
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
        firstChunk.chunk();
        controller.enqueue(result.value);
      },
      cancel(reason) {
        unread.unregister(op);
        op.abandon();
        return reader === undefined ? source.cancel(reason) : reader.cancel(reason);
      },
    },
    // Pull only when the caller reads: keeps the provider's backpressure and the lazy lock above.
    { highWaterMark: 0 },
  );
  unread.register(body, op, op);
  const wrapped = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // A constructed Response has an empty url; proxies log or forward the original one.
  Object.defineProperty(wrapped, 'url', { value: response.url });
  return wrapped;
}
