/**
 * Most of a downstream's answer read: an OTLP export response is a few bytes, or a partial
 * success with a message; what a proxy's error page adds is of no use either.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Reads and drops a downstream's response body, so its connection can be reused, up to
 * {@link MAX_RESPONSE_BYTES}; a longer one is cancelled instead (its connection closes). Read
 * whole, a downstream that streams an answer without end would grow the collector's memory for as
 * long as the request timeout lets it. Never rejects: the status is the answer.
 */
export async function discardResponseBody(response: Response): Promise<void> {
  const body = response.body;
  if (body === null) return;
  const reader = body.getReader();
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > MAX_RESPONSE_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // A body cut off (timeout, reset) changes nothing: the status was received.
  } finally {
    reader.releaseLock();
  }
}
