/**
 * SSE event ids on `GET /v1/signals`: `<stream>:<sequence>`. The sequence grows by one per
 * published event, and is what orders a run's signals for a subscriber; the stream part is new with each collector start. So an id from before a
 * restart is recognised as unknown (and answered with a snapshot) instead of being mistaken for
 * a current position, and a subscriber can tell a snapshot from the run it was following apart
 * from one sent by a collector that has just started and knows nothing yet.
 */

/** The event id of event `seq` of collector run `stream`. */
export function formatSignalEventId(stream: string, seq: number): string {
  return `${stream}:${seq}`;
}

/** The sequence in `id` if it belongs to `stream`, else `undefined`. */
export function parseSignalEventId(stream: string, id: string | undefined): number | undefined {
  if (id === undefined || signalEventStream(id) !== stream) return undefined;
  const digits = id.slice(stream.length + 1);
  if (!/^\d{1,15}$/.test(digits)) return undefined;
  return Number(digits);
}

/** The collector run an event id belongs to, or `undefined` for an id not in this format. */
export function signalEventStream(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  const colon = id.lastIndexOf(':');
  return colon <= 0 ? undefined : id.slice(0, colon);
}
