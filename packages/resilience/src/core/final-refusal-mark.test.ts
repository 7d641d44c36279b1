import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BudgetExhaustedError, BulkheadFullError, CircuitOpenError, TimeoutError } from './errors.ts';
import { markRefused } from './refusal-of.ts';

/** What `@langchain/core`'s `getRetryable()` reads: an own property under its registered symbol. */
const retryableMark = (error: object): unknown =>
  Object.getOwnPropertyDescriptor(error, Symbol.for('langchain.errors.retryable'))?.value;

/** `@langchain/core`'s `stampRetryable()`, as its 1.x releases write it (a failure is ignored). */
function langchainStamp(error: object, retryable: boolean): void {
  try {
    Object.defineProperty(error, Symbol.for('langchain.errors.retryable'), {
      value: retryable,
      configurable: true,
    });
  } catch {}
}

it('refusals are marked not retryable for LangChain.js; a timeout is not marked', () => {
  assert.equal(retryableMark(new CircuitOpenError('openai/gpt-4o', 'open', 'local', 1_000)), false);
  assert.equal(retryableMark(new BudgetExhaustedError('openai/gpt-4o', new Error('503'))), false);
  assert.equal(retryableMark(new BulkheadFullError('tool/search', 'full')), false);
  // A timeout is the dependency's failure, which the framework may judge for itself.
  assert.equal(retryableMark(new TimeoutError('openai/gpt-4o', 5_000, 'attempt')), undefined);
});

it('a client error a refusal rides on is marked too, and LangChain re-stamping a 429 retryable leaves it', () => {
  // The last attempt's 429, whose retry the budget refused: LangChain stamps every 429 retryable.
  const last = Object.assign(new Error('429 Rate limit reached'), { status: 429 });
  markRefused(last, new BudgetExhaustedError('openai/gpt-4o', last));
  langchainStamp(last, true);
  assert.equal(retryableMark(last), false);
  // Marked again (a second refusal on the same error), it stays as it is.
  markRefused(last, new CircuitOpenError('openai/gpt-4o', 'open', 'local'));
  assert.equal(retryableMark(last), false);
  // A frozen error takes no mark and is still handed on.
  const frozen = Object.freeze(new Error('frozen'));
  assert.equal(markRefused(frozen, new CircuitOpenError(undefined, 'open', 'fleet')), frozen);
  assert.equal(retryableMark(frozen), undefined);
});
