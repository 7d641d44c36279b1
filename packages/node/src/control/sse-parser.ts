/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field, `message` when absent. */
  type: string;
  data: string;
  /** The last `id:` seen on the stream so far (it persists across events, per the spec). */
  lastEventId: string;
}

export interface SseHandlers {
  onEvent(event: SseEvent): void;
  /** A `retry:` field: the server's reconnection delay in ms. */
  onRetry?(ms: number): void;
  /** A comment line (`: …`), such as a server's heartbeat. */
  onComment?(): void;
}

/** Thrown when a line or an event grows past the parser's bound (a broken or hostile server). */
export class SseOverflowError extends Error {
  override readonly name = 'SseOverflowError';
}

/**
 * Incremental parser for `text/event-stream` (WHATWG HTML, "Server-sent events"): lines end in
 * CRLF, LF or CR; a blank line dispatches the event; `:` starts a comment; a field name is
 * followed by `:` and one optional space; `data` lines join with LF; an `id` containing NUL is
 * ignored; `retry` takes only ASCII digits; unknown fields are ignored; a leading BOM is skipped.
 */
export class SseParser {
  private readonly handlers: SseHandlers;
  private readonly maxBytes: number;
  private pending = '';
  private sawCr = false;
  private started = false;
  private data: string[] = [];
  private dataSize = 0;
  private type = '';
  private lastEventId = '';

  /** @param maxBytes longest line, and largest event, accepted. */
  constructor(handlers: SseHandlers, maxBytes = 1 << 20) {
    this.handlers = handlers;
    this.maxBytes = maxBytes;
  }

  /** Feeds decoded text; calls the handlers for every complete line. */
  push(text: string): void {
    // Nothing to read (an empty body chunk): a CR pending from the last chunk must stay pending,
    // as the LF that may complete it is still to come.
    if (text.length === 0) return;
    let chunk = text;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let start = 0;
    // A CR at the end of the previous chunk may be the first half of a CRLF.
    if (this.sawCr && chunk.charCodeAt(0) === 10) start = 1;
    this.sawCr = false;
    for (let i = start; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.pending + chunk.slice(start, i));
      this.pending = '';
      if (c === 13) {
        if (i + 1 === chunk.length) this.sawCr = true;
        else if (chunk.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.pending += chunk.slice(start);
    if (this.pending.length > this.maxBytes) throw new SseOverflowError('SSE line too long');
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) {
      this.handlers.onComment?.();
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.dataSize += value.length + 1;
        if (this.dataSize > this.maxBytes) throw new SseOverflowError('SSE event too large');
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value));
        break;
    }
  }

  private dispatch(): void {
    const data = this.data;
    const type = this.type;
    this.data = [];
    this.dataSize = 0;
    this.type = '';
    if (data.length === 0) return;
    this.handlers.onEvent({
      type: type === '' ? 'message' : type,
      data: data.join('\n'),
      lastEventId: this.lastEventId,
    });
  }
}
