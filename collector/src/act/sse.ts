import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Server-Sent Events framing (WHATWG HTML, "Server-sent events"): `field: value` lines, an
 * empty line ends an event, lines starting with `:` are comments. Our payloads are single-line
 * JSON (JSON.stringify escapes newlines), so one `data:` line per event is enough.
 */
export function sseEvent(event: string, id: string, data: unknown): string {
  return sseJsonEvent(event, id, JSON.stringify(data));
}

/** An event whose data is JSON text already; without an `id` it leaves the client's last id as it was. */
export function sseJsonEvent(event: string, id: string | undefined, json: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${json}\n\n`;
}

/** `retry:` tells the client's reconnection delay in milliseconds; it dispatches no event. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}

/** A comment line: ignored by clients, but keeps proxies and idle-timeouts from closing the stream. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;
}

/**
 * Answers `res` with 200 and an event-stream head (`headers` adds to or overrides the common
 * ones). A stream is idle between heartbeats by design: no socket timeout, no Nagle delay.
 */
export function openEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Readonly<Record<string, string>>,
): void {
  req.socket.setTimeout(0);
  req.socket.setNoDelay(true);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
    ...headers,
  });
}
