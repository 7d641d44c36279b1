/**
 * The writable side of {@link CallContext}. Its public fields are readonly, since operations,
 * listeners and fallbacks only read them; the policies of this package keep them up to date
 * through this view. Not exported from the package.
 */
import type { CallContext } from './context.ts';

/** A {@link CallContext} with its fields writable, for the policies that maintain them. */
export type MutableCallContext<TData = unknown> = {
  -readonly [K in keyof CallContext<TData>]: CallContext<TData>[K];
};
