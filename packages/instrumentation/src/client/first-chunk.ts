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
import { SEMCONV } from '@breakwater/protocol';
import type { GenAiMetrics } from '../metrics.ts';
import type { Operation } from '../operation.ts';

const ignore = (): void => {};

/**
 * Records the time to first chunk when `first` (the stream's first read) brings a chunk, unless
 * the operation ended before it came. Also marks a rejection of `first` as handled: it reaches
 * the app through its own first read.
 */
export function timeFirstChunk(
  op: Operation,
  metrics: GenAiMetrics | undefined,
  first: Promise<{ readonly done?: boolean | undefined }>,
): void {
  first.then((result) => {
    if (result.done !== true) recordFirstChunk(op, metrics);
  }, ignore);
}

/**
 * Records the time to first chunk as now, unless the operation has ended or its first chunk was
 * timed already (the response's first event, read on arrival, comes before the stream's first
 * read, which is timed too for streams observed without their response).
 */
export function recordFirstChunk(op: Operation, metrics: GenAiMetrics | undefined): void {
  if (op.isEnded || op.firstChunkTimed) return;
  op.firstChunkTimed = true;
  const seconds = op.elapsedSeconds();
  try {
    op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, seconds);
    metrics?.timeToFirstChunk.record(seconds, op.spec.sets.metric);
  } catch {
    // Nobody awaits the callers of this: a throw here would be an unhandled rejection in the app.
  }
}

/**
 * Reads the first chunk of `body`, a branch of the raw body kept for this alone, records its time
 * and cancels the branch. Returns the branch's reader, to cancel it earlier.
 */
export function probeFirstChunk(
  op: Operation,
  metrics: GenAiMetrics | undefined,
  body: ReadableStream<Uint8Array>,
): ReadableStreamDefaultReader<Uint8Array> {
  const reader = body.getReader();
  const first = reader.read();
  timeFirstChunk(op, metrics, first);
  // One chunk is all it is for; a cancelled branch leaves the other one whole.
  const cancel = (): void => void reader.cancel().catch(ignore);
  first.then(cancel, cancel);
  return reader;
}
