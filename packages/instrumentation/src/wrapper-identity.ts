/**
 * `wrapper` with the `name` and `length` of the function it wraps, so code that reads them (a
 * framework listing tools by function name, a router checking arity) sees the app's function.
 */
export function likeWrapped<W extends (...args: never[]) => unknown>(wrapper: W, wrapped: Function): W {
  Object.defineProperty(wrapper, 'name', { value: wrapped.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: wrapped.length, configurable: true });
  return wrapper;
}
