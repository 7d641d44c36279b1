import type { ErrorCategory } from '@breakwater/protocol';

/** Node and undici error codes that mean the dependency timed out. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Node socket and DNS error codes that mean the network path failed. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
]);

/** Category for a Node/undici error code, or `undefined` when the code is not a network one. */
export function networkCategory(code: string): ErrorCategory | undefined {
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (NETWORK_CODES.has(code)) return 'network';
  if (code.startsWith('UND_ERR_')) return code === 'UND_ERR_ABORTED' ? 'cancelled' : 'network';
  return undefined;
}

/**
 * The first error `code` string found on `error` or down its `cause` chain (fetch wraps socket
 * errors in `TypeError: fetch failed`; the OpenAI client wraps them in `APIConnectionError`).
 */
export function findNetworkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkCategory(code) !== undefined) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      // AggregateError from happy-eyeballs connects: any member's code will do.
      for (const member of errors) {
        const memberCode = (member as { code?: unknown } | null)?.code;
        if (typeof memberCode === 'string' && networkCategory(memberCode) !== undefined) return memberCode;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
