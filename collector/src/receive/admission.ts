/**
 * Bounds the work ingest holds at once: concurrent requests and the bytes they have buffered.
 * Beyond either bound the receiver answers 429 with `Retry-After` instead of queueing, so a
 * burst costs clients a retry, not the collector its memory.
 */
export class Admission {
  private readonly maxRequests: number;
  private readonly maxBytes: number;
  private requests = 0;
  private bytes = 0;

  constructor(maxRequests: number, maxBytes: number) {
    this.maxRequests = maxRequests;
    this.maxBytes = maxBytes;
  }

  get inFlightRequests(): number {
    return this.requests;
  }

  get inFlightBytes(): number {
    return this.bytes;
  }

  /** Takes a request slot; `false` when all are in use. */
  tryEnter(): boolean {
    if (this.requests >= this.maxRequests) return false;
    this.requests++;
    return true;
  }

  leave(): void {
    this.requests--;
  }

  /** Reserves buffered bytes for a request; `false` when the budget would be exceeded. */
  tryReserve(bytes: number): boolean {
    if (this.bytes + bytes > this.maxBytes) return false;
    this.bytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.bytes -= bytes;
  }
}

/**
 * Heap one decoded span holds until its sinks are done (its record and id strings; 355 bytes
 * measured for a span with nothing but ids and times). Charged against the in-flight budget like
 * the body: the smallest spans are under 50 bytes on the wire, so a body of them decodes to about
 * seven times its size. (Breaker-state points carry their labels on the wire: no such blow-up.)
 */
export const DECODED_SPAN_BYTES = 400;
