/**
 * A policy's refusal carried by another error. An instrumented client does not throw Breakwater's
 * refusals at the app: it throws its own errors (the last attempt's, or a connection error when
 * nothing was sent), so the app's handling of the client's errors keeps working. The refusal
 * that ended the call rides along under a registered symbol (one key for every copy of this
 * package), for {@link refusalOf} and the classifier.
 */
import { ResilienceError } from './errors.ts';
import { markFinal } from './final-refusal-mark.ts';

const REFUSAL: unique symbol = Symbol.for('breakwater.refusal') as never;

/**
 * Records on `error` (what the app gets) that `refusal` ended the call, and that it is not to be
 * retried (see `markFinal`); returns `error`. The marks are non-enumerable properties: the
 * error's message, class and fields are unchanged.
 */
export function markRefused<E extends object>(error: E, refusal: ResilienceError): E {
  try {
    Object.defineProperty(error, REFUSAL, { value: refusal, configurable: true });
  } catch {
    // A frozen error cannot carry it; it still reads as its own.
  }
  markFinal(error);
  return error;
}

/**
 * The policy refusal (`CircuitOpenError`, `BudgetExhaustedError`, `BulkheadFullError`) that ended
 * the call `error` comes from: the error itself, or the one an instrumented client's error
 * carries. Undefined for any other failure.
 *
 * @example
 * ```ts
 * } catch (error) {
 *   const refusal = refusalOf(error);
 *   if (refusal instanceof CircuitOpenError) degradeFor(refusal.retryAfterMs);
 * }
 * ```
 */
export function refusalOf(error: unknown): ResilienceError | undefined {
  const refusal = error instanceof ResilienceError ? error : markOf(error);
  return refusal?.classification.source === 'policy' ? refusal : undefined;
}

function markOf(error: unknown): ResilienceError | undefined {
  if ((typeof error !== 'object' || error === null) && typeof error !== 'function') return undefined;
  const marked = (error as { [REFUSAL]?: unknown })[REFUSAL];
  return marked instanceof ResilienceError ? marked : undefined;
}
