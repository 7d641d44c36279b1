import type { IncomingMessage } from 'node:http';
import { COLLECTOR_PATHS } from '@breakwater/protocol';

/** Why a request is refused before routing: status and message. */
export interface GuardRefusal {
  status: 403 | 421;
  message: string;
}

/**
 * Host names a browser resolves to this machine by itself, never through DNS: `localhost`,
 * `*.localhost`, 127.0.0.0/8 and `[::1]`, with an optional port.
 */
const LOOPBACK_HOST = /^(?:localhost|(?:[a-z0-9-]+\.)+localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/**
 * Refuses what web pages in the operator's browser could make of the collector's API:
 *
 * - A cross-site request (`Sec-Fetch-Site: cross-site` or `same-site`; from a browser that does
 *   not send it, an `Origin` other than the request's own host): 403. An `<img>` or a link on
 *   any page would otherwise reach `GET /v1/gate` (incident alerts, metrics, history) or post
 *   spans. Only a top-level navigation to the status page itself passes, so it can be linked.
 *   Other sites on this machine (`localhost:3000`) are `same-site` and refused too.
 * - Without auth, a `Host` that is not a loopback name: 421. A page whose name an attacker
 *   re-points to 127.0.0.1 (DNS rebinding) is same-origin with the collector for the browser,
 *   and could read `/v1/status` and `/metrics`; its requests still carry its own name.
 *
 * Clients that are not browsers (SDKs, exporters, the CLI, curl) send neither header and a
 * `Host` of the address they connect to, so they pass. With auth on, any `Host` is served: a
 * page cannot send a bearer token it does not have.
 */
export function browserGuard(
  req: IncomingMessage,
  pathname: string,
  authEnabled: boolean,
): GuardRefusal | undefined {
  const host = req.headers.host;
  if (!authEnabled && host !== undefined && !LOOPBACK_HOST.test(host)) {
    return {
      status: 421,
      message: `Host "${host}" is not a loopback name: without auth tokens the collector only answers requests addressed to localhost, 127.0.0.1 or [::1] (so no other site's name, re-pointed at this machine, can reach it); configure auth.tokens to serve it under other names`,
    };
  }
  if (!isCrossSite(req, host)) return undefined;
  if (
    pathname === COLLECTOR_PATHS.STATUS_PAGE &&
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.headers['sec-fetch-mode'] === 'navigate' &&
    req.headers['sec-fetch-dest'] === 'document'
  )
    return undefined;
  return {
    status: 403,
    message: `cross-site request refused: web pages of other sites cannot use the collector's API (only a link to the status page, ${COLLECTOR_PATHS.STATUS_PAGE}, is followed)`,
  };
}

function isCrossSite(req: IncomingMessage, host: string | undefined): boolean {
  // Set by the browser, not by the page, and right behind a proxy that rewrites Host.
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'cross-site' || site === 'same-site';
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  // `null` is an opaque origin: a sandboxed frame, a file, a redirect across sites.
  if (!URL.canParse(origin)) return true;
  return host === undefined || new URL(origin).host !== host.toLowerCase();
}
