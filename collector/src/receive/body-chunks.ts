import { Buffer } from 'node:buffer';

/** Chunks shorter than this are copied together instead of kept one Buffer each. */
const SMALL_CHUNK_BYTES = 1024;
/** Size of the buffers small chunks are copied into. */
const STAGING_BYTES = 16 * 1024;

/**
 * The chunks of a body being received, kept in about their size. A Buffer object costs some 150
 * bytes of heap whatever it holds, and a client decides how small its chunks are (HTTP/1.1 chunks
 * of one byte, six bytes on the wire): kept one by one, a body of 64 MiB in such chunks would take
 * ~10 GB, unseen by the body limit and the in-flight budget, which count body bytes. So a run of
 * small chunks is copied into shared 16 KiB buffers; large chunks, and a lone small one (a whole
 * small body), are kept as they came, uncopied.
 */
export class BodyChunks {
  private readonly chunks: Buffer[] = [];
  /** Where the current run of small chunks is copied; its first `used` bytes are taken. */
  private staging: Buffer | undefined;
  private used = 0;
  private total = 0;

  /** Bytes held. */
  get size(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= SMALL_CHUNK_BYTES) {
      this.seal();
      this.chunks.push(chunk);
      return;
    }
    if (this.staging !== undefined && this.used + chunk.length <= this.staging.length) {
      chunk.copy(this.staging, this.used);
      this.used += chunk.length;
      return;
    }
    this.seal();
    const last = this.chunks[this.chunks.length - 1];
    if (last === undefined || last.length >= SMALL_CHUNK_BYTES) {
      this.chunks.push(chunk);
      return;
    }
    // A second small chunk in a row: from here on the run is copied together.
    this.chunks.pop();
    this.staging = Buffer.allocUnsafe(STAGING_BYTES);
    last.copy(this.staging, 0);
    chunk.copy(this.staging, last.length);
    this.used = last.length + chunk.length;
  }

  /** The whole body in one Buffer (the only chunk itself, when there is one). */
  toBuffer(): Buffer {
    this.seal();
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.total);
  }

  /**
   * Ends the current run: its staging buffer joins the chunks, cut to what it holds; copied out
   * when mostly empty (a short run between large chunks), which would otherwise keep 16 KiB.
   */
  private seal(): void {
    if (this.staging === undefined) return;
    const run = this.staging.subarray(0, this.used);
    this.chunks.push(this.used > STAGING_BYTES / 2 ? run : Buffer.from(run));
    this.staging = undefined;
    this.used = 0;
  }
}
