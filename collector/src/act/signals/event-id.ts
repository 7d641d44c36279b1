/**
 * SSE event ids: `<stream>:<sequence>`. The sequence grows by one per published event; the
 * stream part changes with each collector start, so an id from before a restart is recognised
 * as unknown (and answered with a snapshot) instead of being mistaken for a current position.
 */
export function formatEventId(stream: string, seq: number): string {
  return `${stream}:${seq}`;
}

/** The sequence in `id` if it belongs to `stream`, else `undefined`. */
export function parseEventId(stream: string, id: string | undefined): number | undefined {
  if (id === undefined) return undefined;
  const colon = id.lastIndexOf(':');
  if (colon < 0 || id.slice(0, colon) !== stream) return undefined;
  const digits = id.slice(colon + 1);
  if (!/^\d{1,15}$/.test(digits)) return undefined;
  return Number(digits);
}
