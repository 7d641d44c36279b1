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
 * fresh response of the same status, headers and url that holds the whole body.
 */
export function bufferInAttempt(
  props: ResponseProps,
  deadline: ResponseDeadline | undefined,
): Promise<ResponseProps> {
  const { response } = props;
  return beforeDeadline(response.arrayBuffer(), deadline, props.controller).then((bytes) => ({
    ...props,
    response: copiedResponse(response, bytes),
  }));
}
