import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** An open event stream. */
export interface StreamResponse {
  status: number;
  contentType: string;
  /** The `location` header, for a redirect. */
  location?: string | undefined;
  /** The `retry-after` header, for a refusal. */
  retryAfter?: string | undefined;
  body: AsyncIterable<Uint8Array | string>;
}

/** Opens `GET url` with `headers`; aborting `signal` must end the request and its body. */
export type Transport = (
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
) => Promise<StreamResponse>;

/**
 * The default transport, on `node:http`/`node:https`. Its socket is unref'd: a long-lived
 * control stream must never keep an application's process from exiting.
 */
export const nodeTransport: Transport = (url, headers, signal) =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers, signal }, (res) => {
      resolve({
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type'] ?? ''),
        location: res.headers.location,
        retryAfter: res.headers['retry-after'],
        body: res,
      });
    });
    req.on('socket', (socket) => socket.unref());
    req.on('error', reject);
    req.end();
  });

/** A transport on a WHATWG `fetch` (for runtimes or tests that supply their own). */
export function fetchTransport(fetchFn: typeof fetch): Transport {
  return async (url, headers, signal) => {
    // Not followed: a redirect is reported as a wrong URL, as with the node transport.
    const res = await fetchFn(url, { headers, signal, redirect: 'manual' });
    const body = res.body;
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      location: res.headers.get('location') ?? undefined,
      retryAfter: res.headers.get('retry-after') ?? undefined,
      body: body === null ? emptyBody() : iterate(body),
    };
  };
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}

async function* iterate(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
