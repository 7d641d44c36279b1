import type { BreakerSignal } from '@breakwater/protocol';

/**
 * Server-Sent Events framing (WHATWG HTML, "Server-sent events"): `field: value` lines, an
 * empty line ends an event, lines starting with `:` are comments. Our payloads are single-line
 * JSON (JSON.stringify escapes newlines), so one `data:` line per event is enough.
 */
export function sseEvent(event: string, id: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
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
 * The signal as it should be sent at `now`: its `ttlMs` shortened to the time it has left, so
 * a subscriber that receives it late (replay, snapshot) cannot hold it past its original expiry.
 * Returns `undefined` once it has expired.
 */
export function withRemainingTtl(signal: BreakerSignal, now: number): BreakerSignal | undefined {
  const left = Math.ceil(signal.issuedAt + signal.ttlMs - now);
  if (left <= 0) return undefined;
  return left >= signal.ttlMs ? signal : { ...signal, ttlMs: left };
}
