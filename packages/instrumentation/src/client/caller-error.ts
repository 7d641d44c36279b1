/**
 * What an app gets when a policy says no to an instrumented LLM call: an error of the client's own,
 * so the code written against the client (`instanceof OpenAI.APIError`, `err.status === 503`,
 * a framework's own error handling) works the same under Breakwater as without it.
 *
 * - A retry the retry budget refused: the last attempt's own error, the one a bare client that had
 *   run out of retries would throw. The span still says `budget_exhausted`.
 * - A call refused before it was sent (an open breaker, a full bulkhead): the client's
 *   `APIConnectionError` (nothing reached the provider, as when it cannot be reached), with
 *   Breakwater's refusal as its `cause`: `CircuitOpenError` (its `state`, `breakerSource`,
 *   `retryAfterMs`) or `BulkheadFullError`. The resilience classifier reads such an error as the
 *   refusal it carries, so a pipeline further out (a tool's) does not retry it as a network error.
 *
 * Everything else (the client's own errors, a tool's) is passed on as it is.
 */
import { BudgetExhaustedError, BulkheadFullError, CircuitOpenError } from '@breakwater/resilience';
import { failureOf, rememberFailure } from '../failed-operations.ts';

/** The client's `APIConnectionError`: `new APIConnectionError({ message, cause })`. */
export type APIConnectionErrorClass = new (options: { message?: string; cause?: Error }) => Error;

/** The client's own error for a policy's refusal, which it carries as its `cause`. */
export type RefusalErrorFactory = (refusal: CircuitOpenError | BulkheadFullError) => Error;

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
): (error: unknown) => Promise<never> {
  return (error) => Promise.reject(callerFacingError(error, refusalError));
}

/**
 * The error the app gets for `error`, with which the pipeline failed the call. An error put in
 * its place keeps the classification the operation gave `error`, for the spans further out.
 */
export function callerFacingError(error: unknown, refusalError: RefusalErrorFactory | undefined): unknown {
  const delivered = replacement(error, refusalError);
  if (delivered === error) return error;
  const c = failureOf(error);
  if (c !== undefined) rememberFailure(delivered, c);
  return delivered;
}

function replacement(error: unknown, refusalError: RefusalErrorFactory | undefined): unknown {
  if (error instanceof BudgetExhaustedError) return error.cause ?? error;
  if (
    refusalError !== undefined &&
    (error instanceof CircuitOpenError || error instanceof BulkheadFullError)
  ) {
    try {
      return refusalError(error);
    } catch {
      // A client class that cannot be built as expected: the refusal itself, as before.
      return error;
    }
  }
  return error;
}
