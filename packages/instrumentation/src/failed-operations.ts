/**
 * The classification an operation gave the error it failed with, kept with the error itself, so a
 * span further out that the same error ends (an `invoke_agent` span) reports what the operation
 * knew: which dependency failed, and so a tool's own exception as `tool_error`, which on its own,
 * without the dependency, reads as `unknown`.
 */
import type { Classification } from './span-attributes.ts';

const classified = new WeakMap<object, Classification>();

/** Remembers how the operation that failed with `error` classified it. */
export function rememberFailure(error: unknown, c: Classification): void {
  if (typeof error === 'object' && error !== null) classified.set(error, c);
}

/** How the operation that failed with `error` classified it, if one did. */
export function failureOf(error: unknown): Classification | undefined {
  return typeof error === 'object' && error !== null ? classified.get(error) : undefined;
}
