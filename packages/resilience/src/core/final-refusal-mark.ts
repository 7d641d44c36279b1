/**
 * A policy's refusal is final for the frameworks above the call: retrying it a second later only
 * meets the same open breaker, empty budget or full bulkhead. LangChain.js says whether an error
 * may be retried with a mark on the error itself, under a registered symbol: `@langchain/core`'s
 * `stampRetryable()` sets it and `getRetryable()` reads it; its `AsyncCaller` (a chat model's
 * `maxRetries`) and `langchain`'s retry middlewares retry nothing marked `false`. Refusals carry
 * that mark, so those loops give the app a refusal at once instead of backing off over it.
 */

const LANGCHAIN_RETRYABLE: unique symbol = Symbol.for('langchain.errors.retryable') as never;

/**
 * Marks `error` as not to be retried, for LangChain.js. The mark cannot be changed afterwards:
 * LangChain re-stamps some errors by their status as they pass (every 429 retryable), which would
 * undo it for a refused retry of a rate-limited attempt; its stamping tolerates a mark it cannot
 * replace. The error's message, class and fields are unchanged.
 */
export function markFinal(error: object): void {
  try {
    Object.defineProperty(error, LANGCHAIN_RETRYABLE, { value: false, configurable: false, writable: false });
  } catch {
    // A frozen error, or one marked retryable already beyond change: it keeps what it has.
  }
}
