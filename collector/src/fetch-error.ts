/**
 * What a failed `fetch` says, with its cause: undici rejects every network failure with a bare
 * `fetch failed`, and only the cause tells a refused connection from an unknown host
 * (`fetch failed: connect ECONNREFUSED 10.0.0.7:4318`). An abort gives its reason's message.
 */
export function fetchErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
