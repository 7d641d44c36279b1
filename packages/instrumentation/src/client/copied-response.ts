/**
 * A new `Response` standing in for one of the client's: same status, headers and url, another
 * body. (A constructed `Response` has an empty url; proxies and logs read the original one.)
 */

/** Statuses whose response cannot be built with a body, even an empty one. */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** `original`'s status, status text, headers and url, with `body`. */
export function copiedResponse(original: Response, body: ReadableStream<Uint8Array> | ArrayBuffer): Response {
  const { status } = original;
  const copy = new Response(NULL_BODY_STATUSES.has(status) ? null : body, {
    status,
    statusText: original.statusText,
    headers: original.headers,
  });
  Object.defineProperty(copy, 'url', { value: original.url });
  return copy;
}
