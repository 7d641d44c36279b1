/** Small HTTP helpers shared by the API routes and the control API. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body accepted (the Messages API's documented limit). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Thrown by {@link readBody} when the body is larger than {@link MAX_BODY_BYTES}. */
export class BodyTooLargeError extends Error {}

/** Reads the whole request body as UTF-8. Rejects if the client goes away first. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/** Sends a JSON body with an exact content-length (keeps keep-alive connections cheap). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * Waits `ms` on the given scheduler; resolves `false` instead if the response closes first
 * (the client went away), so no work is done for a caller that is gone.
 */
export function waitUnlessClosed(
  res: ServerResponse,
  ms: number,
  schedule: (fn: () => void, ms: number) => unknown,
  cancel: (handle: unknown) => void,
): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onClose = () => {
      cancel(handle);
      resolve(false);
    };
    const handle = schedule(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}
