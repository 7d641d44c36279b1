import type { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';
import type { Clock } from '@breakwater/protocol';
import { BodyChunks } from './body-chunks.ts';

/** Why a body could not be read; `status` is the HTTP answer. */
export class BodyError extends Error {
  override readonly name = 'BodyError';
  readonly status: 400 | 413 | 429 | 503;

  constructor(status: 400 | 413 | 429 | 503, message: string) {
    super(message);
    this.status = status;
  }
}

/** Content encodings the receiver inflates. */
export type ContentEncoding = 'identity' | 'gzip' | 'deflate';

/**
 * The `Content-Encoding` to send a body on with: the canonical name, none for `identity` (OTLP
 * receivers downstream match the exact lower-case names and refuse `identity`).
 */
export function forwardedEncoding(
  encoding: ContentEncoding,
): Exclude<ContentEncoding, 'identity'> | undefined {
  return encoding === 'identity' ? undefined : encoding;
}

export function contentEncodingOf(header: string | undefined): ContentEncoding | undefined {
  const value = (header ?? 'identity').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  return undefined;
}

export interface ReadBodyOptions {
  encoding: ContentEncoding;
  /** Cap on the body after decompression → 413. */
  maxBytes: number;
  /** Names the cap in the 413 message, e.g. `limits.maxBodyBytes`. */
  limitName: string;
  /** Reserves buffered bytes from the shared budget; `false` → 429. */
  reserve(bytes: number): boolean;
  /** Keep the bytes as received (for forwarding)? */
  keepRaw: boolean;
  timeoutMs: number;
  clock: Clock;
}

export interface Body {
  /** Decoded (inflated) body. */
  data: Buffer;
  /** The bytes as received, when `keepRaw` (the same buffer when not compressed). */
  raw: Buffer | undefined;
  /** Bytes received on the wire. */
  wireBytes: number;
}

/**
 * Reads a request body, inflating gzip/deflate as it streams. The cap applies to the inflated
 * size and is checked chunk by chunk, so a decompression bomb stops at the cap instead of
 * allocating its full size; the shared byte budget is charged as bytes arrive.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<Body> {
  const { encoding, maxBytes, limitName } = options;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(
      new BodyError(413, `body of ${declared} bytes exceeds the ${maxBytes}-byte limit (${limitName})`),
    );
  }
  return new Promise<Body>((resolve, reject) => {
    const rawChunks = new BodyChunks();
    const chunks = new BodyChunks();
    let wireBytes = 0;
    let settled = false;
    const inflater =
      encoding === 'gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : undefined;

    const timer = options.clock.setTimeout(() => {
      // 503, not 408: OTLP clients retry only 429, 502, 503 and 504, and a body cut short by a
      // slow link is worth sending again.
      fail(new BodyError(503, `body not received within ${options.timeoutMs} ms`));
    }, options.timeoutMs);

    const cleanup = (): void => {
      settled = true;
      options.clock.clearTimeout(timer);
      req.off('data', onWire);
      req.off('end', onWireEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (inflater !== undefined) {
        inflater.off('data', onData);
        inflater.off('end', onEnd);
        inflater.off('error', onInflateError);
      }
    };
    const fail = (error: Error): void => {
      if (settled) return;
      cleanup();
      inflater?.destroy();
      // Stop reading: the caller answers and closes the connection.
      req.pause();
      reject(error);
    };
    const charge = (bytes: number): boolean => {
      if (!options.reserve(bytes)) {
        fail(new BodyError(429, 'too much ingest data in flight; retry later'));
        return false;
      }
      return true;
    };
    const onData = (chunk: Buffer): void => {
      if (settled) return;
      if (chunks.size + chunk.length > maxBytes) {
        fail(
          new BodyError(413, `body exceeds the ${maxBytes}-byte limit after decompression (${limitName})`),
        );
        return;
      }
      if (inflater !== undefined && !charge(chunk.length)) return;
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (settled) return;
      // zlib's inflate stops at the end of the first deflate stream and drops what follows it
      // (gzip reads on into a next member, and fails on garbage): bytes there would be data
      // acknowledged and never read, so the body is refused as gzip's would be.
      if (inflater !== undefined && inflater.bytesWritten < wireBytes) {
        fail(
          new BodyError(
            400,
            `invalid ${encoding} body: ${wireBytes - inflater.bytesWritten} bytes after the end of the compressed stream`,
          ),
        );
        return;
      }
      cleanup();
      const data = chunks.toBuffer();
      const raw = inflater === undefined ? data : options.keepRaw ? rawChunks.toBuffer() : undefined;
      resolve({ data, raw: options.keepRaw ? raw : undefined, wireBytes });
    };
    const onWire = (chunk: Buffer): void => {
      if (settled) return;
      wireBytes += chunk.length;
      if (wireBytes > maxBytes) {
        fail(new BodyError(413, `body exceeds the ${maxBytes}-byte limit (${limitName})`));
        return;
      }
      if (!charge(chunk.length)) return;
      if (inflater === undefined) {
        onData(chunk);
        return;
      }
      if (options.keepRaw) rawChunks.push(chunk);
      // Backpressure: let the inflater drain before reading more from the socket.
      if (!inflater.write(chunk)) {
        req.pause();
        inflater.once('drain', () => {
          if (!settled) req.resume();
        });
      }
    };
    const onWireEnd = (): void => {
      if (inflater === undefined) onEnd();
      else inflater.end();
    };
    const onError = (error: Error): void => fail(new BodyError(400, `request body error: ${error.message}`));
    const onClose = (): void => {
      if (!req.complete) fail(new BodyError(400, 'request aborted by the client'));
    };
    const onInflateError = (error: Error): void =>
      fail(new BodyError(400, `invalid ${encoding} body: ${error.message}`));

    if (inflater !== undefined) {
      inflater.on('data', onData);
      inflater.on('end', onEnd);
      inflater.on('error', onInflateError);
    }
    req.on('data', onWire);
    req.on('end', onWireEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
