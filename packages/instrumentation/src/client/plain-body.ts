/**
 * A plain (non-streaming) body is read inside its attempt, within the attempt's deadline. Until
 * the whole body is in, the app has nothing of the answer, so a body that stalls or is cut after
 * good headers fails that attempt like any other failure: classified, counted by the breaker,
 * and retried where the policy retries. (A bare client stops its timer at the headers, so such a
 * body hangs its caller for ever, and it is never retried.)
 *
 * How it is read depends on what the caller has asked for when the headers arrive:
 * - the parsed body (`await create()`, `.withResponse()`, helpers such as `.parse()`): the
 *   client's own parser runs in the attempt, and the caller's parse is handed its result;
 * - nothing yet (awaited later, or never): the bytes are taken in, and the caller gets a fresh
 *   response holding them, to parse or read raw;
 * - only the raw response (`.asResponse()`): the body is the caller's to read as it arrives, and
 *   it is not read here.
 */
import type { ParseFn, ResponseProps } from './api-promise.ts';
import { copiedResponse } from './copied-response.ts';
import { beforeDeadline, type ResponseDeadline } from './response-deadline.ts';

/** A body the attempt parsed, and the response it came with. */
export interface ParsedBody {
  readonly props: ResponseProps;
  readonly data: unknown;
}

/** Parses the body of `props` with the client's own parser, before `deadline`. */
export function parseInAttempt(
  props: ResponseProps,
  parse: ParseFn,
  client: unknown,
  deadline: ResponseDeadline | undefined,
): Promise<ParsedBody> {
  let parsed: Promise<unknown>;
  try {
    parsed = Promise.resolve(parse(client, props));
  } catch (error) {
    return Promise.reject(error);
  }
  return beforeDeadline(parsed, deadline, props.controller).then((data) => ({ props, data }));
}

/**
 * Takes in the body of `props` before `deadline`; resolves with the same request metadata and a
 * fresh response of the same status, headers and url that holds the whole body. With the
 * caller's `signal`, that body still follows it until it is read, as the body fetch hands over
 * does: a caller that aborts before reading gets the abort, not the answer.
 */
export function bufferInAttempt(
  props: ResponseProps,
  deadline: ResponseDeadline | undefined,
  signal: AbortSignal | undefined,
): Promise<ResponseProps> {
  const { response } = props;
  return beforeDeadline(response.arrayBuffer(), deadline, props.controller).then((bytes) => ({
    ...props,
    response: copiedResponse(response, signal === undefined ? bytes : abortableBody(bytes, signal)),
  }));
}

/**
 * `bytes` as a body that fails to read once `signal` has aborted, with the error fetch gives an
 * aborted body (the clients abort their own controller, without a reason, on the caller's abort).
 * Read on demand (`highWaterMark: 0`), so the abort is checked when the caller reads.
 */
function abortableBody(bytes: ArrayBuffer, signal: AbortSignal): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (signal.aborted) {
          controller.error(new DOMException('This operation was aborted', 'AbortError'));
          return;
        }
        controller.enqueue(new Uint8Array(bytes));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
