/**
 * `gen_ai.response.time_to_first_chunk`: when the provider's first chunk arrived, however late
 * the app reads it. How long the app's first read takes cannot tell the two apart (a chunk the
 * client already holds still takes a millisecond or two to decode), so the first chunk is read
 * as soon as the stream is handed over, its arrival is timed, and the read's result is handed to
 * the app's first read (see `observeStream` and `observeRawBody`).
 *
 * Module-level on purpose: the callbacks below capture the operation only, never the stream
 * being observed, so a pending first read cannot keep an unread stream from being collected.
 */
import type { Operation } from '../operation.ts';

const ignore = (): void => {};

/**
 * Times the first chunk when `first` (the stream's first read) brings one, unless the operation
 * ended before it came. Also marks a rejection of `first` as handled: it reaches the app through
 * its own first read.
 */
export function timeFirstChunk(op: Operation, first: Promise<{ readonly done?: boolean | undefined }>): void {
  first.then((result) => {
    if (result.done !== true) op.firstChunkArrived();
  }, ignore);
}

/**
 * Reads the first chunk of `body`, a branch of the raw body kept for this alone, records its time
 * and cancels the branch. Returns the branch's reader, to cancel it earlier.
 */
export function probeFirstChunk(
  op: Operation,
  body: ReadableStream<Uint8Array>,
): ReadableStreamDefaultReader<Uint8Array> {
  const reader = body.getReader();
  const first = reader.read();
  timeFirstChunk(op, first);
  // One chunk is all it is for; a cancelled branch leaves the other one whole.
  const cancel = (): void => void reader.cancel().catch(ignore);
  first.then(cancel, cancel);
  return reader;
}
