import assert from 'node:assert/strict';
import { require } from './harness.ts';

/** The client modules the tests load. */
export type ClientModule = 'openai' | 'openai-v6' | '@anthropic-ai/sdk';

/**
 * Asserts `error` is the client module's own `APIConnectionTimeoutError` for a Breakwater attempt
 * timeout of `ms`, which it carries as its `cause`.
 */
export function assertClientTimeout(error: unknown, module: ClientModule, ms: number): void {
  const { APIConnectionTimeoutError } = require(module) as { APIConnectionTimeoutError: new () => Error };
  assert.ok(
    error instanceof APIConnectionTimeoutError,
    `the client's own timeout error, got ${String(error)}`,
  );
  assert.match(error.message, new RegExp(`attempt timed out after ${ms} ms`));
  assert.equal((error.cause as Error | undefined)?.name, 'TimeoutError');
}
