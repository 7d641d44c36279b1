/**
 * The classification an operation gave the error it failed with, kept with the error itself, so a
 * span further out that the same error ends (an `invoke_agent` span) reports what the operation
 * knew: which dependency failed, and so a tool's own exception as `tool_error`, which on its own,
 * without the dependency, reads as `unknown`; and for a client's error a policy's refusal rides on
 * (the last attempt's, after a refused retry), its own `error.type` with the refusal's category.
 */
import type { Classification } from '@breakwater/resilience';

const classified = new WeakMap<object, Classification>();

/**
 * A thrown primitive (`throw 'bad input'`) cannot key a WeakMap: the latest one is kept instead,
 * as the error that ends the span further out is the one that just failed an operation in it.
 */
let lastPrimitive: { error: unknown; c: Classification } | undefined;

/** Whether `error` is a value a WeakMap (or a property) can be keyed on or set on. */
export function isObject(error: unknown): error is object {
  return (typeof error === 'object' && error !== null) || typeof error === 'function';
}

/** Remembers how the operation that failed with `error` classified it. */
export function rememberFailure(error: unknown, c: Classification): void {
  if (isObject(error)) classified.set(error, c);
  else lastPrimitive = { error, c };
}

/** How the operation that failed with `error` classified it, if one did. */
export function failureOf(error: unknown): Classification | undefined {
  if (isObject(error)) return classified.get(error);
  return lastPrimitive !== undefined && Object.is(lastPrimitive.error, error) ? lastPrimitive.c : undefined;
}
