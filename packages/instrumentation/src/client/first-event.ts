/**
 * The first event of a streamed response, read from a clone of the response as soon as the
 * response arrives, inside the attempt:
 *
 * - Its arrival is the stream's time to first chunk, however late the app awaits the call or
 *   reads the stream (`gen_ai.response.time_to_first_chunk`).
 * - A provider that reports a failure as the stream's very first event (Anthropic's `error`
 *   event, e.g. `overloaded_error`, sent with a 200) has handed the app nothing yet: where the
 *   call asks for it, the attempt waits for that event and fails with the client's own error for
 *   it, so the pipeline classifies and retries it like the same failure sent as a status.
 *   So does a connection dropped before the first event. Once any other event came first, the
 *   stream is the app's, and it is never retried.
 *
 * The clone is a `tee()` of the body that reads up to the first event, then is cancelled: the
 * body itself stays whole and unlocked for the client's parser or the app's `.asResponse()`, and
 * the rest is read only when the app reads it.
 */
import type { Operation } from '../operation.ts';
import type { ParseFn, ResponseProps } from './api-promise.ts';
import type { APIConnectionErrorClass } from './caller-error.ts';
import { beforeDeadline, type ResponseDeadline } from './response-deadline.ts';

const ignore = (): void => {};

/** How far to look for the first event; a first event longer than this is taken as no error. */
const MAX_FIRST_EVENT_BYTES = 64 * 1024;

/** An SSE event ends at a blank line (any of the three line endings). */
const EVENT_END = /\r\n\r\n|\n\n|\r\r/;

/**
 * Reads `body` up to its first event that carries data (comment-only blocks are skipped, as the
 * clients' parsers skip them) and cancels it. Resolves with that event's text, or undefined when
 * the body ended or ran too long first; rejects with the read's error when it failed first (the
 * connection dropped, or the request was aborted).
 */
async function readFirstEvent(body: ReadableStream<Uint8Array>): Promise<string | undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length <= MAX_FIRST_EVENT_BYTES) {
      const { done, value } = await reader.read();
      if (done) return undefined;
      text += decoder.decode(value, { stream: true });
      for (let end = text.search(EVENT_END); end !== -1; end = text.search(EVENT_END)) {
        const block = text.slice(0, end);
        if (/^data:/m.test(block)) return block;
        text = text.slice(end).replace(/^(\r\n|\n|\r){2}/, '');
      }
    }
    return undefined;
  } finally {
    reader.cancel().catch(ignore);
  }
}

/**
 * Whether the event `block` reports a failure rather than a chunk of the answer: an `error` event
 * (Anthropic, the Responses API), or a data frame carrying `error` (how chat completion streams
 * report one).
 */
function isErrorEvent(block: string): boolean {
  return /^event: ?error$/m.test(block) || /^data: ?\{\s*"error"\s*:/m.test(block);
}

/**
 * The error the client itself raises for the error event `block`: its own parser, given a
 * response holding that one event (with the real response's status and headers).
 */
async function clientError(
  block: string,
  props: ResponseProps,
  parse: ParseFn,
  client: unknown,
): Promise<unknown> {
  const response = new Response(`${block}\n\n`, {
    status: props.response.status,
    headers: props.response.headers,
  });
  try {
    const stream = (await parse(client, { ...props, response, controller: new AbortController() })) as
      | AsyncIterable<unknown>
      | undefined;
    if (stream === undefined || typeof stream[Symbol.asyncIterator] !== 'function') return undefined;
    for await (const _ of stream) break;
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * The client's own `APIConnectionError` for `error` (a body read that failed), as the client
 * throws one for a connection that fails before the headers: a call whose every attempt dropped
 * before the first event rejects as such a call would. `error` itself where the client's class
 * has none.
 */
function asConnectionError(client: unknown, error: unknown): unknown {
  const APIConnectionError = (client as { constructor?: { APIConnectionError?: unknown } } | null)
    ?.constructor?.APIConnectionError;
  if (typeof APIConnectionError !== 'function' || !(error instanceof Error)) return error;
  try {
    return new (APIConnectionError as APIConnectionErrorClass)({ cause: error });
  } catch {
    return error;
  }
}

/** Where {@link watchFirstEvent} reports to. */
export interface FirstEventWatch {
  readonly op: Operation;
  /**
   * The method's own parser and client, when an `error` first event is to fail the attempt
   * (the response is then handed on only after its first event); undefined to time it only.
   */
  readonly failOnError?:
    | { readonly parse: ParseFn; readonly client: unknown; readonly deadline?: ResponseDeadline | undefined }
    | undefined;
}

/**
 * Starts reading the first event of the streamed response in `props` (see the module comment);
 * returns `props`, or a promise of them that rejects with the client's error for an `error`
 * first event (the response's body is then cancelled: nobody will read it).
 */
export function watchFirstEvent(
  watch: FirstEventWatch,
  props: ResponseProps,
): ResponseProps | Promise<ResponseProps> {
  let clone: Response;
  try {
    clone = props.response.clone();
  } catch {
    return props;
  }
  if (clone.body === null) return props;
  const { op, failOnError } = watch;
  const first = readFirstEvent(clone.body);
  if (failOnError === undefined) {
    // A failure as the first event is no chunk of the answer: the stream has no first chunk.
    first.then((block) => {
      if (block !== undefined && !isErrorEvent(block)) op.firstChunkArrived();
    }, ignore);
    return props;
  }
  // The caller aborted while the attempt waited (its signal is the request's): nothing has
  // reached it, so the attempt ends cancelled here. Handed over, the stream could yield nothing,
  // and would hold the call and its bulkhead slot until read or collected.
  const { signal } = props.controller;
  const aborted = (): unknown => signal.reason ?? new DOMException('The request was aborted', 'AbortError');
  return beforeDeadline(first, failOnError.deadline, props.controller).then(
    async (block) => {
      if (block === undefined) {
        if (signal.aborted) throw aborted();
        return props;
      }
      if (!isErrorEvent(block)) {
        op.firstChunkArrived();
        return props;
      }
      const error = await clientError(block, props, failOnError.parse, failOnError.client);
      if (error === undefined) return props;
      props.response.body?.cancel().catch(ignore);
      throw error;
    },
    (error: unknown) => {
      props.response.body?.cancel().catch(ignore);
      if (signal.aborted) throw aborted();
      // The connection dropped before the first event: nothing reached the app either, so the
      // attempt fails with it (a network failure, classified and retried).
      throw asConnectionError(failOnError.client, error);
    },
  );
}
