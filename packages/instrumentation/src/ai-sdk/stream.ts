/**
 * Observes the stream of parts an AI SDK model's `doStream` gives, so the operation ends when the
 * stream does: read to its end, failed (an `error` part the provider sent in-band, or the stream
 * itself erroring, as when the connection drops), or abandoned (the consumer cancelled it, or
 * dropped it unread and garbage collection found it). The parts reach the consumer unchanged;
 * past the first one from the provider (read inside the attempt, see {@link openParts}), each is
 * read from the model only when the consumer asks.
 */

import { obj } from '../client/describe.ts';
import { beforeDeadline, deadlineIn, type WaitLimit } from '../client/response-deadline.ts';
import type { Operation, Usage } from '../operation.ts';
import { setResponse, usageOf } from './describe.ts';

const ignore = (): void => {};

/**
 * An in-band `error` part's payload as an error to classify and record: the AI SDK's providers
 * send a plain object (`{ message, type, statusCode, data }`), which a span would record as
 * `[object Object]`. Its fields are kept, so it classifies as the failure it names.
 */
export class ModelStreamError extends Error {
  constructor(payload: unknown) {
    const message = obj(payload).message;
    super(typeof message === 'string' ? message : 'the model stream reported an error', { cause: payload });
    this.name = 'ModelStreamError';
    if (typeof payload === 'object' && payload !== null) Object.assign(this, payload);
  }
}

/** What a stream dropped unread leaves to end: its operation, and the model's stream to cancel. */
interface Unread {
  readonly seen: PartsSeen;
  readonly source: ReadableStreamDefaultReader<unknown>;
}

/**
 * A stream the consumer drops unread (a `streamText` result nobody consumes) would keep its
 * operation open, and its bulkhead slot taken, until shutdown: when the garbage collector
 * reclaims it, the operation ends abandoned and the model's stream is cancelled, which aborts its
 * request. Nothing can read it any more: whatever reads it keeps it reachable.
 */
const unread = new FinalizationRegistry<Unread>(({ seen, source }) => {
  seen.end('abandoned');
  source.cancel().catch(ignore);
});

/** What the parts said so far, and how the operation ends. */
class PartsSeen {
  private usage: Usage | undefined;
  private started = false;
  private readonly op: Operation;

  constructor(op: Operation) {
    this.op = op;
  }

  /** Reads one part handed to the consumer now. */
  onPart(part: unknown): void {
    const p = obj(part);
    // `stream-start` is the model's own, before anything came from the network.
    if (p.type === 'stream-start') return;
    if (!this.started) {
      this.started = true;
      this.op.firstChunkArrived();
    }
    this.op.chunkDelivered();
    if (p.type === 'response-metadata') setResponse(this.op, p, undefined);
    else if (p.type === 'finish') {
      this.usage = usageOf(p.usage);
      setResponse(this.op, undefined, p.finishReason);
    } else if (p.type === 'error') {
      this.op.fail(p.error instanceof Error ? p.error : new ModelStreamError(p.error));
    }
  }

  end(how: 'ok' | 'abandoned' | 'error', error?: unknown): void {
    unread.unregister(this);
    if (how === 'error') this.op.fail(error);
    else if (how === 'abandoned') this.op.abandon(this.usage);
    else this.op.succeed(this.usage);
  }

  /** How the operation ends at shutdown, holding the operation only (never the stream). */
  atShutdown(): () => void {
    return () => this.op.abandon(this.usage);
  }
}

/** A model's stream opened inside its attempt: the parts read there (`head`), then the rest. */
export interface OpenedParts<T> {
  readonly head: T[];
  readonly reader: ReadableStreamDefaultReader<T>;
}

/**
 * Reads `stream` inside the attempt up to its first part from the network (past the model's own
 * `stream-start`, and `raw` copies of what the provider sent): an `error` part there, or a dropped
 * connection, fails the attempt, classified and retried like the same failure sent as a status,
 * since nothing has reached the app yet. Some providers (`@ai-sdk/openai`, `@ai-sdk/google`) hand
 * their stream over when the response headers arrive, so a provider that answers 200 and then
 * reports overload in its first event would otherwise fail the call with no retry.
 */
export async function openParts<T>(op: Operation, stream: ReadableStream<T>): Promise<OpenedParts<T>> {
  const reader = stream.getReader();
  const head: T[] = [];
  for (;;) {
    const next = await reader.read();
    if (next.done) return { head, reader };
    const p = obj(next.value);
    if (p.type === 'error') {
      reader.cancel().catch(ignore);
      throw p.error instanceof Error ? p.error : new ModelStreamError(p.error);
    }
    head.push(next.value);
    if (p.type !== 'stream-start' && p.type !== 'raw') {
      op.firstChunkArrived();
      return { head, reader };
    }
  }
}

/**
 * A stream of the parts of `opened` (a model's stream opened by {@link openParts}) whose end ends
 * `op`. With `chunkWait`, each wait of the consumer for the next part lasts at most that long: a
 * stream stalled past it fails as a timeout, and the model's stream is cancelled (which aborts its
 * request). A stream that fails once `caller` (the call's own signal) aborted was walked away
 * from, as one the consumer cancels: abandoned, not failed.
 */
export function observeParts<T>(
  op: Operation,
  opened: OpenedParts<T>,
  chunkWait: WaitLimit | undefined,
  caller: AbortSignal | undefined,
): ReadableStream<T> {
  const { head, reader } = opened;
  const seen = new PartsSeen(op);
  op.waitsOnApp(seen.atShutdown());
  const cancelSource = { abort: (reason?: unknown) => void reader.cancel(reason).catch(ignore) };
  const observed = new ReadableStream<T>(
    {
      async pull(controller) {
        let part: T;
        if (head.length > 0) part = head.shift() as T;
        else {
          // The consumer waits on the provider now: leaving during this wait ends the operation then.
          op.awaiting();
          let result: Awaited<ReturnType<ReadableStreamDefaultReader<T>['read']>>;
          try {
            result = await beforeDeadline(reader.read(), deadlineIn(chunkWait), cancelSource);
          } catch (error) {
            seen.end(caller?.aborted === true ? 'abandoned' : 'error', error);
            controller.error(error);
            return;
          }
          if (result.done) {
            seen.end('ok');
            controller.close();
            return;
          }
          part = result.value;
        }
        try {
          seen.onPart(part);
        } catch {
          // A part we cannot read costs us attributes, never the consumer's stream.
        }
        controller.enqueue(part);
      },
      cancel(reason) {
        seen.end('abandoned');
        return reader.cancel(reason);
      },
    },
    // Read from the model only as the consumer asks: backpressure holds, and chunk times are the
    // provider's, not the consumer's. (Nor is a part read ahead that would keep it reachable.)
    { highWaterMark: 0 },
  );
  unread.register(observed, { seen, source: reader }, seen);
  return observed;
}
