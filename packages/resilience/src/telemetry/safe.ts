import type { ResilienceListener } from './listener.ts';

/**
 * A reporter for errors of user code that must not reach a call: the first error is emitted as
 * a process warning starting with `what`, the rest are ignored.
 */
export function warnOnce(what: string): (error: unknown) => void {
  let warned = false;
  return (error) => {
    if (warned) return;
    warned = true;
    process.emitWarning(`${what}; further errors are ignored: ${String(error)}`);
  };
}

const report = warnOnce('Breakwater telemetry listener threw');

const guarded = new WeakMap<ResilienceListener, ResilienceListener>();

/**
 * Wraps a listener so none of its methods can throw into a call: telemetry must never fail a
 * wrapped call. A broken listener is reported once as a process warning. Methods the listener
 * lacks stay absent, so callers skip them for free.
 */
export function guardListener(listener: ResilienceListener): ResilienceListener {
  const known = guarded.get(listener);
  if (known !== undefined) return known;
  const safe: Record<string, unknown> = {};
  let proto: object | null = listener;
  const seen = new Set<string>();
  while (proto !== null && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (seen.has(key) || !key.startsWith('on')) continue;
      seen.add(key);
      const fn = (listener as unknown as Record<string, unknown>)[key];
      if (typeof fn !== 'function') continue;
      // Fixed arity (every listener method takes at most three arguments): no rest-array per call.
      safe[key] = (a: unknown, b: unknown, c: unknown) => {
        try {
          fn.call(listener, a, b, c);
        } catch (error) {
          report(error);
        }
      };
    }
    proto = Object.getPrototypeOf(proto);
  }
  const result = Object.freeze(safe) as ResilienceListener;
  guarded.set(listener, result);
  guarded.set(result, result);
  return result;
}
