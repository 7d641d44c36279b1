/**
 * Most of a peer's answer the collector reads (a downstream OTLP endpoint, Alertmanager): an OTLP
 * export response is a few bytes, an error a line of text; a proxy's error page adds nothing.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Reads the start of a response body, up to `maxBytes`, and cancels the rest (its connection then
 * closes); a body read whole lets its connection be reused. Read with `arrayBuffer()` or `text()`,
 * a peer that streams an answer without end grows the collector's memory for as long as the
 * request timeout lets it. Never rejects: a body cut off (timeout, reset) gives what came.
 */
export async function readResponseHead(response: Response, maxBytes = MAX_RESPONSE_BYTES): Promise<Buffer> {
  const body = response.body;
  if (body === null) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let read = 0;
  try {
    while (read <= maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      read += value.byteLength;
    }
    if (read > maxBytes) await reader.cancel();
  } catch {
    // What came before the break is the answer's start.
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}
