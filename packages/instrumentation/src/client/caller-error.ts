/**
 * What an app gets when a policy says no to an instrumented LLM call: an error of the client's own,
 * so the code written against the client (`instanceof OpenAI.APIError`, `err.status === 503`,
 * a framework's own error handling) works the same under Breakwater as without it.
 *
 * - A retry refused (the retry budget empty, the breaker opened by the attempts so far, the
 *   bulkhead full): the last attempt's own error, the one a bare client that had run out of
 *   retries would throw.
 * - A call refused before anything was sent (an open breaker, a full bulkhead): the client's
 *   `APIConnectionError` (nothing reached the provider, as when it cannot be reached), with
 *   Breakwater's refusal as its `cause`.
 *
 * Either is marked with the refusal (`markRefused`): `refusalOf(error)` gives it to the app, and
 * the resilience classifier reads the error as that refusal, so a pipeline further out (a tool's)
 * does not retry it as the provider failure or network failure it looks like. The operation span
 * says the refusal either way (`breakwater.error.category`, `.source`); its `error.type` is that of
 * the error the app gets: the last attempt's (`503`, `overloaded_error`) after a failed attempt,
 * the refusal's (`circuit_open`, `bulkhead_full`) when nothing was sent. Everything else (the
 * client's own errors) is passed on as it is.
 */
import { markRefused, type ResilienceError, refusalOf } from '@breakwater/resilience';
import { failureOf, isObject, rememberFailure } from '../failed-operations.ts';

/** The client's `APIConnectionError`: `new APIConnectionError({ message, cause })`. */
export type APIConnectionErrorClass = new (options: { message?: string; cause?: Error }) => Error;

/** The client's own error for a policy's refusal of a call nothing was sent for. */
export type RefusalErrorFactory = (refusal: ResilienceError) => Error;

/** A factory of the client's `APIConnectionError`s for refusals; undefined without the class. */
export function clientRefusalError(
  APIConnectionError: APIConnectionErrorClass | undefined,
): RefusalErrorFactory | undefined {
  if (APIConnectionError === undefined) return undefined;
  return (refusal) => new APIConnectionError({ message: refusal.message, cause: refusal });
}

/** Rejects a failed call with {@link callerFacingError}; one per patched client module. */
export function failedCallRejecter(
  refusalError: RefusalErrorFactory | undefined,
): (error: unknown, lastAttemptError: unknown) => Promise<never> {
  return (error, lastAttemptError) =>
    Promise.reject(callerFacingError(error, lastAttemptError, refusalError));
}

/**
 * The error the app gets for `error`, with which the pipeline failed the call; `lastAttemptError`
 * is what its last failed attempt threw, if one did. An error put in its place keeps the
 * classification the operation gave `error`, for the spans further out.
 */
export function callerFacingError(
  error: unknown,
  lastAttemptError: unknown,
  refusalError: RefusalErrorFactory | undefined,
): unknown {
  // Only a policy's own refusal is replaced (refusalOf gives back the error itself for one).
  const refusal = refusalOf(error);
  if (refusal === undefined || refusal !== error) return error;
  const delivered = attemptErrorDelivered(error, lastAttemptError)
    ? lastAttemptError
    : unsentError(refusal, refusalError);
  if (!isObject(delivered)) return delivered;
  markRefused(delivered, refusal);
  const c = failureOf(error);
  if (c !== undefined) rememberFailure(delivered, c);
  return delivered;
}

/**
 * Whether {@link callerFacingError} gives the app `lastAttemptError` in place of `error`: `error`
 * is a policy's refusal of a retry, after an attempt that failed with `lastAttemptError`. The
 * operation span's `error.type` is then that attempt's (see `Operation.fail`).
 */
export function attemptErrorDelivered(error: unknown, lastAttemptError: unknown): boolean {
  const refusal = refusalOf(error);
  return (
    refusal !== undefined && refusal === error && lastAttemptError !== undefined && lastAttemptError !== null
  );
}

/** The client's connection error for a refusal before any attempt; the refusal itself without one. */
function unsentError(refusal: ResilienceError, refusalError: RefusalErrorFactory | undefined): unknown {
  if (refusalError === undefined) return refusal;
  try {
    return refusalError(refusal);
  } catch {
    // A client class that cannot be built as expected: the refusal itself, as before.
    return refusal;
  }
}
