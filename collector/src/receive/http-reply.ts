import type { ServerResponse } from 'node:http';

/**
 * Sends a JSON error for the non-OTLP routes: `{ "error": { "code": 404, "message": "..." } }`.
 * `close` asks the client to open a new connection (used when the request body was not read).
 */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  close = false,
): void {
  send(res, status, 'application/json', JSON.stringify({ error: { code: status, message } }), headers, close);
}

/** Writes a complete response (unless one was already started). */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
  close = false,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', payload.length);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (close) res.setHeader('connection', 'close');
  res.end(payload);
}
