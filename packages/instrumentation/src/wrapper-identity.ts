/**
 * The function `tool()` or `agent()` returns: `fn`'s arguments `A`, its result `R` as a
 * promise, and its `this` type `T` when `fn` declares one (`function (this: Db, q: string)`), so
 * calling it on anything else is a type error. A `fn` without a `this` parameter (an arrow
 * function) leaves `T` unknown and gives a function without one, as before.
 */
export type WrappedFunction<A extends unknown[], R, T = unknown> = unknown extends T
  ? (...args: A) => Promise<R>
  : (this: T, ...args: A) => Promise<R>;

/**
 * `wrapper` with the `name` and `length` of the function it wraps, so code that reads them (a
 * framework listing tools by function name, a router checking arity) sees the app's function.
 */
export function likeWrapped<W extends (...args: never[]) => unknown>(wrapper: W, wrapped: Function): W {
  Object.defineProperty(wrapper, 'name', { value: wrapped.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: wrapped.length, configurable: true });
  return wrapper;
}
