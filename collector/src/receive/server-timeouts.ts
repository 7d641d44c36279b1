import type { ServerOptions } from 'node:http';
import { parseDuration } from '@breakwater/protocol';
import type { LimitsConfig } from '../config/server-section.ts';

/** The timeout options of the listener, from `limits` (see the README's server keys). */
export type ServerTimeouts = Required<
  Pick<
    ServerOptions,
    'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout' | 'connectionsCheckingInterval'
  >
>;

/** Longest pause between the server's sweeps for expired headers and requests. */
const MAX_CHECK_INTERVAL_MS = 1_000;

/**
 * Explicit HTTP timeouts instead of Node's defaults (headers 60 s, request 5 min), which let a
 * client that trickles its headers hold a connection and its memory for a minute. Node checks
 * them on a sweep (default every 30 s, which would let a 10 s headers timeout run to 40 s), so the
 * sweep runs at least every second, and at a quarter of a shorter timeout. An SSE response is not
 * affected: `requestTimeout` covers receiving the request, which for a `GET` ends with its headers.
 */
export function serverTimeouts(limits: LimitsConfig): ServerTimeouts {
  const headersTimeout = parseDuration(limits.headersTimeout);
  const requestTimeout = parseDuration(limits.requestTimeout);
  return {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: parseDuration(limits.keepAliveTimeout),
    connectionsCheckingInterval: Math.max(
      1,
      Math.min(MAX_CHECK_INTERVAL_MS, Math.floor(Math.min(headersTimeout, requestTimeout) / 4)),
    ),
  };
}
