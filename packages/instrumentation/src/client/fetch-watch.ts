/**
 * Hearing the requests of a runtime whose `fetch` is not undici's (Bun's is its own), which
 * announces them on no diagnostics channel: the global `fetch` is wrapped while someone listens.
 * The clients take `globalThis.fetch` when constructed, so one built while the wrapper is in place
 * keeps it; once nobody listens it passes straight through, and the global is handed back if it
 * is still ours (a wrapper someone installed over ours stays, and ours in it passes through).
 */

/** A request as undici's `undici:request:create` message carries it, as far as it is read. */
export interface HeardRequest {
  readonly request: { readonly headers: string[]; readonly origin: string; readonly path: string };
}

type Fetch = (input: unknown, init?: { headers?: unknown }) => unknown;

let listener: ((message: HeardRequest) => void) | undefined;
let original: Fetch | undefined;
let wrapper: Fetch | undefined;

/** Calls `onRequest` for each request the global `fetch` makes from now on, until {@link unwatchFetch}. */
export function watchFetch(onRequest: (message: HeardRequest) => void): void {
  listener = onRequest;
  const current = (globalThis as { fetch?: Fetch }).fetch;
  if (typeof current !== 'function' || current === wrapper) return;
  original = current;
  const inner = current;
  wrapper = function fetch(this: unknown, input: unknown, init?: { headers?: unknown }): unknown {
    if (listener !== undefined) {
      // A throw here would fail the app's request: telemetry must never fail it.
      try {
        const heard = describe(input, init);
        if (heard !== undefined) listener(heard);
      } catch {
        // Nothing to tell.
      }
    }
    return inner.call(this, input, init);
  };
  // `fetch.preconnect` and whatever else the runtime hangs on its fetch stay reachable.
  Object.setPrototypeOf(wrapper, inner);
  (globalThis as { fetch?: Fetch }).fetch = wrapper;
}

/** Stops calling the listener; the global `fetch` is the runtime's again unless wrapped since. */
export function unwatchFetch(): void {
  listener = undefined;
  const global = globalThis as { fetch?: Fetch };
  if (wrapper !== undefined && global.fetch === wrapper && original !== undefined) {
    global.fetch = original;
    wrapper = undefined;
  }
}

/** The request's origin, path and headers (a flat name/value list, as undici keeps them). */
function describe(input: unknown, init: { headers?: unknown } | undefined): HeardRequest | undefined {
  const url =
    typeof input === 'string'
      ? input
      : input instanceof URL
        ? input.href
        : (input as { url?: unknown } | null)?.url;
  if (typeof url !== 'string') return undefined;
  const parsed = new URL(url);
  const headers: string[] = [];
  const given = init?.headers ?? (input as { headers?: unknown } | null)?.headers;
  if (given !== undefined && given !== null) {
    for (const [name, value] of new Headers(given as ConstructorParameters<typeof Headers>[0]))
      headers.push(name, value);
  }
  return { request: { headers, origin: parsed.origin, path: parsed.pathname + parsed.search } };
}
